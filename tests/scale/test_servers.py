"""The web app under the servers the docs name: `gunicorn --preload 'app:app'` with two workers, and `flask run`.

Each starts as its own process on a free loopback port with a fresh SQLite store and the repository's flows,
mappings and manifest, and must answer /healthz and /admin/login. With --preload gunicorn builds the app, and so
migrates the database, once in its master before forking the workers; the log shows one upgrade.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from werkzeug.security import generate_password_hash

from connector.store.migrate import current, head

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SERVERS = {
    "gunicorn": ["gunicorn", "--preload", "--workers", "2", "--bind", "127.0.0.1:{port}", "app:app"],
    "flask": ["flask", "--app", "app", "run", "--host", "127.0.0.1", "--port", "{port}"],
}
# The connector's loggers have no handler of their own: a server's logging config gives them one. gunicorn merges
# this into its defaults, whose "console" handler writes to stdout (docs/operations.md shows the same).
LOG_CONFIG = {"root": {"level": "INFO", "handlers": ["console"]}}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(params=sorted(SERVERS))
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str, Path, str]]:
    """(server name, base URL, its stderr log, the database URL) of a server running the connector's app."""
    name, port = request.param, free_port()
    command = [str(BIN / SERVERS[name][0]), *(arg.format(port=port) for arg in SERVERS[name][1:])]
    if name == "gunicorn":
        (tmp_path / "logging.json").write_text(json.dumps(LOG_CONFIG), encoding="utf-8")
        command[1:1] = ["--log-config-json", str(tmp_path / "logging.json")]
    db_url = f"sqlite:///{tmp_path / 'var' / 'smsflow.db'}"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),  # app.py; the server runs in tmp_path, away from any .env and var/ in the repo
        "DATABASE_URL": db_url,
        "SMSFLOW_FLOWS_DIR": str(ROOT / "flows"),
        "SMSFLOW_MAPPINGS_DIR": str(ROOT / "mappings"),
        "SMSFLOW_MANIFEST": str(ROOT / "manifest.yaml"),
        "SMSFLOW_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "SMSFLOW_ADMIN_USERS": f"ana:{generate_password_hash('a long test password')}",
        "SMSFLOW_SECRET_KEY": "k" * 40,
        "NO_PROXY": "127.0.0.1,localhost",
    }
    log = tmp_path / "server.log"
    with log.open("wb") as err:
        proc = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=err, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not answers(base):
            assert proc.poll() is None, f"{name} exited: {log.read_text(errors='replace')[-3000:]}"
            assert time.monotonic() < deadline, f"{name} did not answer in 60s: {log.read_text(errors='replace')}"
            time.sleep(0.2)
        yield name, base, log, db_url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def answers(base: str) -> bool:
    try:
        requests.get(f"{base}/healthz", timeout=2)
    except requests.RequestException:  # not listening yet, or still loading the app
        return False
    return True


def test_server_answers_health_and_admin_login(server: tuple[str, str, Path, str]) -> None:
    name, base, log, db_url = server
    for _ in range(6):  # several requests, so both gunicorn workers answer some
        health = requests.get(f"{base}/healthz", timeout=10)
        assert health.status_code == 200, health.text
        assert health.json()["database"] == "ok"
        login = requests.get(f"{base}/admin/login", timeout=10)
        assert login.status_code == 200
        assert 'type="password"' in login.text
    assert current(db_url) == head(), "the store was migrated to the newest schema"
    if name == "gunicorn":
        upgrades = log.read_text(encoding="utf-8", errors="replace").count("upgrading database")
        assert upgrades == 1, "--preload: the master migrated once, not each worker"
