"""Engines for the store: SQLite (WAL, one writer at a time) or PostgreSQL through psycopg 3."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import ConnectionPoolEntry

# How long a SQLite connection waits for another's write lock before giving up with "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 30_000


def normalize_url(url: str | URL) -> URL:
    """Parse a database URL, sending postgres:// and postgresql:// to the psycopg 3 driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def make_engine(url: str | URL, **engine_kwargs: Any) -> Engine:
    """Create (without connecting) an engine for `url`, with the SQLite settings the store relies on."""
    parsed = normalize_url(url)
    engine_kwargs.setdefault("pool_pre_ping", parsed.get_backend_name() != "sqlite")
    engine = create_engine(parsed, **engine_kwargs)
    if parsed.get_backend_name() == "sqlite":
        _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Take transaction control away from pysqlite (it would BEGIN lazily, and only before DML); the
        # "begin" hook below issues the BEGIN instead. This is SQLAlchemy's documented pysqlite recipe.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            # WAL lets readers proceed while one connection writes; in-memory databases answer "memory".
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        # A deferred BEGIN lets two claimers both read, then deadlock upgrading to the write lock (SQLITE_BUSY
        # without waiting). Taking the write lock at BEGIN makes them queue on busy_timeout instead.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
