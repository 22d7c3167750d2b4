"""Runs (the engine's RunState, kept whole as JSON) and the flow versions they run on."""

from __future__ import annotations

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

    def release_dedupe_key(self, dedupe_key: str) -> None:
        """Free a key whose window has passed, so a new run may take it (its old run keeps its history)."""
        self.session.execute(update(Run).where(Run.dedupe_key == dedupe_key).values(dedupe_key=None))

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
        now = now or utcnow()
        columns = self._columns(state, now)
        stored = self.session.execute(select(Run.seq, Run.ended_at).where(Run.id == state.run_id)).first()
        if stored is None:
            return self.insert_ignore(
                Run,
                id=state.run_id,
                contact_id=contact_id,
                dedupe_key=dedupe_key,
                record_object=state.record.object,
                record_id=state.record.id,
                created_at=now,
                **columns,
            )
        if state.seq < stored.seq:
            return False
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
