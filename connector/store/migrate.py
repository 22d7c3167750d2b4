"""Schema migrations (Alembic), run from code: `upgrade(url)` brings a database to the newest schema."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.pool import NullPool

from connector.store.db import make_engine
from connector.store.locks import advisory_lock

MIGRATIONS = Path(__file__).with_name("migrations")
MIGRATION_LOCK = "migrate"  # the advisory lock schema upgrades hold on PostgreSQL (connector.store.locks)


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config for `url` pointing at the migrations shipped inside this package."""
    config = Config()
    # Config values go through configparser interpolation, so a literal % must be doubled.
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    # The URL goes through attributes, not the config, so passwords with % or @ survive as given.
    config.attributes["url"] = url
    return config


def upgrade(target: str | Engine, revision: str = "head") -> None:
    """Migrate the database at `target` (a URL, or an engine, e.g. for in-memory SQLite) up to `revision`.

    On PostgreSQL the migration holds an advisory lock: processes of a new release that start together migrate
    one after the other (the later ones find nothing left to do) instead of failing each other's DDL.
    """
    with _migration_lock(target):
        _run(command.upgrade, target, revision)


@contextmanager
def _migration_lock(target: str | Engine) -> Iterator[None]:
    engine = make_engine(target, poolclass=NullPool) if isinstance(target, str) else target
    if engine.dialect.name != "postgresql":
        if engine is not target:
            engine.dispose()
        yield  # SQLite: BEGIN IMMEDIATE in the migration's own transaction already lets one writer in
        return
    try:
        with advisory_lock(engine, MIGRATION_LOCK):
            yield
    finally:
        if engine is not target:
            engine.dispose()


def downgrade(target: str | Engine, revision: str) -> None:
    """Migrate the database at `target` down to `revision` ("base" removes every table)."""
    _run(command.downgrade, target, revision)


def head() -> str:
    """The newest revision this package ships."""
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"migrations should have one head, found {heads}")
    return heads[0]


def current(target: str | Engine) -> str | None:
    """The revision the database at `target` is at; None if it was never migrated."""
    engine = make_engine(target, poolclass=NullPool) if isinstance(target, str) else target
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        if engine is not target:
            engine.dispose()


def _run(step: Callable[[Config, str], None], target: str | Engine, revision: str) -> None:
    if isinstance(target, str):
        step(alembic_config(target), revision)
        return
    # migrations/env.py uses this connection, inside this transaction, instead of making its own engine.
    with target.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        step(config, revision)
