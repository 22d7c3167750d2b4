"""Live progress: new rows in the connector's store, told as one line each (numbers masked).

    text to Ben (+1213*****43) deferred to Tue 16:00 UTC: quiet hours, 08:00-21:00 America/Los_Angeles
    Ana (+1212*****42) replied "2": understood as 2
    task for Dana on Dev Patel: SMS reply needs a person: ghjk lmnop qwx

The watcher only reads (through its own engine, so it never queues behind the connector's writes) and remembers
what it has told.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from connector.demo.scenario import OWNER, Scenario
from connector.demo.summary import reply_outcome
from connector.phones import mask
from connector.store.tables import AuditEntry, ConsentChange, Contact, Message, MessageStatus, Writeback
from connector.store.tables_policy import PolicyDecisionRow

SENT = frozenset({"accepted", "queued", "sending", "sent"})
SHORT = 60


def short(text: str, limit: int = SHORT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Watcher:
    """Reads what the store gained since the last call and returns it as progress lines."""

    def __init__(self, engine: Engine, scenario: Scenario) -> None:
        self._engine = engine
        self._scenario = scenario
        self._after = {"audit": 0, "decision": 0, "status": 0, "reply": 0, "consent": 0}
        self._told: set[tuple[str, int]] = set()

    def lines(self) -> list[str]:
        with Session(self._engine) as s:
            return [
                *self._audit(s),
                *self._decisions(s),
                *self._statuses(s),
                *self._replies(s),
                *self._consent(s),
                *self._writebacks(s),
            ]

    def _who(self, session: Session, contact_id: int) -> str:
        contact = session.get(Contact, contact_id)
        phone = contact.phone if contact else ""
        person = self._scenario.by_phone().get(phone)
        return f"{person.first} ({mask(phone)})" if person else mask(phone)

    def _named(self, record_id: str) -> str:
        person = self._scenario.by_record().get(record_id)
        return person.name if person else record_id

    def _new(self, session: Session, key: str, model: Any, *where: Any) -> list[Any]:
        rows = list(session.scalars(select(model).where(model.id > self._after[key], *where).order_by(model.id)))
        if rows:
            self._after[key] = rows[-1].id
        return rows

    def _audit(self, session: Session) -> Iterator[str]:
        for entry in self._new(session, "audit", AuditEntry):
            detail = entry.detail or {}
            if entry.action == "run_started":
                yield f"{self._named(str(detail.get('record')))}: flow {detail.get('flow')} starts"
            elif entry.action.startswith("run_not_started:"):
                flow, reason = detail.get("flow"), detail.get("reason")
                yield f"{self._named(entry.subject)}: flow {flow} not started, {reason}"

    def _decisions(self, session: Session) -> Iterator[str]:
        for d in self._new(session, "decision", PolicyDecisionRow, PolicyDecisionRow.decision != "send"):
            who = self._who(session, d.contact_id)
            if d.decision == "defer" and d.until is not None:
                why = f"quiet hours, {d.local_window}" if d.cause == "window" else short(d.reason, 100)
                yield f"text to {who} deferred to {d.until:%a %H:%M} UTC: {why}"
            else:
                yield f"text to {who} dropped: {short(d.reason, 100)}"

    def _statuses(self, session: Session) -> Iterator[str]:
        rows = session.execute(
            select(MessageStatus, Message)
            .join(Message, Message.id == MessageStatus.message_id)
            .where(MessageStatus.id > self._after["status"], Message.direction == "out")
            .order_by(MessageStatus.id)
        ).all()
        for status, message in rows:
            self._after["status"] = status.id
            who = self._who(session, message.contact_id)
            if status.status in SENT and ("sent", message.id) not in self._told:
                self._told.add(("sent", message.id))
                yield f'text to {who}: "{short(message.body)}"'
            elif status.status in ("delivered", "failed", "undelivered") and ("end", message.id) not in self._told:
                self._told.add(("end", message.id))
                code = f" (error {status.error_code})" if status.error_code else ""
                yield f"delivered to {who}" if status.status == "delivered" else f"text to {who} {status.status}{code}"

    def _replies(self, session: Session) -> Iterator[str]:
        for message in self._new(session, "reply", Message, Message.direction == "in"):
            who, outcome = self._who(session, message.contact_id), reply_outcome(session, message)
            said = f'{who} replied "{short(message.body)}"'
            if outcome in ("unknown", "person"):
                yield f"{said}: not understood, so it goes to a person"
            elif outcome == "stop":
                yield f"{said}: an opt-out"
            else:
                yield f"{said}: understood as {'free text' if outcome == 'text' else outcome}"

    def _consent(self, session: Session) -> Iterator[str]:
        for change in self._new(session, "consent", ConsentChange, ConsentChange.category == "all"):
            who = self._who(session, change.contact_id)
            if change.state != "revoked":
                yield f"{who} opted back in ({change.source})"
            elif change.source == "invalid_number":
                yield f"{who}: the number is invalid ({change.detail or 'refused'}); it is never texted again"
            else:
                yield f"{who} opted out ({change.source}); nothing more is sent to them"

    def _writebacks(self, session: Session) -> Iterator[str]:
        done = session.scalars(
            select(Writeback).where(Writeback.status == "done", Writeback.kind.in_(("create_task", "update_record")))
        )
        for row in done:
            if ("writeback", row.id) in self._told:
                continue
            self._told.add(("writeback", row.id))
            name = self._named(row.record_id)
            if row.kind == "create_task":
                yield f"task for {OWNER['FirstName']} on {name}: {short(str(row.payload.get('subject')), 80)}"
            else:
                values = (row.payload.get("fields") or {}).items()
                fields = ", ".join(f"{k} = {'(blank)' if v is None else short(str(v), 40)}" for k, v in values)
                yield f"{name} updated in the org: {fields}"
