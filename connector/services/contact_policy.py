"""The contact policy as the host applies it: gather what the pure `decide` needs for one queued text, ask it,
and record the answer.

The dispatcher calls `SendPolicy.check` for every text it is about to send, in the unit of work that marks the
text in flight, so a decision and the send it allows are one story in the store. What it gathers:
- consent: the store's STOP flag and marketing consent, and the CRM record as last seen (its opt-out and
  marketing opt-in fields, and the mapping's `never_text_when`: a lead marked invalid after the run started is
  not texted);
- the flow's policy (window, caps) from the flow version the run started on;
- the contact's sends of the same category in the last week across all flows (caps), and of the same flow in the
  last day (a state's "same subject" limit).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from connector.config.flow import Flow
from connector.config.mapping import Mapping
from connector.engine.expr import parse
from connector.engine.policy import Decision, PolicyOverrides, decide
from connector.engine.policy_rules import ConsentView
from connector.engine.records import field_value
from connector.engine.triggers import condition_env
from connector.services.registry import Registry
from connector.store.records import ContactRecord, MessageRecord, OutboxItem
from connector.store.uow import UnitOfWork

CAP_LOOKBACK = timedelta(days=7)  # the longest cap: "3 a week"
SUBJECT_LOOKBACK = timedelta(days=1)  # state limits count one subject over 24 hours
# A text answering the contact's own message (HELP) goes at once: it is what they asked for, now.
RESPONSE_PURPOSES = frozenset({"help"})


@dataclass(frozen=True)
class _Context:
    category: str
    flow: Flow | None
    record: tuple[str, str, dict[str, Any]] | None  # object, id, fields as last seen


@dataclass
class SendPolicy:
    """Decides, for a queued text, whether it goes now, later or never; every answer is recorded."""

    registry: Registry
    overrides: PolicyOverrides | None = None

    def check(
        self, uow: UnitOfWork, item: OutboxItem, message: MessageRecord, contact: ContactRecord, now: datetime
    ) -> Decision:
        """The decision for this text at `now`, recorded against the contact (and the text) before it returns."""
        context = self._context(uow, item)
        decision = self._decide(uow, item, contact, context, now)
        uow.decisions.add(
            at=now,
            contact_id=contact.id,
            message_id=message.id,
            run_id=item.run_id,
            flow=context.flow.flow if context.flow else item.payload.get("flow"),
            category=context.category,
            decision=decision.decision,
            cause=decision.cause,
            until=decision.until,
            reason=decision.reason,
            local_window=decision.window,
        )
        return decision

    def _decide(
        self, uow: UnitOfWork, item: OutboxItem, contact: ContactRecord, context: _Context, now: datetime
    ) -> Decision:
        category = context.category
        if item.payload.get("purpose") in RESPONSE_PURPOSES and not contact.opted_out:
            return Decision("send", None, "an answer to the contact's own message, sent at once", None, "response")
        mapping = self.registry.mappings.get(context.record[0]) if context.record else None
        fields = context.record[2] if context.record else {}
        forbidden = _record_forbids(mapping, fields)
        if forbidden:
            return Decision("drop", None, forbidden, None, "record")
        flow = context.flow
        return decide(
            phone=contact.phone,
            at=now,
            category="marketing" if category == "marketing" else "transactional",
            consent=_consent(contact, mapping, fields),
            policy=flow.policy if flow else None,
            record_time_zone=_time_zone(contact, mapping, fields),
            recent=uow.messages.sent_times(contact.id, since=now - CAP_LOOKBACK, category=category),
            same_subject=(
                uow.messages.sent_times(contact.id, since=now - SUBJECT_LOOKBACK, category=category, flow=flow.flow)
                if flow
                else None
            ),
            overrides=self.overrides,
        )

    def _context(self, uow: UnitOfWork, item: OutboxItem) -> _Context:
        category = str(item.payload.get("category") or "transactional")
        state = uow.runs.get(item.run_id) if item.run_id else None
        if state is None:
            return _Context(category, None, None)
        flow = self.registry.version(uow, state.flow, state.flow_version)
        record = state.record
        seen = uow.crm_state.snapshot(record.object, record.id)
        # The record as last seen is newer than the one the run started with; fall back to the run's copy.
        fields = {**record.fields, **seen.fields} if seen is not None else dict(record.fields)
        return _Context(category, flow, (record.object, record.id, fields))


def _record_forbids(mapping: Mapping | None, fields: dict[str, Any]) -> str | None:
    """Why the CRM record, as last seen, forbids texting (its opt-out field, never_text_when), else None."""
    if mapping is None or not fields:
        return None
    if mapping.opt_out and field_value(fields, mapping.opt_out) is True:
        return f"the record's {mapping.opt_out} is set"
    if mapping.never_text_when and parse(mapping.never_text_when).test(condition_env(fields)):
        return f"the record now matches never_text_when: {mapping.never_text_when}"
    return None


def _consent(contact: ContactRecord, mapping: Mapping | None, fields: dict[str, Any]) -> ConsentView:
    """The contact's consent: a revocation in the store wins; else the record's opt-in field; else the store."""
    opt_in: bool | None = {"granted": True, "revoked": False}.get(contact.consent_marketing)
    if opt_in is not False and mapping and mapping.marketing_opt_in:
        on_record = field_value(fields, mapping.marketing_opt_in)
        if isinstance(on_record, bool):
            opt_in = on_record
    return ConsentView(
        opted_out=contact.opted_out,
        marketing_opt_in=opt_in,
        do_not_contact=contact.consent_transactional == "revoked",
    )


def _time_zone(contact: ContactRecord, mapping: Mapping | None, fields: dict[str, Any]) -> str | None:
    """The record's time-zone field as last seen, else the one stored with the contact."""
    if mapping and mapping.time_zone:
        value = field_value(fields, mapping.time_zone)
        if isinstance(value, str) and value.strip():
            return value
    return contact.time_zone
