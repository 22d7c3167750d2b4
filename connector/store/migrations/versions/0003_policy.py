"""The contact policy: every decision it took (policy_decisions), and on messages what it counts: the category,
the flow (a text's "subject") and when the provider accepted it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("category", sa.String(16), nullable=True))
        batch.add_column(sa.Column("flow", sa.String(128), nullable=True))
        batch.add_column(sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index(op.f("ix_messages_contact_id_sent_at"), ["contact_id", "sent_at"])
    op.create_table(
        "policy_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("run_id", sa.String(128), nullable=True),
        sa.Column("flow", sa.String(128), nullable=True),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("decision", sa.String(8), nullable=False),
        sa.Column("cause", sa.String(16), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("local_window", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_decisions")),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], name=op.f("fk_policy_decisions_contact_id_contacts")),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], name=op.f("fk_policy_decisions_message_id_messages")),
        sa.CheckConstraint("decision IN ('send', 'defer', 'drop')", name=op.f("ck_policy_decisions_decision")),
    )
    op.create_index(op.f("ix_policy_decisions_contact_id_at"), "policy_decisions", ["contact_id", "at"])
    op.create_index(op.f("ix_policy_decisions_decision_cause"), "policy_decisions", ["decision", "cause"])


def downgrade() -> None:
    op.drop_table("policy_decisions")
    with op.batch_alter_table("messages") as batch:
        batch.drop_index(op.f("ix_messages_contact_id_sent_at"))
        batch.drop_column("sent_at")
        batch.drop_column("flow")
        batch.drop_column("category")
