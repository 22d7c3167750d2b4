"""Several `smsflow worker` processes on one PostgreSQL queue: every text reaches its handset once, and the
leader-only jobs run in one process at a time, moving to another when the leader dies.

Workers are real processes (tests/scale/scale_worker.py: run_worker on the real Twilio adapter) against the Twilio
emulator on loopback; its status callbacks reach this process's Flask app on the same store, as they would reach a
web process. Real time runs here, so waits are bounded polls; nothing asserts on how long anything took.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from scale_worker import settings_env
from sqlalchemy import func, select

from connector.sandbox.zones import zone_at_hour
from connector.services.runs import start_run
from connector.settings import load_settings
from connector.store.tables import Message, Outbox
from connector.store.uow import Store
from connector.web import create_app

sandbox = pytest.importorskip("connector.sandbox.twilio")
salesforce = pytest.importorskip("connector.sandbox.salesforce")
ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("scale_worker.py")
TEXTS = 300
WORKERS = 3
AREA_CODES = ("202", "212", "310", "415", "617")  # 555-0100 .. 555-0199 in each: fictional, valid numbers


def phone(n: int) -> str:
    return f"+1{AREA_CODES[n // 100]}555{100 + n % 100:04d}"


def daytime_zone(now: datetime) -> str:
    """A zone where it is about 12:00 now, so the contact policy's window is open for hours."""
    return zone_at_hour(now, 12)


def lead(n: int) -> dict[str, Any]:
    fields = json.loads((ROOT / "tests/flows/records/lead-booking.json").read_text(encoding="utf-8"))
    fields.pop("attributes")
    fields.update(Id=f"00Q5e00000S{n:04d}EAJ", MobilePhone=phone(n), SMS_Time_Zone__c=daytime_zone(datetime.now(UTC)))
    return fields


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"gave up waiting for {what} after {timeout}s"
        time.sleep(0.1)


class Workers:
    """Worker processes started with one environment, logging to files; stopped with SIGTERM at the end."""

    def __init__(self, env: dict[str, str], home: Path) -> None:
        self.env, self.home = env, home
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, n: int, *args: str) -> list[subprocess.Popen[bytes]]:
        new = []
        for _ in range(n):
            with (self.home / f"worker-{len(self.procs)}.log").open("wb") as err:
                command = [sys.executable, str(WORKER), "--ready", str(self.home / "ready"), *args]
                self.procs.append(subprocess.Popen(command, env=self.env, cwd=ROOT, stderr=err))
            new.append(self.procs[-1])
        wait_until(lambda: all((self.home / "ready" / str(p.pid)).exists() or p.poll() is not None for p in new), 60,
                   "the workers to start")  # fmt: skip
        for p in new:
            assert p.poll() is None, self.errors(p)
        return new

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            p.wait(60)

    def errors(self, p: subprocess.Popen[bytes]) -> str:
        log = self.home / f"worker-{self.procs.index(p)}.log"
        return log.read_text(encoding="utf-8", errors="replace")[-3000:]


@pytest.fixture
def workers(pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Workers]]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    made: list[Workers] = []

    def make(env: dict[str, str]) -> Workers:
        made.append(Workers({**os.environ, **env}, tmp_path))
        return made[-1]

    yield make
    for w in made:
        w.stop()


