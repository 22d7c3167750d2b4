"""Inbound texts and delivery statuses into the store and the engine, each in the caller's unit of work.

The SMS hooks call these after checking the provider's signature, and commit before answering, so a crash never
loses an accepted input; the same input delivered again (same message id, same status, or same idempotency
token) changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select

from connector.engine.replies import classify
from connector.services import attention
from connector.services.registry import Registry
from connector.services.runs import deliver_reply, delivery_failed, opt_out
from connector.services.writeback import queue_activity, queue_opt_out
from connector.sms.port import ErrorCode
from connector.sms.twilio.statuses import FAILURES, advances
from connector.store.records import MessageRecord
from connector.store.tables import Message, MessageStatus
from connector.store.uow import UnitOfWork

# The reply to HELP/INFO until a setting carries the business's own words; carriers want the sender named.
HELP_TEXT = (
    "SMS Flow Connector: automated texts about your enquiry. Reply STOP to opt out, START to opt back in. "
    "Msg & data rates may apply."
)
# The audit action of a reply no run was waiting for; the "needs a person" queue lists these.
NEEDS_PERSON = "reply_needs_person"
_E164 = re.compile(r"\+[1-9]\d{6,14}")

InboundOutcome = Literal["duplicate", "stop", "start", "help", "reply", "needs_person", "unparsable"]
StatusOutcome = Literal["duplicate", "recorded", "history_only", "unmatched"]


@dataclass(frozen=True)
class InboundSms:
    """A text a contact sent, as the SMS hook received it; `token` is the provider's idempotency token."""

    provider_id: str
    from_phone: str
    body: str
    segments: int | None = None
    token: str | None = None


@dataclass(frozen=True)
class StatusUpdate:
    """A delivery status the provider reported; `outbox_key` comes back on our status callback URL."""

    provider_id: str
    status: str
    error_code: str | None = None
    error: ErrorCode | None = None
    outbox_key: str | None = None
    token: str | None = None


def receive_sms(
    uow: UnitOfWork, registry: Registry, sms: InboundSms, at: datetime, *, help_text: str = HELP_TEXT
) -> InboundOutcome:
    """Record an inbound text once, then act on it: STOP, START, HELP, or a reply for the contact's waiting run."""
    if uow.messages.by_provider_id(sms.provider_id) or _redelivered(uow, sms.token, "inbound", sms.provider_id, at):
        return "duplicate"
    if not _E164.fullmatch(sms.from_phone):
        # Short codes and alphanumeric senders cannot be contacts; keep a trace for whoever looks.
        uow.audit.log("sms", "inbound_unparsable", sms.provider_id, at=at)
        return "unparsable"
    contact = uow.contacts.get_or_create(sms.from_phone, now=at)
    outcome: InboundOutcome
    run_id = None
    meaning = classify(sms.body, "text").outcome
    if meaning == "stop":
        # Twilio blocks the number and sends its own confirmation; we only stop every run and record why.
        opt_out(uow, registry, contact.phone, at, source="sms")
        outcome = "stop"
    elif meaning == "start":
        if contact.opted_out:
            uow.contacts.set_opted_out(contact.id, False, source="sms", at=at)
        outcome = "start"
    elif meaning == "help":
        if not contact.opted_out:
            queue_text(uow, contact.id, f"help:{sms.provider_id}", help_text, at)
        outcome = "help"
    else:
        reply = deliver_reply(uow, registry, contact.phone, sms.body, at)
        run_id = reply.run_id
        outcome = "reply" if run_id else "needs_person"
        if run_id is None:
            uow.audit.log("sms", NEEDS_PERSON, sms.provider_id, {"contact_id": contact.id}, at=at)
        # Needs-a-person queue (admin UI): a reply no run took, or one its run did not understand.
        attention.queue_reply(uow, sms.provider_id, contact.id, sms.body, reply, at)
    added = uow.messages.add_inbound(
        provider_id=sms.provider_id, contact_id=contact.id, body=sms.body, at=at, run_id=run_id, segments=sms.segments
    )
    if not added:
        uow.rollback()  # a concurrent delivery of the same message won the insert; undo this one's work
        return "duplicate"
    received = uow.messages.by_provider_id(sms.provider_id)
    if received is not None:
        queue_activity(uow, received, "received", at=at, needs_person=outcome == "needs_person")
    if outcome == "stop":
        queue_opt_out(uow, registry, contact.id, at=at)
    return outcome


