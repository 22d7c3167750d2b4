"""CRM ingest state: each record's last seen fields (change detection) and per-object polling watermarks.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "crm_snapshots",
        sa.Column("object", sa.String(64), nullable=False),
        sa.Column("record_id", sa.String(64), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("modstamp", sa.DateTime(timezone=True), nullable=True),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("object", "record_id", name=op.f("pk_crm_snapshots")),
    )
    op.create_table(
        "crm_watermarks",
        sa.Column("object", sa.String(64), nullable=False),
        sa.Column("watermark", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("object", name=op.f("pk_crm_watermarks")),
    )


def downgrade() -> None:
    op.drop_table("crm_watermarks")
    op.drop_table("crm_snapshots")