def test_three_workers_send_each_text_exactly_once(pg_url: str, workers: Callable[..., Workers]) -> None:
    with sandbox.TwilioEmulator(seed=31) as emu:
        env = settings_env(pg_url, emu)
        app = create_app(load_settings({k: v for k, v in env.items() if k != "NO_PROXY"}), upgrade_db=False)
        emu.transport = sandbox.wsgi_transport(app)  # status callbacks reach the web side, racing the workers
        container = app.extensions["smsflow.container"]
        store: Store = container.store
        pool = workers(env)
        procs = pool.start(WORKERS, "--jobs", "dispatch_outbox,fire_timers", "--rate", "25")

        # All at once, in one transaction, so every worker finds the whole queue due.
        flow, at = container.registry.flows["booking-confirm"], datetime.now(UTC)
        with store.unit_of_work() as uow:
            for n in range(TEXTS):
                fields = lead(n)
                started = start_run(uow, container.registry, flow, obj="Lead", record_id=fields["Id"], fields=fields,
                                    cause="scale", at=at)  # fmt: skip
                assert started.status == "started", started.reason
            uow.commit()

        wait_until(lambda: open_rows(store) == 0, 180, "the workers to empty the outbox")
        assert emu.wait_idle(30)
        pool.stop()
        for p in procs:
            assert p.returncode == 0, pool.errors(p)

        handsets = {phone(n): [t.sid for t in emu.phone(phone(n)).inbox] for n in range(TEXTS)}
        assert [p for p, sids in handsets.items() if len(sids) != 1] == [], "every handset got exactly one text"
        with store.unit_of_work() as uow:
            outbox = Counter(uow.session.scalars(select(Outbox.status)))
            by_worker = Counter(uow.session.scalars(select(Outbox.claimed_by)))
            sids = dict(uow.session.execute(select(Message.action_id, Message.provider_id)).all())
        assert outbox == {"done": TEXTS}, "every outbox row is done"
        assert sorted(sid for sid in sids.values() if sid) == sorted(s for sids in handsets.values() for s in sids), (
            "each text recorded under the SID its handset received"
        )
        assert len(by_worker) > 1, f"the work was spread over the processes: {dict(by_worker)}"
        assert {int(str(c).rsplit(":", 1)[1]) for c in by_worker} <= {p.pid for p in procs}, "claimed_by: host:pid"
        store.dispose()


def open_rows(store: Store) -> int:
    with store.unit_of_work() as uow:
        stmt = select(func.count()).select_from(Outbox).where(Outbox.status.in_(("pending", "claimed")))
        return uow.session.scalar(stmt) or 0


def test_poll_crm_runs_in_one_process_at_a_time_and_moves_on_when_it_dies(
    pg_url: str, workers: Callable[..., Workers], tmp_path: Path
) -> None:
    log = tmp_path / "leader.log"
    with sandbox.TwilioEmulator(seed=32) as emu, salesforce.SalesforceEmulator(manifest=ROOT / "manifest.yaml") as org:
        c = org.credentials
        env = {
            **settings_env(pg_url, emu),
            "SALESFORCE_INSTANCE_URL": org.instance_url,
            "SALESFORCE_CA_BUNDLE": str(org.ca_bundle),
            "SALESFORCE_USERNAME": c.username,
            "SALESFORCE_PASSWORD": c.password,
            "SALESFORCE_SECURITY_TOKEN": c.security_token,
            "SALESFORCE_ORG_ID": org.org_id,
        }
        pool = workers(env)
        first, second = pool.start(2, "--jobs", "poll_crm", "--leader-log", str(log))

        def runs() -> list[tuple[str, int]]:
            lines = log.read_text(encoding="utf-8").split("\n")[:-1] if log.exists() else []  # whole lines only
            return [(what, int(pid)) for what, pid in (line.split() for line in lines)]

        def leaders(since: int = 0) -> set[int]:
            return {pid for what, pid in runs()[since:] if what == "start"}

        wait_until(lambda: len(runs()) >= 40, 120, "twenty runs of poll_crm")
        assert any("/query" in call.path for call in org.api_calls), "the real job ran: it queried the org"
        leader = first if first.pid in leaders() else second
        follower = second if leader is first else first
        leader.kill()  # kill -9: no unlock; PostgreSQL ends its session, and the advisory lock goes with it
        leader.wait(30)
        before = len(runs())
        wait_until(lambda: follower.pid in leaders(before), 60, "the other process to lead")
        pool.stop()
        assert follower.returncode == 0, pool.errors(follower)

    entries = runs()
    # The one run that may never end is the killed process's last: it died holding the lead, and released it so.
    died_leading = max(i for i, (_, pid) in enumerate(entries) if pid == leader.pid)
    holder: tuple[int, int] | None = None  # (pid, where its run started), reading the log in order
    for i, (what, pid) in enumerate(entries):
        if what == "start":
            assert holder is None or holder == (leader.pid, died_leading), f"{pid} started while {holder} ran"
            holder = (pid, i)
        else:
            assert holder is not None and holder[0] == pid, f"{pid} ended a run it was not running"
            holder = None
    assert leaders() == {first.pid, second.pid}
