"""Migrations: the migrated schema is exactly the metadata, and the revision is tracked."""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, inspect
from sqlalchemy.pool import NullPool, StaticPool

from connector.store import migrate
from connector.store.db import make_engine
from connector.store.schema import Base
from connector.store.uow import Store

STORE = Path(migrate.__file__).parent
ROOT = STORE.parents[1]


def _diff(url: str, metadata: MetaData) -> list[object]:
    engine = make_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True, "target_metadata": metadata})
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def test_migrated_schema_matches_the_metadata(db_url: str) -> None:
    assert _diff(db_url, Base.metadata) == []


def test_schema_comparison_sees_the_tables(db_url: str) -> None:
    # Guards the test above: against empty metadata every migrated table must show up as a difference.
    removed = {diff[1].name for diff in _diff(db_url, MetaData()) if diff[0] == "remove_table"}  # type: ignore[index]
    assert removed == set(Base.metadata.tables)


def test_migrated_database_is_at_head(db_url: str) -> None:
    newest = max(path.name.split("_", 1)[0] for path in (migrate.MIGRATIONS / "versions").glob("[0-9]*_*.py"))
    assert migrate.current(db_url) == migrate.head() == newest


def test_fresh_database_has_no_revision(tmp_path: Path) -> None:
    assert migrate.current(f"sqlite:///{tmp_path / 'fresh.db'}") is None


def test_downgrade_to_base_then_upgrade_again(db_url: str) -> None:
    migrate.downgrade(db_url, "base")
    assert migrate.current(db_url) is None
    engine = make_engine(db_url, poolclass=NullPool)
    try:
        assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    finally:
        engine.dispose()
    migrate.upgrade(db_url)
    assert _diff(db_url, Base.metadata) == []


def test_files_upgrade_needs_ship_as_package_data() -> None:
    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    needed = [STORE / "migrations" / "env.py", *sorted((STORE / "migrations" / "versions").glob("*.py"))]
    for path in needed:
        relative = path.relative_to(STORE).as_posix()
        assert any(fnmatch(relative, pattern) for pattern in globs["connector.store"]), relative


def test_an_engine_can_be_migrated_in_place() -> None:
    # In-memory SQLite lives only as long as its one connection, so it must be migrated through its engine.
    engine = make_engine("sqlite://", poolclass=StaticPool)
    migrate.upgrade(engine)
    assert migrate.current(engine) == migrate.head()
    with Store(engine).unit_of_work() as uow:
        assert uow.contacts.get_or_create("+12025550143").id == 1
    engine.dispose()


def test_processes_starting_together_migrate_one_after_the_other(db_url: str) -> None:
    """A release whose processes all start at once: each upgrade waits its turn, none fails (Alembic's module state
    is per process, so these are processes, as in a deployment)."""
    import subprocess
    import sys

    migrate.downgrade(db_url, "base")
    code = "import sys; from connector.store.migrate import upgrade; upgrade(sys.argv[1])"
    starts = [subprocess.Popen([sys.executable, "-c", code, db_url], stderr=subprocess.PIPE) for _ in range(3)]
    errors = [process.communicate(timeout=120)[1].decode() for process in starts]
    assert [process.returncode for process in starts] == [0, 0, 0], errors
    assert migrate.current(db_url) == migrate.head()
