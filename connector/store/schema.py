"""The schema's shared parts: the declarative base, constraint naming, and the value vocabularies."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, CheckConstraint, MetaData
from sqlalchemy.orm import DeclarativeBase

from connector.store.types import UTCDateTime

EVENT_STATUSES = ("received", "processed", "failed", "ignored")
CONSENT_CATEGORIES = ("transactional", "marketing", "all")
CONSENT_STATES = ("unknown", "granted", "revoked")
RUN_STATUSES = ("active", "waiting", "ended")
DIRECTIONS = ("in", "out")
QUEUE_STATUSES = ("pending", "claimed", "done", "failed")
TIMER_STATUSES = ("pending", "fired", "cancelled")
WRITEBACK_KINDS = ("activity", "update_record", "create_task")

# Named constraints keep migrations reproducible: unnamed ones get different names on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def one_of(column: str, values: tuple[str, ...]) -> CheckConstraint:
    """A CHECK that `column` holds one of `values`, named after the column."""
    listed = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({listed})", name=column)


class Base(DeclarativeBase):
    """The declarative base of every store table."""

    metadata = MetaData(naming_convention=NAMING)
    # Plain JSON, not JSONB, on PostgreSQL: it keeps key order, so a RunState reads back exactly as written.
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(none_as_null=True),
    }
