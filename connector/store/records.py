"""Frozen copies of rows that repositories hand out, so nothing outside the store holds a live ORM object."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, TypeVar

T = TypeVar("T")


def snapshot(cls: type[T], row: object) -> T:
    """Copy the attributes `cls` declares from an ORM row."""
    return cls(**{f.name: getattr(row, f.name) for f in fields(cls)})  # type: ignore[arg-type]


@dataclass(frozen=True)
class ContactRecord:
    id: int
    phone: str
    time_zone: str | None
    opted_out: bool
    consent_transactional: str
    consent_marketing: str
    crm_object: str | None
    crm_record_id: str | None


@dataclass(frozen=True)
class ConsentChangeRecord:
    contact_id: int
    category: str
    state: str
    source: str
    detail: str | None
    at: datetime


@dataclass(frozen=True)
class EventRecord:
    id: int
    source: str
    source_event_id: str
    object: str
    record_id: str
    kind: str
    payload: dict[str, Any]
    received_at: datetime
    status: str
    processed_at: datetime | None
    error: str | None


@dataclass(frozen=True)
class MessageRecord:
    id: int
    run_id: str | None
    contact_id: int
    direction: str
    body: str
    segments: int | None
    encoding: str | None
    provider_id: str | None
    action_id: str | None
    status: str
    error_code: str | None
    created_at: datetime
    category: str | None = None
    flow: str | None = None
    sent_at: datetime | None = None


@dataclass(frozen=True)
class OutboxItem:
    id: int
    idempotency_key: str
    kind: str
    payload: dict[str, Any]
    run_id: str | None
    status: str
    attempts: int
    next_attempt_at: datetime
    claimed_by: str | None
    claimed_until: datetime | None
    last_error: str | None


@dataclass(frozen=True)
class TimerRecord:
    id: str
    run_id: str
    due_at: datetime
    status: str
    fired_at: datetime | None


@dataclass(frozen=True)
class WritebackItem:
    id: int
    idempotency_key: str
    kind: str
    object: str
    record_id: str
    payload: dict[str, Any]
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    crm_id: str | None


@dataclass(frozen=True)
class AuditRecord:
    at: datetime
    actor: str
    action: str
    subject: str
    detail: dict[str, Any] | None
