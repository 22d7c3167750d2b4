"""Start runs, feed them replies, timeouts and delivery failures: each in the caller's unit of work.

Every function here reads, advances the pure engine and persists the Step with apply_step, all in one
transaction that the caller commits: the run's new state, its outbox rows, timers and write-backs land together
or not at all, so a crash never loses an accepted input and never performs an action twice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from connector.config.flow import Flow
from connector.config.mapping import Mapping
from connector.engine.expr import parse
from connector.engine.model import DeliveryFailed, Input, OptedOut, Record, Reply, Start, Step, Timeout
from connector.engine.records import field_value, flow_values, phone_candidates, zone_for_texts
from connector.engine.run import advance, initial_state, template_values
from connector.engine.templates import render
from connector.engine.triggers import condition_env
from connector.phones import InvalidPhone, to_e164
from connector.services.registry import Registry
from connector.store.apply import apply_step
from connector.store.records import ContactRecord
from connector.store.uow import UnitOfWork

StartStatus = Literal["started", "duplicate", "no_phone", "opted_out", "never_text", "no_mapping"]


@dataclass(frozen=True)
class Started:
    """What became of a request to start a run; only "started" created one."""

    status: StartStatus
    run_id: str | None = None
    reason: str = ""
    step: Step | None = None


def run_id_for(flow: Flow, record_id: str, cause: str) -> str:
    """A run id derived from what caused it, so the same cause (a redelivered event) names the same run."""
    digest = hashlib.sha256(f"{flow.flow}\x00{record_id}\x00{cause}".encode()).hexdigest()[:20]
    return f"run_{digest}"


def start_run(
    uow: UnitOfWork,
    registry: Registry,
    flow: Flow,
    *,
    obj: str,
    record_id: str,
    fields: dict[str, Any],
    cause: str,
    at: datetime,
    call: dict[str, Any] | None = None,
) -> Started:
    """Start `flow` for a record unless the record may not be texted or the flow's dedupe key was seen.

    `cause` names what started it (an event id): the same cause always names the same run, so a redelivered
    event starts nothing twice. `call` carries the logged call's fields for call_logged flows.
    """
    mapping = registry.mapping_for(flow, obj)
    if mapping is None:
        return _refused(uow, "no_mapping", f"no mapping for {obj}", flow, record_id, at)
    phone = _first_valid_phone(phone_candidates(mapping, fields), mapping.phone.default_region)
    if phone is None:
        return _refused(uow, "no_phone", "no valid mobile or fallback number on the record", flow, record_id, at)
    if mapping.opt_out and field_value(fields, mapping.opt_out) is True:
        return _refused(uow, "opted_out", f"{mapping.opt_out} is set on the record", flow, record_id, at)
    if mapping.never_text_when and parse(mapping.never_text_when).test(condition_env(fields)):
        return _refused(uow, "never_text", f"never_text_when holds: {mapping.never_text_when}", flow, record_id, at)
    variables, owner = flow_values(mapping, fields)
    record_zone = variables.get("time_zone")  # only a zone the record names is kept with the contact
    if zone := zone_for_texts(variables, phone):
        variables["time_zone"] = zone
    contact = uow.contacts.get_or_create(
        phone,
        time_zone=record_zone,
        crm_object=obj,
        crm_record_id=record_id,
        now=at,
    )
    if contact.opted_out:
        return _refused(uow, "opted_out", "the contact opted out (STOP)", flow, record_id, at)
    _sync_marketing_consent(uow, mapping, fields, contact, at)
    run_id = run_id_for(flow, record_id, cause)
    if uow.runs.contact_of(run_id) is not None:
        return Started("duplicate", run_id, f"already started by {cause}")
    start = Start(
        at=at,
        run_id=run_id,
        record=Record(object=obj, id=record_id, fields=fields),
        phone=phone,
        vars=variables,
        owner=owner,
        call=call,
        sender=registry.sender,
    )
    dedupe_key = _dedupe_key(uow, flow, start)
    registry.remember(uow, flow)
    step = advance(flow, None, start)
    if not apply_step(uow, step, contact_id=contact.id, now=at, dedupe_key=dedupe_key):
        return Started("duplicate", start.run_id, f"already started (dedupe key {dedupe_key or start.run_id})")
    uow.audit.log("engine", "run_started", start.run_id, {"flow": flow.flow, "record": record_id}, at=at)
    return Started("started", start.run_id, step=step)


def _sync_marketing_consent(
    uow: UnitOfWork, mapping: Mapping, fields: dict[str, Any], contact: ContactRecord, at: datetime
) -> None:
    """Keep the record's marketing opt-in checkbox in the contact's consent history when it says something new."""
    if not mapping.marketing_opt_in:
        return
    on_record = field_value(fields, mapping.marketing_opt_in)
    if not isinstance(on_record, bool):
        return
    state = "granted" if on_record else "revoked"
    if contact.consent_marketing != state:
        detail = f"{mapping.object}.{mapping.marketing_opt_in} is {'ticked' if on_record else 'cleared'}"
        uow.contacts.set_consent(contact.id, "marketing", state, source="crm", at=at, detail=detail)


def _first_valid_phone(raw_numbers: list[str], region: str) -> str | None:
    for raw in raw_numbers:
        try:
            return to_e164(raw, region)
        except InvalidPhone:
            continue
    return None


def _dedupe_key(uow: UnitOfWork, flow: Flow, start: Start) -> str | None:
    """The flow's dedupe key for this record; a key whose window has passed is released for reuse."""
    dedupe = flow.policy.dedupe
    if dedupe is None:
        return None
    state = initial_state(flow, start)
    key = f"{flow.flow}:{render(dedupe.key, template_values(state)).strip()}"
    previous = uow.runs.by_dedupe_key(key)
    if previous is not None and previous.history and start.at - previous.history[0].at >= dedupe.within:
        uow.runs.release_dedupe_key(key)
    return key


