"""Pipeline: CRM change events in, texts accepted by Twilio out, end to end, per second; 1 and 2 workers.

    .venv/bin/python bench/pipeline.py [--quick] [--leads 400] [--backends sqlite] [--record]

Everything runs as in production, on loopback: the Salesforce emulator sends an Outbound Message per new web lead
to the connector's web app under gunicorn (2 workers); `smsflow worker`-style processes (1 or 2) process the
stored events (reading each lead back through simple-salesforce), start the intro-text flow and send through the
twilio library to the Twilio emulator, whose status callbacks come back to gunicorn and are stored. The clock
starts before the first lead is created and stops when the emulator has accepted the last text.

Ceiling: the Twilio emulator alone, taking the same number of texts from the production SMS adapter in 1 and 2
client processes, with no connector in between. The worker's send rate limit is lifted for the run; quiet hours
are met by giving each lead a time zone where it is afternoon.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import _common

from connector.sandbox.zones import zone_at_hour

LEADS, QUICK_LEADS = 1000, 200
SECRET = "bench-callout-secret-0123456789abcdef"
WORKER_RATE = 10_000.0  # texts per second per sender: no limit, for a throughput figure


def afternoon_zone(now: datetime) -> str:
    """A zone where it is about 14:00 now, so the contact policy's window is open for hours."""
    return zone_at_hour(now, 14)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def settings_env(db_url: str, public_url: str, sf: Any, tw: Any) -> dict[str, str]:
    return {
        "DATABASE_URL": db_url,
        "SMSFLOW_PUBLIC_URL": public_url,
        "SMSFLOW_SANDBOX": "true",
        "SMSFLOW_FLOWS_DIR": str(_common.ROOT / "flows"),
        "SMSFLOW_MAPPINGS_DIR": str(_common.ROOT / "mappings"),
        "SMSFLOW_MANIFEST": str(_common.ROOT / "manifest.yaml"),
        "SMSFLOW_CALLOUT_SECRET": SECRET,
        "SMSFLOW_LOG_LEVEL": "WARNING",
        "SMSFLOW_SECRET_KEY": "bench" * 8,
        "TWILIO_ACCOUNT_SID": tw.account_sid,
        "TWILIO_AUTH_TOKEN": tw.auth_token,
        "TWILIO_FROM_NUMBER": tw.number,
        "TWILIO_API_BASE": tw.url,
        "SALESFORCE_INSTANCE_URL": sf.instance_url,
        "SALESFORCE_SESSION_ID": sf.session_id,
        "SALESFORCE_CA_BUNDLE": str(sf.ca_bundle),
        "SALESFORCE_ORG_ID": sf.org_id,
        "NO_PROXY": "127.0.0.1,localhost",
    }


@contextmanager
def gunicorn(env: dict[str, str], port: int, workers: int = 2) -> Any:
    """The web app under gunicorn on loopback, until the block ends."""
    cmd = [
        str(Path(sys.executable).with_name("gunicorn")),
        "--preload",
        "--workers",
        str(workers),
        "--threads",
        "4",
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "app:app",
    ]
    proc = subprocess.Popen(cmd, cwd=_common.ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL)
    try:
        _wait_http(f"http://127.0.0.1:{port}/healthz", proc)
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _wait_http(url: str, proc: subprocess.Popen[Any], timeout: float = 60.0) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer in {timeout:.0f} s")


def worker_main(processes: int) -> int:
    """One worker process: process events and dispatch the outbox in a tight loop until SIGTERM."""
    from connector.bootstrap import build
    from connector.settings import load_settings
    from connector.sms.twilio import build_sms
    from connector.worker import Worker, dispatch_outbox, process_events

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    container = build(load_settings())
    worker = Worker.build(container, build_sms(container.settings), stop=stop, rate=WORKER_RATE, processes=processes)
    while not stop.is_set():
        busy = process_events(worker) + dispatch_outbox(worker)
        if not busy:
            stop.wait(0.02)
    container.store.dispose()
    return 0


def sender_main(count: int, offset: int) -> int:
    """The ceiling's client: `count` texts through the production SMS adapter, one after another."""
    from connector.settings import load_settings
    from connector.sms.port import OutboundSms
    from connector.sms.twilio import build_sms

    sms = build_sms(load_settings())
    for n in range(count):
        sms.send(
            OutboundSms(
                f"+1212{200 + (offset + n) // 10_000:03d}{(offset + n) % 10_000:04d}",
                f"Hi Lee, thanks for contacting Acme Homes. Text {n}.",
                f"bench-{offset + n}",
            )
        )
    return 0


def accepted(tw: Any) -> int:
    from connector.sandbox.twilio.store import Filters

    return len(tw.store.query(Filters()))


@contextmanager
def emulators() -> Any:
    from connector.sandbox.salesforce import RetryPolicy, SalesforceEmulator
    from connector.sandbox.twilio import TwilioEmulator

    os.environ["NO_PROXY"] = "127.0.0.1,localhost"
    retry = RetryPolicy(base=0.2, cap=2.0, give_up_after=3600.0, timeout=30.0)
    with ExitStack() as stack:
        sf = stack.enter_context(SalesforceEmulator(manifest=_common.ROOT / "manifest.yaml", retry=retry))
        tw = stack.enter_context(TwilioEmulator(seed=7))
        yield sf, tw


