"""Ingested CRM events (a redelivery is a no-op) and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from connector.store.records import AuditRecord, EventRecord, snapshot
from connector.store.repos.base import Repository
from connector.store.tables import AuditEntry, Event
from connector.store.types import utcnow


class EventRepository(Repository):
    def add(
        self,
        source: str,
        source_event_id: str,
        *,
        object: str,
        record_id: str,
        kind: str,
        payload: dict[str, Any],
        received_at: datetime,
    ) -> bool:
        """Keep an event as it arrived; False when (source, source_event_id) was already kept."""
        return self.insert_ignore(
            Event,
            source=source,
            source_event_id=source_event_id,
            object=object,
            record_id=record_id,
            kind=kind,
            payload=payload,
            received_at=received_at,
            status="received",
        )

    def get(self, source: str, source_event_id: str) -> EventRecord | None:
        """The event a source delivered under this id."""
        stmt = select(Event).where(Event.source == source, Event.source_event_id == source_event_id)
        row = self.session.scalars(stmt.execution_options(populate_existing=True)).first()
        return None if row is None else snapshot(EventRecord, row)

    def pending(self, limit: int) -> list[EventRecord]:
        """Claim up to `limit` unprocessed events, locked (PostgreSQL) until the unit of work ends.

        Mark each processed, failed or ignored in the same unit of work; on rollback it stays pending.
        """
        stmt = (
            select(Event)
            .where(Event.status == "received")
            .order_by(Event.received_at, Event.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [snapshot(EventRecord, row) for row in self.session.scalars(stmt)]

    def mark(self, event_id: int, status: str, *, at: datetime, error: str | None = None) -> None:
        """Record how processing the event ended: processed, failed (with `error`) or ignored."""
        stmt = update(Event).where(Event.id == event_id).values(status=status, processed_at=at, error=error)
        self.session.execute(stmt)


class AuditRepository(Repository):
    def log(
        self,
        actor: str,
        action: str,
        subject: str,
        detail: dict[str, Any] | None = None,
        *,
        at: datetime | None = None,
    ) -> None:
        """Append who (`actor`) did what (`action`) to which `subject`."""
        self.log_many([(actor, action, subject, detail)], at=at or utcnow())

    def log_many(self, entries: list[tuple[str, str, str, dict[str, Any] | None]], *, at: datetime) -> None:
        """Append many (actor, action, subject, detail) entries at once, in this order."""
        if entries:
            rows = [{"at": at, "actor": a, "action": b, "subject": s, "detail": d} for a, b, s, d in entries]
            self.session.execute(insert(AuditEntry), rows)

    def recent(self, limit: int = 100, *, subject: str | None = None) -> list[AuditRecord]:
        """The newest entries first, optionally about one subject."""
        stmt = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
        if subject is not None:
            stmt = stmt.where(AuditEntry.subject == subject)
        return [snapshot(AuditRecord, row) for row in self.session.scalars(stmt)]
