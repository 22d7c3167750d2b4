"""Fixtures for the emulator's own tests: the emulator, unmodified simple-salesforce pointed at it, a listener."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sf_emulator_support import FAST_RETRY, ROOT, Listener, plain_session
from simple_salesforce import Salesforce
from werkzeug.serving import make_server

from connector.sandbox.salesforce import SalesforceEmulator


@pytest.fixture
def emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[SalesforceEmulator]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with SalesforceEmulator(manifest=ROOT / "manifest.yaml", retry=FAST_RETRY) as running:
        yield running


@pytest.fixture
def sf(emulator: SalesforceEmulator) -> Salesforce:
    """simple-salesforce, unmodified, configured with instance_url + session_id + a session trusting the CA."""
    return Salesforce(
        instance_url=emulator.instance_url,
        session_id=emulator.session_id,
        session=plain_session(emulator),
        version="61.0",
    )


@pytest.fixture
def listener() -> Iterator[Listener]:
    app = Listener()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.url = f"http://127.0.0.1:{server.server_port}/hook"
    thread = threading.Thread(target=lambda: server.serve_forever(poll_interval=0.05), daemon=True)
    thread.start()
    yield app
    server.shutdown()
    server.server_close()