def pipeline(backend: str, workers: int, leads: int, timeout: float) -> dict[str, Any]:
    """One end-to-end run on a fresh store: seconds from the first lead to the last accepted text."""
    from connector.crm.salesforce.ingest import outbound_message_key

    with tempfile.TemporaryDirectory() as tmp, _common.database(backend, Path(tmp)) as db_url, emulators() as (sf, tw):
        port = free_port()
        public = f"http://127.0.0.1:{port}"
        env = settings_env(db_url, public, sf, tw)
        with gunicorn(env, port):
            sf.deliveries.add_outbound_message(
                "Lead",
                f"{public}/hooks/salesforce/outbound-message?key={outbound_message_key(SECRET)}",
                on=("created",),
            )
            procs = [
                subprocess.Popen(
                    [sys.executable, __file__, "--worker", str(workers)], cwd=_common.ROOT, env={**os.environ, **env}
                )
                for _ in range(workers)
            ]
            try:
                owner = sf.seed(
                    "User",
                    Username="dana@example.com",
                    FirstName="Dana",
                    LastName="Reyes",
                    Alias="dana",
                    Email="dana@example.com",
                    Phone="+14155550100",
                )
                zone = afternoon_zone(datetime.now(UTC))
                time.sleep(1.0)  # workers up
                started = time.perf_counter()
                for n in range(leads):
                    sf.seed(
                        "Lead",
                        FirstName=f"Lee{n}",
                        LastName=f"Lead {n}",
                        Company="Home owner",
                        LeadSource="Web",
                        MobilePhone=f"+1212{200 + n // 10_000:03d}{n % 10_000:04d}",
                        OwnerId=owner,
                        SMS_Time_Zone__c=zone,
                    )
                deadline = started + timeout
                while accepted(tw) < leads and time.perf_counter() < deadline:
                    time.sleep(0.05)
                seconds, done = time.perf_counter() - started, accepted(tw)
                tw.wait_idle(60)  # the last status callbacks, before the web app stops (not timed)
            finally:
                for proc in procs:
                    proc.send_signal(signal.SIGTERM)
                for proc in procs:
                    proc.wait(timeout=30)
    return {"seconds": seconds, "texts": done, "per_second": done / seconds}


def ceiling(clients: int, texts: int) -> dict[str, Any]:
    """The Twilio emulator alone: `texts` creates from `clients` processes through the production adapter."""
    with emulators() as (sf, tw):
        env = settings_env("sqlite://", "http://127.0.0.1:9", sf, tw)
        share = texts // clients
        started = time.perf_counter()
        procs = [
            subprocess.Popen(
                [sys.executable, __file__, "--send", str(share), str(i * share)],
                cwd=_common.ROOT,
                env={**os.environ, **env},
            )
            for i in range(clients)
        ]
        for proc in procs:
            proc.wait()
        seconds = time.perf_counter() - started
        done = accepted(tw)
    return {"seconds": seconds, "texts": done, "per_second": done / seconds}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_LEADS} leads instead of {LEADS}")
    parser.add_argument("--leads", type=int)
    parser.add_argument("--backends", help="sqlite,postgresql (default: both when PostgreSQL answers)")
    parser.add_argument("--record", action="store_true", help="keep these figures in bench/baseline.json")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--send", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker_main(args.worker)
    if args.send:
        return sender_main(*args.send)

    leads = args.leads or (QUICK_LEADS if args.quick else LEADS)
    _common.header(f"Pipeline: {leads} new web leads -> Outbound Messages -> intro texts accepted by Twilio")
    before = _common.recorded("pipeline")
    figures: dict[str, Any] = {}
    rows = []
    for clients in (1, 2):
        got = ceiling(clients, leads)
        key = f"ceiling/{clients}"
        figures[key] = {"per_second": round(got["per_second"], 1)}
        rows.append(
            [
                "Twilio emulator alone",
                f"{clients} client(s)",
                got["texts"],
                got["seconds"],
                got["per_second"],
                before.get(key, {}).get("per_second"),
            ]
        )
    for backend in _common.backends(args.backends.split(",") if args.backends else None):
        for workers in (1, 2):
            got = pipeline(backend, workers, leads, timeout=max(120.0, leads * 0.5))
            key = f"{backend}/{workers}"
            figures[key] = {"per_second": round(got["per_second"], 1), "texts": got["texts"]}
            rows.append(
                [
                    f"end to end, {backend}",
                    f"{workers} worker(s)",
                    got["texts"],
                    got["seconds"],
                    got["per_second"],
                    before.get(key, {}).get("per_second"),
                ]
            )
            print(f"  {key}: {got['texts']} texts in {got['seconds']:.1f} s", file=sys.stderr)
    print(_common.table(["path", "processes", "texts", "seconds", "texts/s", "recorded texts/s"], rows))
    if args.record:
        _common.record("pipeline", figures)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
