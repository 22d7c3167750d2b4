"""Store fixtures; `db_url` and `store` (SQLite, and PostgreSQL when configured) live in tests/conftest.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from connector.store.schema import Base
from connector.store.uow import Store

from .builders import T0


@pytest.fixture
def contact_id(store: Store) -> int:
    with store.unit_of_work() as uow:
        contact = uow.contacts.get_or_create("+12025550143", time_zone="America/New_York", now=T0)
        uow.commit()
    return contact.id


@pytest.fixture
def count(store: Store) -> Callable[..., int]:
    """Count a table's rows, optionally filtered by column values: count(Outbox, status="pending")."""

    def _count(model: type[Base], **where: Any) -> int:
        with store.unit_of_work() as uow:
            stmt = select(func.count()).select_from(model)
            for column, value in where.items():
                stmt = stmt.where(getattr(model, column) == value)
            return uow.session.scalar(stmt) or 0

    return _count
