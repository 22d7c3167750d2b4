"""An admin app on a fresh SQLite store with the shipped flows, signed-in clients, and seeded traffic."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from admin_seed import ADMIN, ADMIN_HASH, FLOWS, PASSWORD, Seeded, seed
from flask import Flask
from flask.testing import FlaskClient

from connector.bootstrap import Container
from connector.settings import load_settings
from connector.web import create_app

ROOT = Path(__file__).resolve().parents[3]
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def config_copy(tmp_path: Path) -> Path:
    """The shipped flows this suite knows, with the mappings and manifest, copied (others may be mid-edit)."""
    config = tmp_path / "config"
    (config / "flows").mkdir(parents=True)
    for name in FLOWS:
        shutil.copy(ROOT / "flows" / f"{name}.yaml", config / "flows")
    shutil.copytree(ROOT / "mappings", config / "mappings")
    shutil.copy(ROOT / "manifest.yaml", config)
    return config


def admin_settings(tmp_path: Path, **extra: str) -> dict[str, str]:
    config = config_copy(tmp_path)
    return {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'admin.db'}",
        "SMSFLOW_FLOWS_DIR": str(config / "flows"),
        "SMSFLOW_MAPPINGS_DIR": str(config / "mappings"),
        "SMSFLOW_MANIFEST": str(config / "manifest.yaml"),
        "SMSFLOW_ADMIN_USERS": f"{ADMIN}:{ADMIN_HASH}",
        "SMSFLOW_SECRET_KEY": "k" * 40,
        "SALESFORCE_INSTANCE_URL": "https://example.my.salesforce.com",
        **extra,
    }


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    app = create_app(load_settings(admin_settings(tmp_path)))
    app.extensions["smsflow.container"].clock = lambda: NOW
    return app


@pytest.fixture
def container(app: Flask) -> Container:
    built: Container = app.extensions["smsflow.container"]
    return built


@pytest.fixture
def seeded(container: Container) -> Seeded:
    return seed(container, NOW)


def csrf(client: FlaskClient, path: str = "/admin/login") -> str:
    found = CSRF.search(client.get(path).get_data(as_text=True))
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def sign_in(client: FlaskClient) -> str:
    """Sign in as the seeded admin; returns the session's CSRF token."""
    response = client.post("/admin/login", data={"username": ADMIN, "password": PASSWORD, "csrf_token": csrf(client)})
    assert response.status_code == 302, response.get_data(as_text=True)
    return csrf(client, "/admin/flows")


@pytest.fixture
def client(app: Flask) -> Iterator[FlaskClient]:
    with app.test_client() as c:
        yield c


@pytest.fixture
def admin(client: FlaskClient) -> tuple[FlaskClient, str]:
    """A signed-in client and its CSRF token."""
    return client, sign_in(client)
