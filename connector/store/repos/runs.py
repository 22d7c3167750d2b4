"""Runs (the engine's RunState, kept whole as JSON) and the flow versions they run on."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from connector.engine.model import RunState
from connector.store.repos.base import Repository
from connector.store.tables import FlowVersion, Run
from connector.store.types import utcnow


class RunRepository(Repository):
    def get(self, run_id: str, *, for_update: bool = False) -> RunState | None:
        """The run's state; `for_update` locks the row (PostgreSQL) against a concurrent advance."""
        stmt = select(Run.state).where(Run.id == run_id)
        if for_update:
            stmt = stmt.with_for_update()
        data = self.session.scalar(stmt)
        return None if data is None else RunState.model_validate(data)

    def contact_of(self, run_id: str) -> int | None:
        """The id of the contact the run texts."""
        return self.session.scalar(select(Run.contact_id).where(Run.id == run_id))

    def by_dedupe_key(self, dedupe_key: str) -> RunState | None:
        """The run started under `dedupe_key`, if any."""
        data = self.session.scalar(select(Run.state).where(Run.dedupe_key == dedupe_key))
        return None if data is None else RunState.model_validate(data)

    def by_dedupe_keys(self, dedupe_keys: Iterable[str]) -> dict[str, RunState]:
        """The runs started under any of these keys, by key."""
        stmt = select(Run.dedupe_key, Run.state).where(Run.dedupe_key.in_(set(dedupe_keys)))
        return {key: RunState.model_validate(data) for key, data in self.session.execute(stmt)}

    def release_dedupe_key(self, dedupe_key: str) -> None:
        """Free a key whose window has passed, so a new run may take it (its old run keeps its history)."""
        self.release_dedupe_keys([dedupe_key])

    def release_dedupe_keys(self, dedupe_keys: Iterable[str]) -> None:
        """release_dedupe_key for many keys in one statement."""
        if keys := set(dedupe_keys):
            self.session.execute(update(Run).where(Run.dedupe_key.in_(keys)).values(dedupe_key=None))

    def existing(self, run_ids: Iterable[str]) -> set[str]:
        """Which of these run ids are stored."""
        return set(self.session.scalars(select(Run.id).where(Run.id.in_(set(run_ids)))))

    def waiting_for_contact(self, contact_id: int) -> list[RunState]:
        """The contact's runs waiting for a reply or a delay, most recently moved first."""
        stmt = (
            select(Run.state)
            .where(Run.contact_id == contact_id, Run.status == "waiting")
            .order_by(Run.updated_at.desc(), Run.id)
        )
        return [RunState.model_validate(data) for data in self.session.scalars(stmt)]

    def save(
        self,
        state: RunState,
        *,
        contact_id: int,
        dedupe_key: str | None = None,
        now: datetime | None = None,
    ) -> bool:
        """Insert or update the run; return False, writing nothing, when it would go backwards or start twice.

        A new run whose dedupe_key another run holds is not started. A state older (lower seq) than the stored
        one is a retried or overtaken request, and must not undo the newer state.
        """
        return self.save_many([(state, contact_id, dedupe_key)], now=now or utcnow())[0]

    def save_many(self, runs: Sequence[tuple[RunState, int, str | None]], *, now: datetime) -> list[bool]:
        """save for many (state, contact id, dedupe key) at once: whether each was saved, in order.

        New runs go in with one statement; a run id or dedupe key given twice is saved the first time only.
        """
        ids = [state.run_id for state, _, _ in runs]
        stored = {
            row.id: row for row in self.session.execute(select(Run.id, Run.seq, Run.ended_at).where(Run.id.in_(ids)))
        }
        new: dict[str, dict[str, Any]] = {}
        for state, contact_id, dedupe_key in runs:
            if state.run_id not in stored and state.run_id not in new:
                new[state.run_id] = {
                    "id": state.run_id,
                    "contact_id": contact_id,
                    "dedupe_key": dedupe_key,
                    "record_object": state.record.object,
                    "record_id": state.record.id,
                    "created_at": now,
                    **self._columns(state, now),
                }
        inserted = {row.id for row in self.insert_ignore_many(Run, list(new.values()), Run.id)}
        saved: list[bool] = []
        for state, _, _ in runs:
            if state.run_id in new:
                saved.append(state.run_id in inserted)
                inserted.discard(state.run_id)
            else:
                saved.append(self._update(state, stored[state.run_id], now))
        return saved

    def _update(self, state: RunState, stored: Any, now: datetime) -> bool:
        if state.seq < stored.seq:
            return False
        columns = self._columns(state, now)
        if state.status == "ended" and stored.ended_at is not None:
            columns["ended_at"] = stored.ended_at
        self.session.execute(update(Run).where(Run.id == state.run_id, Run.seq <= state.seq).values(**columns))
        return True

    @staticmethod
    def _columns(state: RunState, now: datetime) -> dict[str, Any]:
        return {
            "flow": state.flow,
            "flow_version": state.flow_version,
            "status": state.status,
            "step": state.step,
            "waiting_for": state.waiting_for,
            "wait_until": state.wait_until,
            "seq": state.seq,
            "state": state.model_dump(mode="json"),
            "updated_at": now,
            "ended_reason": state.ended_reason,
            "ended_at": now if state.status == "ended" else None,
        }


class FlowRepository(Repository):
    def add(self, flow_id: str, version: str, definition: dict[str, Any], *, now: datetime | None = None) -> bool:
        """Keep a flow definition under its version hash; False when that version is already kept."""
        return self.insert_ignore(
            FlowVersion, flow_id=flow_id, version=version, definition=definition, created_at=now or utcnow()
        )

    def get(self, flow_id: str, version: str) -> dict[str, Any] | None:
        """The definition a run of (flow_id, version) started on."""
        stmt = select(FlowVersion.definition).where(FlowVersion.flow_id == flow_id, FlowVersion.version == version)
        return self.session.scalar(stmt)
