"""Alembic environment, configured in code by connector.store.migrate (no alembic.ini)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection
from sqlalchemy.pool import NullPool

from connector.store import tables_admin, tables_campaign, tables_crm, tables_policy  # noqa: F401 - tables of 0002-0005
from connector.store.db import make_engine
from connector.store.tables import Base

config = context.config
target_metadata = Base.metadata


def _configure(**kwargs: object) -> None:
    # transactional_ddl: with db.py's BEGIN hook SQLite runs DDL inside a transaction too, so a failed upgrade
    # leaves the database as it was on both dialects. render_as_batch: SQLite can ALTER little in place.
    context.configure(
        target_metadata=target_metadata,
        transactional_ddl=True,
        render_as_batch=True,
        compare_type=True,
        **kwargs,  # type: ignore[arg-type]
    )


def _run(connection: Connection) -> None:
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.attributes["url"], poolclass=NullPool)
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


def run_migrations_offline() -> None:
    _configure(url=config.attributes["url"], literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
