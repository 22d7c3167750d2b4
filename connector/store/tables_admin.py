"""What the admin pages keep: the needs-a-person queue, and the enabled switch an admin sets on a flow.

migrations/versions/0004_attention.py creates the same tables.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from connector.store.schema import Base, one_of

# no_run: a reply no waiting run took; not_understood: a run's expect step could not read it (outcome "unknown").
ATTENTION_REASONS = ("no_run", "not_understood")
ATTENTION_STATUSES = ("open", "handled")


class AttentionItem(Base):
    """A reply that needs a person; the inbound text's provider id makes a redelivered reply a no-op."""

    __tablename__ = "attention_items"
    __table_args__ = (
        Index(None, "status", "received_at"),
        Index(None, "contact_id", "received_at"),
        one_of("reason", ATTENTION_REASONS),
        one_of("status", ATTENTION_STATUSES),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[str] = mapped_column(String(64), unique=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    run_id: Mapped[str | None] = mapped_column(ForeignKey("runs.id"))
    flow: Mapped[str | None] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="open")
    handled_by: Mapped[str | None] = mapped_column(String(64))
    handled_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)


class FlowSwitch(Base):
    """An admin's enabled/disabled switch on a flow; it overrides the file's `enabled:` until switched back."""

    __tablename__ = "flow_switches"
    flow_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    enabled: Mapped[bool]
    changed_by: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime]
