"""The initial schema: events, contacts and consent, flow versions, runs, messages, outbox, timers,
write-backs and the audit log.

Revision ID: 0001
Revises:
Create Date: 2024-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _one_of(table: str, column: str, values: tuple[str, ...]) -> sa.CheckConstraint:
    listed = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({listed})", name=op.f(f"ck_{table}_{column}"))


QUEUE_STATUSES = ("pending", "claimed", "done", "failed")
CONSENT_STATES = ("unknown", "granted", "revoked")


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("source_event_id", sa.String(255), nullable=False),
        sa.Column("object", sa.String(64), nullable=False),
        sa.Column("record_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        _when("received_at"),
        sa.Column("status", sa.String(16), nullable=False),
        _when("processed_at", nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint("source", "source_event_id", name=op.f("uq_events_source_source_event_id")),
        _one_of("events", "status", ("received", "processed", "failed", "ignored")),
    )
    op.create_index(op.f("ix_events_status_received_at"), "events", ["status", "received_at"])

    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=True),
        sa.Column("opted_out", sa.Boolean(), nullable=False),
        sa.Column("consent_transactional", sa.String(16), nullable=False),
        sa.Column("consent_marketing", sa.String(16), nullable=False),
        sa.Column("crm_object", sa.String(64), nullable=True),
        sa.Column("crm_record_id", sa.String(64), nullable=True),
        _when("created_at"),
        _when("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
        sa.UniqueConstraint("phone", name=op.f("uq_contacts_phone")),
        _one_of("contacts", "consent_transactional", CONSENT_STATES),
        _one_of("contacts", "consent_marketing", CONSENT_STATES),
    )
    op.create_index(op.f("ix_contacts_crm_object_crm_record_id"), "contacts", ["crm_object", "crm_record_id"])

    op.create_table(
        "consent_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        _when("at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_changes")),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], name=op.f("fk_consent_changes_contact_id_contacts")),
        _one_of("consent_changes", "category", ("transactional", "marketing", "all")),
        _one_of("consent_changes", "state", CONSENT_STATES),
    )
    op.create_index(op.f("ix_consent_changes_contact_id_at"), "consent_changes", ["contact_id", "at"])

    op.create_table(
        "flow_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flow_id", sa.String(128), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        _when("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flow_versions")),
        sa.UniqueConstraint("flow_id", "version", name=op.f("uq_flow_versions_flow_id_version")),
    )

    op.create_table(
        "runs",
        sa.Column("id", sa.String(128), nullable=False),
        sa.Column("flow", sa.String(128), nullable=False),
        sa.Column("flow_version", sa.String(64), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("record_object", sa.String(64), nullable=False),
        sa.Column("record_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("step", sa.String(128), nullable=True),
        sa.Column("waiting_for", sa.String(16), nullable=True),
        _when("wait_until", nullable=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("dedupe_key", sa.String(255), nullable=True),
        _when("created_at"),
        _when("updated_at"),
        _when("ended_at", nullable=True),
        sa.Column("ended_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runs")),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], name=op.f("fk_runs_contact_id_contacts")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_runs_dedupe_key")),
        _one_of("runs", "status", ("active", "waiting", "ended")),
    )
    op.create_index(op.f("ix_runs_contact_id_status"), "runs", ["contact_id", "status"])
    op.create_index(op.f("ix_runs_record_object_record_id"), "runs", ["record_object", "record_id"])

    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(128), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("segments", sa.Integer(), nullable=True),
        sa.Column("encoding", sa.String(8), nullable=True),
        sa.Column("provider_id", sa.String(64), nullable=True),
        sa.Column("action_id", sa.String(255), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error_code", sa.String(16), nullable=True),
        _when("created_at"),
        _when("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_messages_run_id_runs")),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], name=op.f("fk_messages_contact_id_contacts")),
        sa.UniqueConstraint("provider_id", name=op.f("uq_messages_provider_id")),
        sa.UniqueConstraint("action_id", name=op.f("uq_messages_action_id")),
        _one_of("messages", "direction", ("in", "out")),
    )
    op.create_index(op.f("ix_messages_contact_id_created_at"), "messages", ["contact_id", "created_at"])
    op.create_index(op.f("ix_messages_run_id"), "messages", ["run_id"])

    op.create_table(
        "message_statuses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error_code", sa.String(16), nullable=True),
        _when("at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_statuses")),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], name=op.f("fk_message_statuses_message_id_messages")),
    )
    op.create_index(op.f("ix_message_statuses_message_id_at"), "message_statuses", ["message_id", "at"])

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("run_id", sa.String(128), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _when("next_attempt_at"),
        sa.Column("claimed_by", sa.String(128), nullable=True),
        _when("claimed_until", nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        _when("created_at"),
        _when("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_outbox_run_id_runs")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_outbox_idempotency_key")),
        _one_of("outbox", "status", QUEUE_STATUSES),
    )
    op.create_index(op.f("ix_outbox_status_next_attempt_at"), "outbox", ["status", "next_attempt_at"])
    op.create_index(op.f("ix_outbox_run_id"), "outbox", ["run_id"])

    op.create_table(
        "timers",
        sa.Column("id", sa.String(255), nullable=False),
        sa.Column("run_id", sa.String(128), nullable=False),
        _when("due_at"),
        sa.Column("status", sa.String(16), nullable=False),
        _when("fired_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timers")),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_timers_run_id_runs")),
        _one_of("timers", "status", ("pending", "fired", "cancelled")),
    )
    op.create_index(op.f("ix_timers_status_due_at"), "timers", ["status", "due_at"])
    op.create_index(op.f("ix_timers_run_id_status"), "timers", ["run_id", "status"])

    op.create_table(
        "writebacks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("object", sa.String(64), nullable=False),
        sa.Column("record_id", sa.String(64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _when("next_attempt_at"),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("crm_id", sa.String(64), nullable=True),
        _when("created_at"),
        _when("done_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_writebacks")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_writebacks_idempotency_key")),
        _one_of("writebacks", "kind", ("activity", "update_record", "create_task")),
        _one_of("writebacks", "status", QUEUE_STATUSES),
    )
    op.create_index(op.f("ix_writebacks_status_next_attempt_at"), "writebacks", ["status", "next_attempt_at"])

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        _when("at"),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"])
    op.create_index(op.f("ix_audit_log_subject"), "audit_log", ["subject"])


def downgrade() -> None:
    for table in (
        "audit_log",
        "writebacks",
        "timers",
        "outbox",
        "message_statuses",
        "messages",
        "runs",
        "flow_versions",
        "consent_changes",
        "contacts",
        "events",
    ):
        op.drop_table(table)
