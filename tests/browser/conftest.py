"""Real headless Chromium (Debian's chromium + chromedriver, nothing downloaded) against the admin app served
on loopback with seeded demo data. Screenshots of each page go to build/screenshots/."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from werkzeug.serving import make_server

from connector.settings import load_settings
from connector.web import create_app

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("SMSFLOW_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("SMSFLOW_CHROMEDRIVER", "/usr/bin/chromedriver"))
SCREENSHOTS = ROOT / "build" / "screenshots"
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
except ImportError:  # pragma: no cover - the test extra installs selenium
    webdriver = None  # type: ignore[assignment]


def _missing() -> str | None:
    if webdriver is None:
        return "selenium is not installed (pip install -e '.[test]')"
    for path in (CHROMIUM, CHROMEDRIVER):
        if not path.exists():
            return f"{path} not found: apt-get install -y chromium chromium-driver"
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    reason = _missing()
    if reason:
        for item in items:
            if "tests/browser" in str(item.fspath):
                item.add_marker(pytest.mark.skip(reason=reason))


def _load(name: str) -> ModuleType:
    """The admin page tests' seed module, shared by path (test directories are not packages)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "tests" / "web" / "admin" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def seed_module() -> ModuleType:
    return _load("admin_seed")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, seed_module: ModuleType) -> Iterator[str]:
    """The admin app with demo data, served by werkzeug on 127.0.0.1 in a thread; yields its base URL."""
    tmp = tmp_path_factory.mktemp("browser")
    config = tmp / "config"
    (config / "flows").mkdir(parents=True)
    for name in seed_module.FLOWS:
        shutil.copy(ROOT / "flows" / f"{name}.yaml", config / "flows")
    shutil.copytree(ROOT / "mappings", config / "mappings")
    shutil.copy(ROOT / "manifest.yaml", config)
    settings = load_settings(
        {
            "DATABASE_URL": f"sqlite:///{tmp / 'admin.db'}",
            "SMSFLOW_FLOWS_DIR": str(config / "flows"),
            "SMSFLOW_MAPPINGS_DIR": str(config / "mappings"),
            "SMSFLOW_MANIFEST": str(config / "manifest.yaml"),
            "SMSFLOW_ADMIN_USERS": f"{seed_module.ADMIN}:{seed_module.ADMIN_HASH}",
            "SMSFLOW_SECRET_KEY": "b" * 40,
            "SALESFORCE_INSTANCE_URL": "https://example.my.salesforce.com",
        }
    )
    app = create_app(settings)
    container = app.extensions["smsflow.container"]
    container.clock = lambda: NOW
    seed_module.seed(container, NOW)
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        thread.join(timeout=10)
        container.store.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must not look for a browser to download
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=1280,1000",
        "--disable-gpu",
        "--no-first-run",
        "--disable-extensions",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    driver.implicitly_wait(5)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def shots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
