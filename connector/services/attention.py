"""The needs-a-person queue: replies no flow understood, oldest first, until an admin marks them handled.

Two places feed it, both in services/messages.py `receive_sms`: a reply no waiting run took (also audited as
`reply_needs_person`), and a reply its run's `expect:` step could not read (outcome "unknown"; the flow usually
routes that to a CRM task as well). A person answers from the admin pages (services/manual.py) and marks the
item handled; handling is recorded in the audit log.
"""

from __future__ import annotations

from datetime import datetime

from connector.services.runs import ReplyResult
from connector.store.repos.attention import AttentionRecord
from connector.store.uow import UnitOfWork

# The engine's outcome for a reply an expect step could not read.
NOT_UNDERSTOOD = "unknown"


def queue_reply(
    uow: UnitOfWork, provider_id: str, contact_id: int, body: str, reply: ReplyResult, at: datetime
) -> bool:
    """Queue an inbound reply for a person when no run took it or its run did not understand it.

    Returns whether it was queued (False for an understood reply, or a redelivered one already queued).
    """
    if reply.run_id is None:
        return uow.attention.add(provider_id=provider_id, contact_id=contact_id, body=body, reason="no_run", at=at)
    if reply.outcome != NOT_UNDERSTOOD:
        return False
    flow = reply.step.state.flow if reply.step is not None else None
    return uow.attention.add(
        provider_id=provider_id,
        contact_id=contact_id,
        body=body,
        reason="not_understood",
        run_id=reply.run_id,
        flow=flow,
        at=at,
    )


def open_items(uow: UnitOfWork, limit: int = 100, offset: int = 0) -> list[AttentionRecord]:
    """What waits for a person, oldest first."""
    return uow.attention.open(limit, offset)


def mark_handled(uow: UnitOfWork, item_id: int, *, by: str, at: datetime, note: str | None = None) -> bool:
    """Close an item; False when it does not exist or someone handled it already."""
    if not uow.attention.handle(item_id, by=by, at=at, note=(note or "").strip() or None):
        return False
    uow.audit.log(by, "attention_handled", f"attention:{item_id}", {"note": note} if note else None, at=at)
    return True
