"""The needs-a-person queue (replies no flow understood) and admins' flow switches."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from connector.store.records import snapshot
from connector.store.repos.base import Repository
from connector.store.tables_admin import ATTENTION_REASONS, AttentionItem, FlowSwitch


@dataclass(frozen=True)
class AttentionRecord:
    id: int
    provider_id: str
    contact_id: int
    run_id: str | None
    flow: str | None
    reason: str
    body: str
    received_at: datetime
    status: str
    handled_by: str | None
    handled_at: datetime | None
    note: str | None


@dataclass(frozen=True)
class FlowSwitchRecord:
    flow_id: str
    enabled: bool
    changed_by: str
    changed_at: datetime


class AttentionRepository(Repository):
    def add(
        self,
        *,
        provider_id: str,
        contact_id: int,
        body: str,
        reason: str,
        at: datetime,
        run_id: str | None = None,
        flow: str | None = None,
    ) -> bool:
        """Queue a reply for a person; False when this text (by provider id) is queued already."""
        if reason not in ATTENTION_REASONS:
            raise ValueError(f"attention reason must be one of {ATTENTION_REASONS}, got {reason!r}")
        return self.insert_ignore(
            AttentionItem,
            provider_id=provider_id,
            contact_id=contact_id,
            run_id=run_id,
            flow=flow,
            reason=reason,
            body=body,
            received_at=at,
            status="open",
        )

    def get(self, item_id: int) -> AttentionRecord | None:
        """The item with this id."""
        row = self.session.get(AttentionItem, item_id, populate_existing=True)
        return None if row is None else snapshot(AttentionRecord, row)

    def open(self, limit: int = 100, offset: int = 0) -> list[AttentionRecord]:
        """Items nobody has handled, oldest first: the longest wait is answered first."""
        stmt = (
            select(AttentionItem)
            .where(AttentionItem.status == "open")
            .order_by(AttentionItem.received_at, AttentionItem.id)
            .limit(limit)
            .offset(offset)
        )
        return [snapshot(AttentionRecord, row) for row in self.session.scalars(stmt)]

    def count_open(self) -> int:
        """How many items wait for a person."""
        stmt = select(func.count()).select_from(AttentionItem).where(AttentionItem.status == "open")
        return self.session.scalar(stmt) or 0

    def oldest_open_at(self) -> datetime | None:
        """When the longest-waiting open item arrived."""
        stmt = select(func.min(AttentionItem.received_at)).where(AttentionItem.status == "open")
        return self.session.scalar(stmt)

    def for_contact(self, contact_id: int) -> list[AttentionRecord]:
        """The contact's items, open and handled, oldest first."""
        stmt = (
            select(AttentionItem)
            .where(AttentionItem.contact_id == contact_id)
            .order_by(AttentionItem.received_at, AttentionItem.id)
        )
        return [snapshot(AttentionRecord, row) for row in self.session.scalars(stmt)]

    def handle(self, item_id: int, *, by: str, at: datetime, note: str | None = None) -> bool:
        """Mark an open item handled; False when it was handled already (two admins on one reply)."""
        stmt = (
            update(AttentionItem)
            .where(AttentionItem.id == item_id, AttentionItem.status == "open")
            .values(status="handled", handled_by=by, handled_at=at, note=note)
        )
        return self.rowcount(stmt) == 1


class FlowSwitchRepository(Repository):
    def all(self) -> dict[str, FlowSwitchRecord]:
        """Every switch an admin has set, by flow id."""
        rows = self.session.scalars(select(FlowSwitch).execution_options(populate_existing=True))
        return {row.flow_id: snapshot(FlowSwitchRecord, row) for row in rows}

    def enabled(self, flow_id: str, default: bool) -> bool:
        """Whether the flow may start runs: the admin's switch if set, else `default` (the file's `enabled:`)."""
        value = self.session.scalar(select(FlowSwitch.enabled).where(FlowSwitch.flow_id == flow_id))
        return default if value is None else value

    def set(self, flow_id: str, enabled: bool, *, by: str, at: datetime) -> None:
        """Switch the flow on or off."""
        values = {"enabled": enabled, "changed_by": by, "changed_at": at}
        if not self.insert_ignore(FlowSwitch, flow_id=flow_id, **values):
            self.session.execute(update(FlowSwitch).where(FlowSwitch.flow_id == flow_id).values(**values))