def _refused(uow: UnitOfWork, status: StartStatus, reason: str, flow: Flow, record_id: str, at: datetime) -> Started:
    uow.audit.log("policy", f"run_not_started:{status}", record_id, {"flow": flow.flow, "reason": reason}, at=at)
    return Started(status, reason=reason)


def advance_run(uow: UnitOfWork, registry: Registry, run_id: str, inp: Input, at: datetime) -> Step | None:
    """Apply one input to a stored run, on the flow version it started on; None when there is no such run."""
    state = uow.runs.get(run_id, for_update=True)
    contact_id = uow.runs.contact_of(run_id)
    if state is None or contact_id is None:
        return None
    flow = registry.version(uow, state.flow, state.flow_version)
    if flow is None:
        return None
    step = advance(flow, state, inp)
    if step.ignored is None:
        apply_step(uow, step, contact_id=contact_id, now=at)
    return step


@dataclass(frozen=True)
class ReplyResult:
    """Where a reply went: the run it moved (if any) and what it was understood as."""

    run_id: str | None
    outcome: str | None
    step: Step | None = None


def deliver_reply(uow: UnitOfWork, registry: Registry, phone: str, text: str, at: datetime) -> ReplyResult:
    """Give a reply to the contact's run that waits for one (the one most recently moved)."""
    contact = uow.contacts.by_phone(phone)
    if contact is None:
        return ReplyResult(None, None)
    for state in uow.runs.waiting_for_contact(contact.id):
        if state.waiting_for != "reply":
            continue
        step = advance_run(uow, registry, state.run_id, Reply(at=at, text=text), at)
        if step is not None:
            if step.outcome == "stop":
                opt_out(uow, registry, phone, at, source="reply")
            return ReplyResult(state.run_id, step.outcome, step)
    return ReplyResult(None, None)


def opt_out(uow: UnitOfWork, registry: Registry, phone: str, at: datetime, *, source: str) -> int:
    """Mark the contact opted out and end every run of theirs that still waits; returns how many ended."""
    contact = uow.contacts.by_phone(phone)
    if contact is None:
        return 0
    if not contact.opted_out:
        uow.contacts.set_opted_out(contact.id, True, source=source, at=at)
    ended = 0
    for state in uow.runs.waiting_for_contact(contact.id):
        step = advance_run(uow, registry, state.run_id, OptedOut(at=at, source=source), at)
        ended += bool(step and step.state.status == "ended")
    return ended


def fire_timer(uow: UnitOfWork, registry: Registry, run_id: str, timer_id: str, at: datetime) -> Step | None:
    """A due timer: wake its run with a Timeout (ignored by the engine if the run moved on).

    The Timeout carries the record as last seen (ingest and polling keep it): after a wait until a record's
    date-time, the run checks the moment has not moved and its trigger still holds, and ends quietly otherwise.
    """
    state = uow.runs.get(run_id)
    record = None
    if state is not None and (seen := uow.crm_state.snapshot(state.record.object, state.record.id)) is not None:
        record = Record(object=state.record.object, id=state.record.id, fields={**state.record.fields, **seen.fields})
    return advance_run(uow, registry, run_id, Timeout(at=at, timer_id=timer_id, record=record), at)


def delivery_failed(uow: UnitOfWork, registry: Registry, action_id: str, error: str, at: datetime) -> Step | None:
    """A text could not be delivered: tell its run (the action id names the run that sent it)."""
    run_id = action_id.split(":", 1)[0]
    return advance_run(uow, registry, run_id, DeliveryFailed(at=at, action_id=action_id, error=error), at)
