"""Several processes on one PostgreSQL: the `pg_url` fixture, which skips (saying why) where there is none."""

from __future__ import annotations

import os

import pytest

ONLY_POSTGRESQL = "several worker processes share one queue on PostgreSQL only (SQLite runs one worker)"
PG_URL = os.environ.get("SMSFLOW_TEST_DATABASE_URL")
HOW = "set SMSFLOW_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test to run this"


@pytest.fixture
def pg_url(db_url: str) -> str:
    """A fresh, migrated PostgreSQL schema's URL; the SQLite run of a test that needs this is skipped."""
    if not db_url.startswith("postgresql"):
        pytest.skip(f"{ONLY_POSTGRESQL}: this runs as [postgresql]" if PG_URL else f"{ONLY_POSTGRESQL}; {HOW}")
    return db_url
