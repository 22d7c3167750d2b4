"""The outbox: sends recorded with the state change that caused them, then claimed and performed once."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from connector.store.records import OutboxItem, snapshot
from connector.store.repos.base import Repository
from connector.store.tables import Outbox
from connector.store.types import utcnow

DEFAULT_LEASE = timedelta(minutes=5)


class OutboxRepository(Repository):
    def add(
        self,
        idempotency_key: str,
        kind: str,
        payload: dict[str, Any],
        *,
        run_id: str | None = None,
        now: datetime,
        not_before: datetime | None = None,
    ) -> bool:
        """Queue a side effect once per idempotency key; False when the key is already queued."""
        return bool(
            self.add_many([self.row(idempotency_key, kind, payload, run_id=run_id, now=now, not_before=not_before)])
        )

    @staticmethod
    def row(
        idempotency_key: str,
        kind: str,
        payload: dict[str, Any],
        *,
        run_id: str | None = None,
        now: datetime,
        not_before: datetime | None = None,
    ) -> dict[str, Any]:
        """The outbox row `add` would insert, for add_many."""
        return {
            "idempotency_key": idempotency_key,
            "kind": kind,
            "payload": payload,
            "run_id": run_id,
            "status": "pending",
            "next_attempt_at": not_before or now,
            "created_at": now,
            "updated_at": now,
        }

    def add_many(self, rows: list[dict[str, Any]]) -> set[str]:
        """Queue many rows (made by `row`) in one statement; the idempotency keys that were new."""
        return {r.idempotency_key for r in self.insert_ignore_many(Outbox, rows, Outbox.idempotency_key)}

    def get(self, idempotency_key: str) -> OutboxItem | None:
        """The item queued under this key."""
        stmt = select(Outbox).where(Outbox.idempotency_key == idempotency_key)
        row = self.session.scalars(stmt.execution_options(populate_existing=True)).first()
        return None if row is None else snapshot(OutboxItem, row)

    def claim(self, now: datetime, limit: int, worker: str, *, lease: timedelta = DEFAULT_LEASE) -> list[OutboxItem]:
        """Lease up to `limit` due items to `worker`; commit, perform them, then mark each done/retry/fail.

        PostgreSQL skips rows another claimer has locked; on SQLite, BEGIN IMMEDIATE already lets only one
        claimer in at a time. A worker that dies keeps its items only until the lease ends: a claim moves
        next_attempt_at to claimed_until, so an expired claim is simply due again.
        """
        stmt = (
            select(Outbox)
            .where(Outbox.status.in_(("pending", "claimed")), Outbox.next_attempt_at <= now)
            .order_by(Outbox.next_attempt_at, Outbox.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
        rows = self.session.scalars(stmt).all()
        until = now + lease
        for row in rows:
            row.status, row.claimed_by, row.claimed_until = "claimed", worker, until
            row.next_attempt_at = until
            row.attempts += 1
            row.updated_at = now
        self.session.flush()
        return [snapshot(OutboxItem, row) for row in rows]

    def done(self, item_id: int, *, now: datetime | None = None) -> None:
        """The side effect happened; never perform it again."""
        self._set(item_id, now, status="done", claimed_until=None)

    def retry(self, item_id: int, at: datetime, error: str, *, now: datetime | None = None) -> None:
        """It failed in a way worth retrying; make it due again at `at`."""
        self._set(
            item_id,
            now,
            status="pending",
            next_attempt_at=at,
            last_error=error,
            claimed_by=None,
            claimed_until=None,
        )

    def defer(self, item_id: int, until: datetime, reason: str, *, now: datetime | None = None) -> None:
        """Not now (the contact policy's answer): due again at `until`, and this claim does not count as a try."""
        self._set(
            item_id,
            now,
            status="pending",
            next_attempt_at=until,
            last_error=reason,
            claimed_by=None,
            claimed_until=None,
            attempts=Outbox.attempts - 1,
        )

    def fail(self, item_id: int, error: str, *, now: datetime | None = None) -> None:
        """It failed for good; keep it, with the reason, for people to look at."""
        self._set(item_id, now, status="failed", last_error=error, claimed_until=None)

    def _set(self, item_id: int, now: datetime | None, **values: Any) -> None:
        stmt = update(Outbox).where(Outbox.id == item_id).values(**values, updated_at=now or utcnow())
        self.session.execute(stmt)
