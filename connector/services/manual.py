"""A text a person writes in the admin pages: queued through the same outbox as a flow's texts.

The outbox row and the outbound message are added exactly as store/apply.py adds a SendSms's, with no run, so
the dispatcher applies the contact policy (opt-out, consent, quiet hours, caps) to it like any other text, and
its delivery statuses and CRM activity follow the same path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from connector.store.uow import UnitOfWork

# Twilio refuses a body longer than 1600 characters (error 21617).
MAX_BODY = 1600

ManualStatus = Literal["queued", "duplicate", "no_contact", "opted_out", "empty", "too_long"]


@dataclass(frozen=True)
class ManualResult:
    """What became of a manual text; only "queued" added one."""

    status: ManualStatus
    key: str
    reason: str = ""


def send_manual(uow: UnitOfWork, contact_id: int, body: str, *, by: str, key: str, at: datetime) -> ManualResult:
    """Queue `body` to the contact under idempotency `key` (one per form, so a double submit sends once)."""
    key = f"manual:{key}"
    text = body.strip()
    if not text:
        return ManualResult("empty", key, "the text is empty")
    if len(text) > MAX_BODY:
        return ManualResult("too_long", key, f"the text is {len(text)} characters; the limit is {MAX_BODY}")
    contact = uow.contacts.get(contact_id)
    if contact is None:
        return ManualResult("no_contact", key, f"no contact {contact_id}")
    if contact.opted_out:
        # The dispatcher would drop it too; refusing here tells the person now, and queues nothing.
        return ManualResult("opted_out", key, "the contact opted out (STOP); they cannot be texted")
    payload = {
        "run_id": None,
        "contact_id": contact_id,
        "body": text,
        "category": "transactional",
        "step": None,
        "manual_by": by,
    }
    if not uow.outbox.add(key, "send_sms", payload, now=at):
        return ManualResult("duplicate", key, "this text was queued already")
    uow.messages.add_outbound(action_id=key, contact_id=contact_id, body=text, at=at, category="transactional")
    uow.audit.log(by, "manual_text_queued", f"contact:{contact_id}", {"key": key}, at=at)
    return ManualResult("queued", key)
