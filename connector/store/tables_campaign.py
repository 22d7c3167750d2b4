"""Campaigns: a flow started for every record of an audience, with how far the plan got and what became of it.

One row per campaign, however large its audience: counters and the last committed record Id (the checkpoint a
resume continues after), updated in the same transaction as each batch of runs. Which records were texted is
in `runs` (each run's id derives from the campaign and the record); why the others were not is counted here
and, per record, in the audit log. migrations/versions/0005_campaigns.py creates the same table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text, select, update
from sqlalchemy.orm import Mapped, mapped_column

from connector.store.records import snapshot
from connector.store.repos.base import Repository
from connector.store.schema import Base, one_of

# running: being planned, or its process died (resume continues); paused: stopped on purpose or by a CRM error;
# done: every record of the audience was planned.
CAMPAIGN_STATUSES = ("running", "paused", "done")


class CampaignRow(Base):
    """A campaign and its progress."""

    __tablename__ = "campaigns"
    __table_args__ = (Index(None, "created_at"), one_of("status", CAMPAIGN_STATUSES))
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    flow: Mapped[str] = mapped_column(String(128))
    flow_version: Mapped[str] = mapped_column(String(64))
    object: Mapped[str] = mapped_column(String(64))
    audience: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    checkpoint: Mapped[str | None] = mapped_column(String(64))
    batches: Mapped[int] = mapped_column(default=0)
    planned: Mapped[int] = mapped_column(default=0)
    started: Mapped[int] = mapped_column(default=0)
    refused: Mapped[int] = mapped_column(default=0)
    refusals: Mapped[dict[str, Any]]  # reason -> how many records
    examples: Mapped[dict[str, Any]]  # reason -> the first few record ids, for an admin to look at
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


@dataclass(frozen=True)
class CampaignRecord:
    id: str
    flow: str
    flow_version: str
    object: str
    audience: str
    status: str
    checkpoint: str | None
    batches: int
    planned: int
    started: int
    refused: int
    refusals: dict[str, int]
    examples: dict[str, list[str]]
    created_by: str
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    last_error: str | None


@dataclass(frozen=True)
class BatchTally:
    """What one batch did: records planned, runs started, and the others by reason (with a few ids each)."""

    planned: int = 0
    started: int = 0
    refusals: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)


class CampaignRepository(Repository):
    """Campaign rows, in the caller's unit of work."""

    EXAMPLES = 5  # record ids kept per refusal reason

    def create(
        self, *, campaign_id: str, flow: str, flow_version: str, obj: str, audience: str, by: str, at: datetime
    ) -> bool:
        """Add a campaign, running and at the start; False when the id is taken."""
        return self.insert_ignore(
            CampaignRow,
            id=campaign_id,
            flow=flow,
            flow_version=flow_version,
            object=obj,
            audience=audience,
            status="running",
            batches=0,
            planned=0,
            started=0,
            refused=0,
            refusals={},
            examples={},
            created_by=by,
            created_at=at,
            updated_at=at,
        )

    def get(self, campaign_id: str, *, for_update: bool = False) -> CampaignRecord | None:
        """The campaign; `for_update` locks its row (PostgreSQL) until the transaction ends."""
        stmt = select(CampaignRow).where(CampaignRow.id == campaign_id).execution_options(populate_existing=True)
        if for_update:
            stmt = stmt.with_for_update()
        row = self.session.scalar(stmt)
        return None if row is None else snapshot(CampaignRecord, row)

    def recent(self, limit: int = 50) -> list[CampaignRecord]:
        """The newest campaigns first."""
        stmt = select(CampaignRow).order_by(CampaignRow.created_at.desc(), CampaignRow.id).limit(limit)
        return [snapshot(CampaignRecord, row) for row in self.session.scalars(stmt)]

    def advance(self, campaign: CampaignRecord, checkpoint: str, tally: BatchTally, *, at: datetime) -> None:
        """Add a committed batch's counts and move the checkpoint to its last record."""
        refusals = dict(campaign.refusals)
        examples = {reason: list(ids) for reason, ids in campaign.examples.items()}
        for reason, n in tally.refusals.items():
            refusals[reason] = refusals.get(reason, 0) + n
        for reason, ids in tally.examples.items():
            kept = examples.setdefault(reason, [])
            kept += ids[: max(0, self.EXAMPLES - len(kept))]
        values = {
            "checkpoint": checkpoint,
            "batches": campaign.batches + 1,
            "planned": campaign.planned + tally.planned,
            "started": campaign.started + tally.started,
            "refused": campaign.refused + sum(tally.refusals.values()),
            "refusals": refusals,
            "examples": examples,
            "updated_at": at,
        }
        self.session.execute(update(CampaignRow).where(CampaignRow.id == campaign.id).values(**values))

    def set_status(self, campaign_id: str, status: str, *, at: datetime, error: str | None = None) -> None:
        """Mark the campaign running, paused (with the reason) or done."""
        if status not in CAMPAIGN_STATUSES:
            raise ValueError(f"campaign status must be one of {CAMPAIGN_STATUSES}, got {status!r}")
        values: dict[str, Any] = {"status": status, "updated_at": at, "last_error": error}
        if status == "done":
            values["finished_at"] = at
        self.session.execute(update(CampaignRow).where(CampaignRow.id == campaign_id).values(**values))
