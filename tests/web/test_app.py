"""The app factory: builds from settings, migrates its database, reports health, and leaks no password."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask, request
from sqlalchemy.exc import OperationalError

import connector
from connector.config import yamlpos
from connector.config.manifest import Manifest
from connector.settings import load_settings
from connector.store import migrate
from connector.web import MAX_CONTENT_LENGTH, create_app, current_settings

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Hunter2-very-secret-pw"
UNREACHABLE = f"postgresql://smsflow:{PASSWORD}@127.0.0.1:1/smsflow"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/var/smsflow.db"


@pytest.fixture
def app(sqlite_url: str) -> Flask:
    return create_app(load_settings({"DATABASE_URL": sqlite_url}))


def test_healthz_ok_and_database_created_and_migrated(app: Flask, sqlite_url: str, tmp_path: Path) -> None:
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "version": connector.__version__}
    assert (tmp_path / "var" / "smsflow.db").is_file()
    assert migrate.current(sqlite_url) == migrate.head()


def test_default_database_lives_under_the_current_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    root = Path(__file__).resolve().parents[2]
    create_app(
        load_settings(
            {
                "SMSFLOW_FLOWS_DIR": str(root / "flows"),
                "SMSFLOW_MAPPINGS_DIR": str(root / "mappings"),
                "SMSFLOW_MANIFEST": str(root / "manifest.yaml"),
            }
        )
    )
    assert (tmp_path / "var" / "smsflow.db").is_file()


def test_building_twice_is_a_no_op_upgrade(sqlite_url: str) -> None:
    settings = load_settings({"DATABASE_URL": sqlite_url})
    create_app(settings)
    assert create_app(settings).test_client().get("/healthz").status_code == 200


def test_settings_and_body_limit_are_installed(app: Flask) -> None:
    @app.post("/echo-size")
    def echo_size() -> str:
        return str(len(request.get_data()))

    with app.test_request_context():
        assert current_settings() is app.extensions["smsflow"]
    client = app.test_client()
    assert client.post("/echo-size", data=b"x" * 1024).status_code == 200
    assert client.post("/echo-size", data=b"x" * (MAX_CONTENT_LENGTH + 1)).status_code == 413


def test_healthz_unavailable_without_leaking_password(caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(load_settings({"DATABASE_URL": UNREACHABLE}), upgrade_db=False)
    with caplog.at_level(logging.DEBUG):
        response = app.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["database"].startswith("unreachable")
    assert PASSWORD not in response.get_data(as_text=True)
    assert PASSWORD not in caplog.text


def test_start_up_fails_fast_when_the_database_is_unreachable() -> None:
    with pytest.raises(OperationalError) as caught:
        create_app(load_settings({"DATABASE_URL": UNREACHABLE}))
    assert PASSWORD not in str(caught.value)


@pytest.mark.skipif(not os.environ.get("SMSFLOW_TEST_DATABASE_URL"), reason="SMSFLOW_TEST_DATABASE_URL not set")
def test_healthz_ok_on_postgresql() -> None:
    url = os.environ["SMSFLOW_TEST_DATABASE_URL"]
    app = create_app(load_settings({"DATABASE_URL": url}), upgrade_db=False)
    assert app.test_client().get("/healthz").status_code == 200


def test_every_route_is_declared_in_the_manifest(app: Flask) -> None:
    manifest = Manifest.model_validate(yamlpos.load((ROOT / "manifest.yaml").read_text()).data)
    undeclared = [
        f"{method} {rule.rule}"
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        if manifest.endpoint_for(rule.rule, method) is None
    ]
    assert undeclared == [], "add these routes to manifest.yaml endpoints:"


def _python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_importing_the_package_reads_no_settings() -> None:
    result = _python("import connector.web", SMSFLOW_SANDBOX="maybe")
    assert result.returncode == 0, result.stderr


def test_app_module_builds_the_app_from_the_environment(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/app.db"
    ok = _python("import app; print(type(app.app).__name__)", DATABASE_URL=url)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == "Flask"
    bad = _python("import app", DATABASE_URL=url, SMSFLOW_SANDBOX="maybe")
    assert bad.returncode != 0
    assert "SMSFLOW_SANDBOX" in bad.stderr
