"""The CRM write-back queue: activities, record updates and tasks, claimed in batches by the flush job."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from connector.store.records import WritebackItem, snapshot
from connector.store.repos.base import Repository
from connector.store.repos.outbox import DEFAULT_LEASE
from connector.store.schema import WRITEBACK_KINDS
from connector.store.tables import Writeback


class WritebackRepository(Repository):
    def add(
        self,
        idempotency_key: str,
        kind: str,
        *,
        object: str,
        record_id: str,
        payload: dict[str, Any],
        now: datetime,
    ) -> bool:
        """Queue one CRM write once per idempotency key; False when the key is already queued."""
        return bool(
            self.add_many(
                [self.row(idempotency_key, kind, object=object, record_id=record_id, payload=payload, now=now)]
            )
        )

    @staticmethod
    def row(
        idempotency_key: str, kind: str, *, object: str, record_id: str, payload: dict[str, Any], now: datetime
    ) -> dict[str, Any]:
        """The write-back row `add` would insert, for add_many; ValueError for an unknown kind."""
        if kind not in WRITEBACK_KINDS:
            raise ValueError(f"write-back kind must be one of {WRITEBACK_KINDS}, got {kind!r}")
        return {
            "idempotency_key": idempotency_key,
            "kind": kind,
            "object": object,
            "record_id": record_id,
            "payload": payload,
            "status": "pending",
            "next_attempt_at": now,
            "created_at": now,
        }

    def add_many(self, rows: list[dict[str, Any]]) -> set[str]:
        """Queue many writes (made by `row`) in one statement; the idempotency keys that were new."""
        return {r.idempotency_key for r in self.insert_ignore_many(Writeback, rows, Writeback.idempotency_key)}

    def get(self, idempotency_key: str) -> WritebackItem | None:
        """The write queued under this key."""
        stmt = select(Writeback).where(Writeback.idempotency_key == idempotency_key)
        row = self.session.scalars(stmt.execution_options(populate_existing=True)).first()
        return None if row is None else snapshot(WritebackItem, row)

    def claim(
        self, now: datetime, limit: int, *, kind: str | None = None, lease: timedelta = DEFAULT_LEASE
    ) -> list[WritebackItem]:
        """Lease up to `limit` due writes (of one `kind`, if given) for one batched CRM call.

        As with the outbox, a claim moves next_attempt_at to the lease's end, so a crashed job's batch is due
        again once the lease runs out.
        """
        stmt = (
            select(Writeback)
            .where(Writeback.status.in_(("pending", "claimed")), Writeback.next_attempt_at <= now)
            .order_by(Writeback.next_attempt_at, Writeback.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
        if kind is not None:
            stmt = stmt.where(Writeback.kind == kind)
        rows = self.session.scalars(stmt).all()
        for row in rows:
            row.status, row.next_attempt_at = "claimed", now + lease
            row.attempts += 1
        self.session.flush()
        return [snapshot(WritebackItem, row) for row in rows]

    def done(self, item_id: int, *, at: datetime, crm_id: str | None = None) -> None:
        """The CRM took the write; `crm_id` is the id it gave a created record (a Task)."""
        self._set(item_id, status="done", done_at=at, crm_id=crm_id)

    def retry(self, item_id: int, at: datetime, error: str) -> None:
        """The CRM refused for now (limits, outage); make the write due again at `at`."""
        self._set(item_id, status="pending", next_attempt_at=at, last_error=error)

    def fail(self, item_id: int, error: str) -> None:
        """The CRM refused for good (bad field, deleted record); keep it, with the reason."""
        self._set(item_id, status="failed", last_error=error)

    def _set(self, item_id: int, **values: Any) -> None:
        self.session.execute(update(Writeback).where(Writeback.id == item_id).values(**values))