def record_status(uow: UnitOfWork, registry: Registry, update: StatusUpdate, at: datetime) -> StatusOutcome:
    """Apply a delivery status once: a later one moves the text on, an earlier one only joins its history."""
    message = _message_for(uow, update)
    if _redelivered(uow, update.token, "status", update.provider_id, at):
        return "duplicate"
    if message is None or message.direction == "in":  # a status naming an incoming text's SID is none of ours
        uow.audit.log("sms", "status_unmatched", update.provider_id, {"status": update.status}, at=at)
        return "unmatched"
    message = locked(uow, message)
    if update.status in {status for status, _, _ in uow.messages.status_history(message.id)}:
        return "duplicate"
    if message.provider_id is None:
        # The worker died between the API call and recording its SID; our callback URL still named the text.
        uow.messages.mark_sent(message.id, provider_id=update.provider_id, status=update.status, at=at)
        if update.error_code:
            uow.messages.record_status(message.id, update.status, at=at, error_code=update.error_code)
    elif advances(message.status, update.status):
        uow.messages.record_status(message.id, update.status, at=at, error_code=update.error_code)
    else:
        _add_history(uow, message.id, update.status, update.error_code, at)
        return "history_only"
    fresh = uow.messages.by_provider_id(update.provider_id)
    if fresh is not None:
        queue_activity(uow, fresh, "status", at=at)
    if update.status in FAILURES:
        delivery_failure(uow, registry, message, update.error or "rejected", at, provider_code=update.error_code)
    return "recorded"


def delivery_failure(
    uow: UnitOfWork,
    registry: Registry,
    message: MessageRecord,
    code: ErrorCode,
    at: datetime,
    *,
    provider_code: str | None = None,
) -> None:
    """A text failed for good: flag its contact when the number itself is the problem, and tell its run."""
    contact = uow.contacts.get(message.contact_id)
    if contact is not None and code == "opted_out":
        opt_out(uow, registry, contact.phone, at, source="provider")
        queue_opt_out(uow, registry, contact.id, at=at)
    elif contact is not None and code == "invalid_number" and not contact.opted_out:
        # No column says "cannot be texted", so the opt-out flag blocks every flow; the consent history keeps
        # the reason apart from a STOP, and a START from the handset (proof it works) clears it.
        uow.contacts.set_opted_out(contact.id, True, source="invalid_number", at=at, detail=provider_code)
        uow.audit.log("sms", "contact_invalid_number", f"contact:{contact.id}", {"code": provider_code}, at=at)
    if message.run_id and message.action_id:
        delivery_failed(uow, registry, message.action_id, code, at)


def queue_text(uow: UnitOfWork, contact_id: int, key: str, body: str, at: datetime) -> bool:
    """Queue a text no run sent (the HELP reply) through the outbox; False when `key` was queued already."""
    payload = {
        "run_id": None,
        "contact_id": contact_id,
        "body": body,
        "category": "transactional",
        "step": None,
        "purpose": "help",  # an answer to the contact's own message: the policy sends it at once
    }
    if not uow.outbox.add(key, "send_sms", payload, now=at):
        return False
    return uow.messages.add_outbound(action_id=key, contact_id=contact_id, body=body, at=at, category="transactional")


def locked(uow: UnitOfWork, message: MessageRecord) -> MessageRecord:
    """The outbound message re-read under a row lock (PostgreSQL), so the status hook and the dispatcher never
    both decide from a stale status; SQLite's BEGIN IMMEDIATE serialises them already."""
    # MessageRepository has no lock() or history-only append yet: this and _add_history reach the table directly.
    uow.session.execute(select(Message.id).where(Message.id == message.id).with_for_update())
    assert message.action_id is not None
    fresh = uow.messages.by_action_id(message.action_id)
    assert fresh is not None
    return fresh


def _add_history(uow: UnitOfWork, message_id: int, status: str, error_code: str | None, at: datetime) -> None:
    """Append a status the text went through without making it current (it arrived after a later one)."""
    uow.session.add(MessageStatus(message_id=message_id, status=status, error_code=error_code, at=at))
    uow.session.flush()


def _message_for(uow: UnitOfWork, update: StatusUpdate) -> MessageRecord | None:
    found = uow.messages.by_provider_id(update.provider_id)
    if found is None and update.outbox_key:
        keyed = uow.messages.by_action_id(update.outbox_key)
        if keyed is not None and keyed.provider_id in (None, update.provider_id):
            return keyed
    return found


def _redelivered(uow: UnitOfWork, token: str | None, kind: str, subject: str, at: datetime) -> bool:
    """Whether this idempotency token was seen; a new one is kept (as a processed event) with the input."""
    if not token:
        return False
    if not uow.events.add("twilio", token, object="Message", record_id=subject, kind=kind, payload={}, received_at=at):
        return True
    event = uow.events.get("twilio", token)
    assert event is not None
    uow.events.mark(event.id, "processed", at=at)
    return False
