"""Every decision the contact policy took for a text: sent, deferred until a moment, or dropped, and why.

The dispatcher records one row each time it asks the policy about a text, so a contact's timeline shows
"deferred until 08:00 America/Chicago (outside the window)", then "sent". migrations/versions/0003_policy.py
creates the same table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, func, select
from sqlalchemy.orm import Mapped, mapped_column

from connector.store.records import snapshot
from connector.store.repos.base import Repository
from connector.store.schema import Base, one_of

DECISIONS = ("send", "defer", "drop")


class PolicyDecisionRow(Base):
    """One answer of the contact policy about one text."""

    __tablename__ = "policy_decisions"
    __table_args__ = (
        Index(None, "contact_id", "at"),
        Index(None, "decision", "cause"),
        one_of("decision", DECISIONS),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    run_id: Mapped[str | None] = mapped_column(String(128))
    flow: Mapped[str | None] = mapped_column(String(128))
    category: Mapped[str] = mapped_column(String(16))
    decision: Mapped[str] = mapped_column(String(8))
    cause: Mapped[str] = mapped_column(String(16))
    until: Mapped[datetime | None]
    reason: Mapped[str] = mapped_column(Text)
    # "window" is a reserved word in PostgreSQL, so the column has another name.
    local_window: Mapped[str | None] = mapped_column(Text)


@dataclass(frozen=True)
class PolicyDecisionRecord:
    id: int
    at: datetime
    contact_id: int
    message_id: int | None
    run_id: str | None
    flow: str | None
    category: str
    decision: str
    cause: str
    until: datetime | None
    reason: str
    local_window: str | None


class DecisionRepository(Repository):
    """The policy's decisions, in the caller's unit of work."""

    def add(
        self,
        *,
        at: datetime,
        contact_id: int,
        category: str,
        decision: str,
        cause: str,
        reason: str,
        until: datetime | None = None,
        local_window: str | None = None,
        message_id: int | None = None,
        run_id: str | None = None,
        flow: str | None = None,
    ) -> None:
        """Record one decision."""
        self.session.add(
            PolicyDecisionRow(
                at=at,
                contact_id=contact_id,
                message_id=message_id,
                run_id=run_id,
                flow=flow,
                category=category,
                decision=decision,
                cause=cause,
                until=until,
                reason=reason,
                local_window=local_window,
            )
        )
        self.session.flush()

    def for_contact(self, contact_id: int, *, limit: int = 500) -> list[PolicyDecisionRecord]:
        """The contact's decisions, oldest first (the newest `limit` of them)."""
        stmt = (
            select(PolicyDecisionRow)
            .where(PolicyDecisionRow.contact_id == contact_id)
            .order_by(PolicyDecisionRow.at.desc(), PolicyDecisionRow.id.desc())
            .limit(limit)
        )
        return [snapshot(PolicyDecisionRecord, row) for row in reversed(self.session.scalars(stmt).all())]

    def for_message(self, message_id: int) -> list[PolicyDecisionRecord]:
        """The decisions taken about one text, oldest first."""
        stmt = (
            select(PolicyDecisionRow)
            .where(PolicyDecisionRow.message_id == message_id)
            .order_by(PolicyDecisionRow.at, PolicyDecisionRow.id)
        )
        return [snapshot(PolicyDecisionRecord, row) for row in self.session.scalars(stmt)]

    def count(self, *, decision: str, cause: str | None = None, since: datetime | None = None) -> int:
        """How many distinct texts got this decision (for this cause, since then) at least once."""
        stmt = select(func.count(func.distinct(PolicyDecisionRow.message_id))).where(
            PolicyDecisionRow.decision == decision
        )
        if cause is not None:
            stmt = stmt.where(PolicyDecisionRow.cause == cause)
        if since is not None:
            stmt = stmt.where(PolicyDecisionRow.at >= since)
        return int(self.session.scalar(stmt) or 0)
