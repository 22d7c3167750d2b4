"""The store's schema as SQLAlchemy 2 mapped classes; migrations/versions/0001_initial.py creates the same."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from connector.store.schema import (
    CONSENT_CATEGORIES,
    CONSENT_STATES,
    DIRECTIONS,
    EVENT_STATUSES,
    QUEUE_STATUSES,
    RUN_STATUSES,
    TIMER_STATUSES,
    WRITEBACK_KINDS,
    Base,
    one_of,
)
from connector.store.types import utcnow


class Event(Base):
    """A CRM change as it arrived; (source, source_event_id) makes a redelivery a no-op."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("source", "source_event_id"),
        Index(None, "status", "received_at"),
        one_of("status", EVENT_STATUSES),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    source_event_id: Mapped[str] = mapped_column(String(255))
    object: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    received_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="received")
    processed_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)


class Contact(Base):
    """A phone number we text, with its opt-out flag and per-category consent."""

    __tablename__ = "contacts"
    __table_args__ = (
        Index(None, "crm_object", "crm_record_id"),
        one_of("consent_transactional", CONSENT_STATES),
        one_of("consent_marketing", CONSENT_STATES),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    time_zone: Mapped[str | None] = mapped_column(String(64))
    opted_out: Mapped[bool] = mapped_column(default=False)
    consent_transactional: Mapped[str] = mapped_column(String(16), default="unknown")
    consent_marketing: Mapped[str] = mapped_column(String(16), default="unknown")
    crm_object: Mapped[str | None] = mapped_column(String(64))
    crm_record_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ConsentChange(Base):
    """One entry of a contact's consent history; category "all" is the STOP/START opt-out flag."""

    __tablename__ = "consent_changes"
    __table_args__ = (
        Index(None, "contact_id", "at"),
        one_of("category", CONSENT_CATEGORIES),
        one_of("state", CONSENT_STATES),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    category: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime]


class FlowVersion(Base):
    """A flow definition as it was when a run started, so the run resumes on the same definition."""

    __tablename__ = "flow_versions"
    __table_args__ = (UniqueConstraint("flow_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    flow_id: Mapped[str] = mapped_column(String(128))
    version: Mapped[str] = mapped_column(String(64))
    definition: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Run(Base):
    """A run of a flow for one contact and record; `state` is the engine's RunState as JSON."""

    __tablename__ = "runs"
    __table_args__ = (
        Index(None, "contact_id", "status"),
        Index(None, "record_object", "record_id"),
        one_of("status", RUN_STATUSES),
    )
    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    flow: Mapped[str] = mapped_column(String(128))
    flow_version: Mapped[str] = mapped_column(String(64))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    record_object: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    step: Mapped[str | None] = mapped_column(String(128))
    waiting_for: Mapped[str | None] = mapped_column(String(16))
    wait_until: Mapped[datetime | None]
    seq: Mapped[int] = mapped_column(default=0)
    state: Mapped[dict[str, Any]]
    dedupe_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    ended_at: Mapped[datetime | None]
    ended_reason: Mapped[str | None] = mapped_column(Text)


class Message(Base):
    """A text sent or received; outbound ones carry the engine's SendSms id as action_id."""

    __tablename__ = "messages"
    __table_args__ = (
        Index(None, "contact_id", "created_at"),
        Index(None, "contact_id", "sent_at"),
        Index(None, "run_id"),
        one_of("direction", DIRECTIONS),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[str | None] = mapped_column(ForeignKey("runs.id"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    direction: Mapped[str] = mapped_column(String(3))
    body: Mapped[str] = mapped_column(Text)
    segments: Mapped[int | None]
    encoding: Mapped[str | None] = mapped_column(String(8))
    provider_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    action_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    error_code: Mapped[str | None] = mapped_column(String(16))
    # Outbound only: what the contact policy counts. The flow is the "subject" of state caps; sent_at is when
    # the provider accepted the text (0003_policy).
    category: Mapped[str | None] = mapped_column(String(16))
    flow: Mapped[str | None] = mapped_column(String(128))
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class MessageStatus(Base):
    """One status a message went through, in the order we learnt it."""

    __tablename__ = "message_statuses"
    __table_args__ = (Index(None, "message_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"))
    status: Mapped[str] = mapped_column(String(16))
    error_code: Mapped[str | None] = mapped_column(String(16))
    at: Mapped[datetime]


class Outbox(Base):
    """A side effect to perform once (a send); a claim leases it to one worker until claimed_until."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index(None, "status", "next_attempt_at"),
        Index(None, "run_id"),
        one_of("status", QUEUE_STATUSES),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]]
    run_id: Mapped[str | None] = mapped_column(ForeignKey("runs.id"))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    claimed_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Timer(Base):
    """A run's WaitUntil; its id is the action id, which the engine gets back as Timeout.timer_id."""

    __tablename__ = "timers"
    __table_args__ = (
        Index(None, "status", "due_at"),
        Index(None, "run_id", "status"),
        one_of("status", TIMER_STATUSES),
    )
    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id"))
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    fired_at: Mapped[datetime | None]


class Writeback(Base):
    """A CRM write (activity, record update, task) queued for the batched write-back job."""

    __tablename__ = "writebacks"
    __table_args__ = (
        Index(None, "status", "next_attempt_at"),
        one_of("kind", WRITEBACK_KINDS),
        one_of("status", QUEUE_STATUSES),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    object: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    crm_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]


class AuditEntry(Base):
    """Who did what to which subject, for the admin pages and incident review."""

    __tablename__ = "audit_log"
    __table_args__ = (Index(None, "at"), Index(None, "subject"))
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(255))
    detail: Mapped[dict[str, Any] | None]
