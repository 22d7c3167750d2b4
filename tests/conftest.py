"""Options and fixtures shared by the whole suite."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import hypothesis
import pytest
from sqlalchemy import text

from connector.store.db import make_engine, normalize_url
from connector.store.migrate import upgrade
from connector.store.uow import Store

ROOT = Path(__file__).resolve().parents[1]

# Property and fuzz tests (tests/hostile, tests/engine): under CI, every run draws the same examples, so a failure
# there fails again on a rerun and on any machine; elsewhere each run explores new ones. Both print the
# failing example's blob, which @reproduce_failure replays. SMSFLOW_HYPOTHESIS_PROFILE picks one by name.
hypothesis.settings.register_profile("ci", derandomize=True, print_blob=True)
hypothesis.settings.register_profile("explore", print_blob=True)
hypothesis.settings.load_profile(
    os.environ.get("SMSFLOW_HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "explore")
)

# Every test that uses the store runs on fresh SQLite, and on PostgreSQL too when SMSFLOW_TEST_DATABASE_URL is
# set; there each test gets its own schema (the test database is shared), dropped afterwards.


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="Rewrite the expect: sections of tests/flows/*.yaml from what the engine does now.",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def repo_root(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run the test from the repository root, where flows/, mappings/ and manifest.yaml live."""
    monkeypatch.chdir(ROOT)
    return ROOT


PG_URL = os.environ.get("SMSFLOW_TEST_DATABASE_URL")
# PostgreSQL joins only when configured (.ci/run sets it when a server is up); no skip noise otherwise.
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


@contextmanager
def migrated_database(backend: str, tmp_path: Path, name: str = "store") -> Iterator[str]:
    """The URL of an empty database migrated to the newest schema: a SQLite file, or a PostgreSQL schema."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / f'{name}.db'}"
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


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database migrated to the newest schema."""
    with migrated_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def second_db_url(request: pytest.FixtureRequest, db_url: str, tmp_path: Path) -> Iterator[str]:
    """Another empty database on db_url's backend, for tests that compare two ways of doing the same thing."""
    with migrated_database(request.node.callspec.params["db_url"], tmp_path, "second") as url:
        yield url


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store(db_url)
    yield s
    s.dispose()
