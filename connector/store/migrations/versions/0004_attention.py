"""The admin UI's state: the needs-a-person queue (attention_items) and admins' flow switches (flow_switches).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def _one_of(table: str, column: str, values: tuple[str, ...]) -> sa.CheckConstraint:
    listed = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({listed})", name=op.f(f"ck_{table}_{column}"))


def upgrade() -> None:
    op.create_table(
        "attention_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.String(64), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(128), nullable=True),
        sa.Column("flow", sa.String(128), nullable=True),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("handled_by", sa.String(64), nullable=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attention_items")),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], name=op.f("fk_attention_items_contact_id_contacts")),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_attention_items_run_id_runs")),
        sa.UniqueConstraint("provider_id", name=op.f("uq_attention_items_provider_id")),
        _one_of("attention_items", "reason", ("no_run", "not_understood")),
        _one_of("attention_items", "status", ("open", "handled")),
    )
    op.create_index(op.f("ix_attention_items_status_received_at"), "attention_items", ["status", "received_at"])
    op.create_index(op.f("ix_attention_items_contact_id_received_at"), "attention_items", ["contact_id", "received_at"])
    op.create_table(
        "flow_switches",
        sa.Column("flow_id", sa.String(128), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("changed_by", sa.String(64), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("flow_id", name=op.f("pk_flow_switches")),
    )


def downgrade() -> None:
    op.drop_table("flow_switches")
    op.drop_index(op.f("ix_attention_items_contact_id_received_at"), table_name="attention_items")
    op.drop_index(op.f("ix_attention_items_status_received_at"), table_name="attention_items")
    op.drop_table("attention_items")
