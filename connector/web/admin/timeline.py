"""Read-only queries behind the conversation pages: contacts by last activity, and one contact's timeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select

from connector.store.records import ContactRecord, snapshot
from connector.store.tables import Contact, Message, MessageStatus, Run
from connector.store.tables_admin import AttentionItem
from connector.store.uow import UnitOfWork


@dataclass(frozen=True)
class ConversationRow:
    contact: ContactRecord
    last_at: datetime | None
    texts: int
    open_items: int


@dataclass(frozen=True)
class Entry:
    """One thing on a contact's timeline; `kind` picks how it reads, `data` holds its details."""

    at: datetime
    kind: str  # out, in, decision, consent, run_started, run_ended, attention, handled
    data: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "kind": self.kind, **_jsonable(self.data)}


def conversations(uow: UnitOfWork, *, q: str = "", limit: int = 50, offset: int = 0) -> list[ConversationRow]:
    """Contacts, most recently active first, with how many texts and open needs-a-person items they have."""
    texts = (
        select(Message.contact_id, func.max(Message.created_at).label("last_at"), func.count().label("texts"))
        .group_by(Message.contact_id)
        .subquery()
    )
    items = (
        select(AttentionItem.contact_id, func.count().label("open_items"))
        .where(AttentionItem.status == "open")
        .group_by(AttentionItem.contact_id)
        .subquery()
    )
    stmt = (
        select(Contact, texts.c.last_at, texts.c.texts, items.c.open_items)
        .outerjoin(texts, texts.c.contact_id == Contact.id)
        .outerjoin(items, items.c.contact_id == Contact.id)
        .order_by(texts.c.last_at.desc().nulls_last(), Contact.id.desc())
        .limit(limit)
        .offset(offset)
    )
    q = q.strip()
    if q:
        digits = "".join(ch for ch in q if ch.isdigit())
        clauses = [Contact.crm_record_id == q]
        if digits:
            clauses.append(Contact.phone.contains(digits))
        stmt = stmt.where(or_(*clauses))
    return [
        ConversationRow(snapshot(ContactRecord, row.Contact), row.last_at, row.texts or 0, row.open_items or 0)
        for row in uow.session.execute(stmt)
    ]


def timeline(uow: UnitOfWork, contact_id: int) -> list[Entry]:
    """Everything that happened with one contact, oldest first: texts with their delivery statuses and the
    policy's decisions about them, replies, consent changes, runs starting and ending, needs-a-person items."""
    entries: list[Entry] = []
    messages = uow.session.scalars(
        select(Message).where(Message.contact_id == contact_id).order_by(Message.created_at, Message.id)
    ).all()
    statuses: dict[int, list[dict[str, Any]]] = {}
    if messages:
        rows = uow.session.execute(
            select(MessageStatus)
            .where(MessageStatus.message_id.in_([m.id for m in messages]))
            .order_by(MessageStatus.id)
        ).scalars()
        for status in rows:
            statuses.setdefault(status.message_id, []).append(
                {"status": status.status, "error_code": status.error_code, "at": status.at}
            )
    for m in messages:
        entries.append(
            Entry(
                m.created_at,
                m.direction,
                {
                    "id": m.id,
                    "body": m.body,
                    "status": m.status,
                    "error_code": m.error_code,
                    "segments": m.segments,
                    "encoding": m.encoding,
                    "run_id": m.run_id,
                    "flow": m.flow,
                    "manual": (m.action_id or "").startswith("manual:"),
                    "sent_at": m.sent_at,
                    "statuses": statuses.get(m.id, []),
                },
            )
        )
    for d in uow.decisions.for_contact(contact_id):
        entries.append(
            Entry(
                d.at,
                "decision",
                {
                    "decision": d.decision,
                    "cause": d.cause,
                    "reason": d.reason,
                    "until": d.until,
                    "window": d.local_window,
                    "message_id": d.message_id,
                    "flow": d.flow,
                    "category": d.category,
                },
            )
        )
    for c in uow.contacts.consent_history(contact_id):
        entries.append(
            Entry(c.at, "consent", {"category": c.category, "state": c.state, "source": c.source, "detail": c.detail})
        )
    for run in uow.session.scalars(select(Run).where(Run.contact_id == contact_id)):
        data = {"run_id": run.id, "flow": run.flow, "record": f"{run.record_object} {run.record_id}"}
        entries.append(Entry(run.created_at, "run_started", data))
        if run.ended_at is not None:
            entries.append(Entry(run.ended_at, "run_ended", {**data, "reason": run.ended_reason}))
    for item in uow.attention.for_contact(contact_id):
        data = {"item_id": item.id, "reason": item.reason, "flow": item.flow, "status": item.status}
        entries.append(Entry(item.received_at, "attention", data))
        if item.handled_at is not None:
            entries.append(Entry(item.handled_at, "handled", {**data, "by": item.handled_by, "note": item.note}))
    order = {"run_started": 0, "in": 1, "attention": 2, "out": 3, "decision": 4, "consent": 5, "run_ended": 6}
    entries.sort(key=lambda e: (e.at, order.get(e.kind, 7)))
    return entries


def crm_link(instance_url: str | None, obj: str | None, record_id: str | None) -> str | None:
    """The record's page in Salesforce Lightning, when the org's URL is known."""
    if not (instance_url and obj and record_id):
        return None
    return f"{instance_url}/lightning/r/{obj}/{record_id}/view"


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value
