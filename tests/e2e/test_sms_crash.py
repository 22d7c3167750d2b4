"""The crash test: kill -9 the worker between Twilio's answer and the commit, restart it, and count the texts.

The worker runs as its own process (tests/e2e/sms_worker.py, run_worker on the real adapter) against a file
SQLite store or PostgreSQL and the emulator on loopback. Its first life SIGKILLs itself right after the API call;
its second life must find the text at Twilio (or learn its SID from a status callback) instead of sending again.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sms_worker import PUBLIC, settings_env
from test_sms_flow import PHONE, lead_fields

from connector.services.registry import Registry
from connector.services.runs import start_run
from connector.settings import load_settings
from connector.store.uow import Store
from connector.web import create_app

sandbox = pytest.importorskip("connector.sandbox.twilio")
ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("sms_worker.py")


@pytest.fixture
def emulator() -> Iterator[Any]:
    with sandbox.TwilioEmulator(seed=21) as emu:
        yield emu


def worker(db_url: str, emu: Any, *args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, **settings_env(db_url, emu), "SMSFLOW_LOG_LEVEL": "INFO"}
    return subprocess.Popen([sys.executable, str(WORKER), *args], env=env, cwd=ROOT, stderr=subprocess.PIPE)


def wait_until(check: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"gave up waiting for {what} after {timeout}s"
        time.sleep(0.05)


def start(store: Store) -> str:
    registry = Registry.load(ROOT / "flows", ROOT / "mappings", ROOT / "manifest.yaml")
    fields = lead_fields()
    at = datetime.now(UTC)
    with store.unit_of_work() as uow:
        flow = registry.flows["booking-confirm"]
        started = start_run(uow, registry, flow, obj="Lead", record_id=fields["Id"], fields=fields, cause="c", at=at)
        uow.commit()
    assert started.step is not None, started.reason
    return started.step.state.sent[0]


def row(store: Store, key: str) -> Any:
    with store.unit_of_work() as uow:
        return uow.outbox.get(key), uow.messages.by_action_id(key)


@pytest.mark.parametrize(
    "callbacks",
    [pytest.param(False, id="callbacks-lost-so-the-restart-asks-twilio"),
     pytest.param(True, id="callback-names-the-key-so-the-restart-just-finishes")],
)  # fmt: skip
def test_killed_between_send_and_commit_the_handset_gets_the_text_once(
    db_url: str, emulator: Any, callbacks: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    settings = load_settings({k: v for k, v in settings_env(db_url, emulator).items() if k != "NO_PROXY"})
    app = create_app(settings, upgrade_db=False)
    # Status callbacks reach the app's hooks, or (the harder case) are lost like a webhook that timed out.
    emulator.transport = sandbox.wsgi_transport(app) if callbacks else (lambda *a: 503)
    emulator.inbound_url = f"{PUBLIC}/hooks/twilio/inbound"
    store: Store = app.extensions["smsflow.container"].store
    key = start(store)

    first = worker(db_url, emulator, "--crash-after-send", "--lease-seconds", "1")
    _, err = first.communicate(timeout=60)
    assert first.returncode == -signal.SIGKILL, err.decode(errors="replace")[-2000:]
    assert emulator.wait_idle(10)
    outbox, text = row(store, key)
    assert outbox.status == "claimed", "the dead worker never recorded the send"
    assert len(emulator.store.query(sandbox_filters(to=PHONE))) == 1, "Twilio has it once"
    if callbacks:
        assert text.provider_id is not None, "a status callback named the key and recorded the SID"
    else:
        assert (text.status, text.provider_id) == ("in_flight", None)
    wait_until(lambda: outbox.claimed_until < datetime.now(UTC), 10, "the dead worker's lease to end")

    second = worker(db_url, emulator)
    try:
        wait_until(lambda: row(store, key)[0].status == "done", 60, "the restarted worker to finish the text")
    finally:
        second.send_signal(signal.SIGTERM)
        _, err = second.communicate(timeout=60)
    assert second.returncode == 0, err.decode(errors="replace")[-2000:]
    assert b"+12025550143" not in err, "the worker's logs mask phone numbers"

    assert emulator.wait_idle(10)
    (sent,) = emulator.store.query(sandbox_filters(to=PHONE))
    assert [t.sid for t in emulator.phone(PHONE).inbox] == [sent.sid], "the handset received the text exactly once"
    _, text = row(store, key)
    assert text.provider_id == sent.sid
    with store.unit_of_work() as uow:
        reconciled = [a for a in uow.audit.recent(50) if a.action == "send_reconciled"]
    assert len(reconciled) == (0 if callbacks else 1), "only a lost callback needs a lookup at Twilio"


def sandbox_filters(**kw: Any) -> Any:
    from connector.sandbox.twilio.store import Filters

    return Filters(**kw)
