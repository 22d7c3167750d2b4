"""Fixtures: every store test runs on fresh SQLite, and on PostgreSQL if SMSFLOW_TEST_DATABASE_URL is set.

On PostgreSQL each test gets its own schema (the test database is shared), reached through the connection's
search_path, and the schema is dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from connector.store.db import make_engine, normalize_url
from connector.store.migrate import upgrade
from connector.store.schema import Base
from connector.store.uow import Store

from .builders import T0

PG_URL = os.environ.get("SMSFLOW_TEST_DATABASE_URL")
# PostgreSQL joins only when configured (.ci/run sets it when a server is up); no skip noise otherwise.
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database migrated to the newest schema."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
        upgrade(url)
        yield url
        return
    assert PG_URL is not None
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = normalize_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    rendered = url.render_as_string(hide_password=False)
    try:
        upgrade(rendered)
        yield rendered
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store(db_url)
    yield s
    s.dispose()


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
