"""What ingest remembers about the CRM: each record's last seen fields, and each object's polling watermark.

migrations/versions/0002_crm_state.py creates the same tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, select, update
from sqlalchemy.orm import Mapped, mapped_column

from connector.store.repos.base import Repository
from connector.store.schema import Base


class RecordSnapshot(Base):
    """A CRM record's fields as last seen, and its SystemModstamp: what a later change is compared with."""

    __tablename__ = "crm_snapshots"
    object: Mapped[str] = mapped_column(String(64), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    fields: Mapped[dict[str, Any]]
    modstamp: Mapped[datetime | None]
    seen_at: Mapped[datetime]


class PollWatermark(Base):
    """The newest SystemModstamp polling has taken in, per object."""

    __tablename__ = "crm_watermarks"
    object: Mapped[str] = mapped_column(String(64), primary_key=True)
    watermark: Mapped[datetime]
    updated_at: Mapped[datetime]


@dataclass(frozen=True)
class Snapshot:
    fields: dict[str, Any]
    modstamp: datetime | None


class CrmStateRepository(Repository):
    """Record snapshots and polling watermarks, in the caller's unit of work."""

    def snapshot(self, obj: str, record_id: str) -> Snapshot | None:
        """The record as last seen, if it was ever seen."""
        row = self.session.get(RecordSnapshot, (obj, record_id), populate_existing=True)
        return None if row is None else Snapshot(dict(row.fields), row.modstamp)

    def remember(
        self, obj: str, record_id: str, fields: dict[str, Any], modstamp: datetime | None, *, at: datetime
    ) -> None:
        """Keep the record as seen now; a snapshot never moves back to an older SystemModstamp."""
        if not self.insert_ignore(
            RecordSnapshot, object=obj, record_id=record_id, fields=fields, modstamp=modstamp, seen_at=at
        ):
            stmt = update(RecordSnapshot).where(RecordSnapshot.object == obj, RecordSnapshot.record_id == record_id)
            if modstamp is not None:
                stmt = stmt.where((RecordSnapshot.modstamp.is_(None)) | (RecordSnapshot.modstamp <= modstamp))
            self.session.execute(stmt.values(fields=fields, modstamp=modstamp, seen_at=at))

    def watermark(self, obj: str) -> datetime | None:
        """The newest SystemModstamp polling has stored changes up to."""
        return self.session.scalar(select(PollWatermark.watermark).where(PollWatermark.object == obj))

    def advance_watermark(self, obj: str, to: datetime, *, at: datetime) -> None:
        """Move the object's watermark forward to `to` (never back)."""
        if not self.insert_ignore(PollWatermark, object=obj, watermark=to, updated_at=at):
            stmt = update(PollWatermark).where(PollWatermark.object == obj, PollWatermark.watermark < to)
            self.session.execute(stmt.values(watermark=to, updated_at=at))
