"""Timers: a run's WaitUntil, fired as a Timeout when due unless cancelled first."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from connector.store.records import TimerRecord, snapshot
from connector.store.repos.base import Repository
from connector.store.tables import Timer


class TimerRepository(Repository):
    def add(self, timer_id: str, run_id: str, due_at: datetime) -> bool:
        """Set a timer under the WaitUntil's id; False when that timer already exists (in any state)."""
        return bool(self.add_many([(timer_id, run_id, due_at)]))

    def add_many(self, timers: list[tuple[str, str, datetime]]) -> set[str]:
        """Set many (timer id, run id, due at) in one statement; the ids that were new."""
        rows = [{"id": t, "run_id": r, "due_at": d, "status": "pending"} for t, r, d in timers]
        return {row.id for row in self.insert_ignore_many(Timer, rows, Timer.id)}

    def get(self, timer_id: str) -> TimerRecord | None:
        """The timer with this id."""
        row = self.session.get(Timer, timer_id, populate_existing=True)
        return None if row is None else snapshot(TimerRecord, row)

    def due(self, now: datetime, limit: int) -> list[TimerRecord]:
        """Claim up to `limit` timers due by `now`, earliest first, marking them fired.

        Advance each run with its Timeout in this same unit of work: if it rolls back, the timers are pending
        again, and PostgreSQL's SKIP LOCKED keeps another worker off them meanwhile.
        """
        stmt = (
            select(Timer)
            .where(Timer.status == "pending", Timer.due_at <= now)
            .order_by(Timer.due_at, Timer.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
        rows = self.session.scalars(stmt).all()
        for row in rows:
            row.status, row.fired_at = "fired", now
        self.session.flush()
        return [snapshot(TimerRecord, row) for row in rows]

    def pending_for_run(self, run_id: str) -> list[TimerRecord]:
        """The run's timers that have neither fired nor been cancelled."""
        stmt = select(Timer).where(Timer.run_id == run_id, Timer.status == "pending").order_by(Timer.due_at)
        return [snapshot(TimerRecord, row) for row in self.session.scalars(stmt)]

    def cancel_for_run(self, run_id: str, *, keep: str | None = None) -> int:
        """Cancel the run's pending timers, except `keep`; return how many were cancelled."""
        return self.cancel_for_runs({run_id: keep})

    def cancel_for_runs(self, keep: dict[str, str | None]) -> int:
        """Cancel the pending timers of these runs, except each run's timer to keep (None: keep none)."""
        if not keep:
            return 0
        stmt = update(Timer).where(Timer.run_id.in_(keep), Timer.status == "pending")
        # Timer ids derive from their run's id, so one run's timer to keep is never another run's timer.
        if kept := [timer_id for timer_id in keep.values() if timer_id is not None]:
            stmt = stmt.where(Timer.id.not_in(kept))
        return self.rowcount(stmt.values(status="cancelled"))
