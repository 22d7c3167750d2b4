"""Engines: SQLite gets WAL, foreign keys, a busy timeout and write-locking BEGIN; PostgreSQL URLs use psycopg."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, StatementError

from connector.store.db import SQLITE_BUSY_TIMEOUT_MS, make_engine, normalize_url
from connector.store.uow import Store

from .builders import T0

URLS = [
    pytest.param("postgres://u:p@db:5432/sms", "postgresql+psycopg", id="postgres-scheme-goes-to-psycopg"),
    pytest.param("postgresql://u@db/sms", "postgresql+psycopg", id="postgresql-scheme-goes-to-psycopg"),
    pytest.param("postgresql+psycopg://u@db/sms", "postgresql+psycopg", id="psycopg-url-is-kept"),
    pytest.param("sqlite:///var/smsflow.db", "sqlite", id="sqlite-url-is-kept"),
]


@pytest.mark.parametrize(("url", "driver"), URLS)
def test_normalize_url(url: str, driver: str) -> None:
    assert normalize_url(url).drivername == driver


def test_making_an_engine_connects_to_nothing() -> None:
    engine = make_engine("postgresql://nobody@127.0.0.1:9/none")
    assert engine.dialect.driver == "psycopg"
    engine.dispose()


def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        pragmas = [conn.exec_driver_sql(f"PRAGMA {name}").scalar() for name in ("journal_mode", "foreign_keys")]
        timeout = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
    engine.dispose()
    assert pragmas == ["wal", 1]
    assert timeout == SQLITE_BUSY_TIMEOUT_MS


def test_sqlite_transaction_holds_the_write_lock_from_begin(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))  # reads only, yet the transaction already holds the write lock
        other = sqlite3.connect(path, timeout=0)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()
    engine.dispose()


def test_foreign_keys_are_enforced(store: Store) -> None:
    with store.unit_of_work() as uow, pytest.raises(IntegrityError):
        uow.timers.add("t", "no-such-run", T0)


def test_naive_datetimes_are_refused(store: Store, contact_id: int) -> None:
    with store.unit_of_work() as uow, pytest.raises(StatementError, match="naive datetime"):
        uow.audit.log("test", "x", "y", at=T0.replace(tzinfo=None))
