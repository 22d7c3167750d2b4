"""Webhooks: signed Twilio status callbacks per second, p50 and p99, under concurrent load on gunicorn.

    .venv/bin/python bench/webhooks.py [--quick] [--requests 4000] [--concurrency 16] [--backends sqlite] [--record]

The connector's web app runs under gunicorn (`--preload --workers 2 --threads 4`, gthread) on a fresh store
holding one sent text per callback. Client processes (2, each with concurrency/2 threads) POST a signed
`delivered` callback per text, as Twilio would; each is answered only after its status, its history row and its
write-back row are committed, so the figures include durable writes. Each request's latency is measured from
before sending to the end of the answer.

Baseline: the same server and clients on GET /healthz (one SELECT 1, no writes), the ceiling of this server
setup on this machine; and the figures recorded in bench/baseline.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import _common
from pipeline import free_port, gunicorn

REQUESTS, QUICK_REQUESTS = 4000, 1000
CONCURRENCY = 16
CLIENTS = 2
TOKEN = "0" * 31 + "1"
ACCOUNT = "AC" + "0" * 31 + "1"
PUBLIC = "http://127.0.0.1:{port}"


def seed(db_url: str, count: int) -> None:
    """`count` texts the provider accepted (status sent), each with a run-less contact, in one transaction."""
    from connector.store.uow import Store

    store = Store(db_url)
    now = datetime.now(UTC)
    with store.unit_of_work() as uow:
        for n in range(count):
            contact = uow.contacts.get_or_create(f"+1212{200 + n // 10_000:03d}{n % 10_000:04d}", now=now)
            uow.messages.add_outbound(action_id=f"bench-{n}", contact_id=contact.id, body=f"Hi {n}", at=now)
            message = uow.messages.by_action_id(f"bench-{n}")
            assert message is not None
            uow.messages.mark_sent(message.id, provider_id=sid(n), status="sent", at=now)
        uow.commit()
    store.dispose()


def sid(n: int) -> str:
    return f"SM{n:032x}"


def client_main(base: str, path: str, first: int, count: int, threads: int) -> int:
    """POST (or GET) `count` requests from `threads` threads; print the latencies in ms as JSON."""
    import requests

    from connector.sandbox.twilio.signing import signature

    local = __import__("threading").local()

    def one(n: int) -> float:
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        started = time.perf_counter()
        if path == "/healthz":
            answer = session.get(base + path, timeout=30)
        else:
            url = f"{base}{path}"
            form = {"MessageSid": sid(n), "MessageStatus": "delivered", "AccountSid": ACCOUNT, "To": "+12125550100"}
            headers = {
                "X-Twilio-Signature": signature(TOKEN, url, form.items()),
                "I-Twilio-Idempotency-Token": f"bench-{n}",
            }
            answer = session.post(url, data=form, headers=headers, timeout=30)
        if answer.status_code >= 300:
            raise RuntimeError(f"{path} answered {answer.status_code}: {answer.text[:200]}")
        return (time.perf_counter() - started) * 1000

    with ThreadPoolExecutor(threads) as pool:
        latencies = list(pool.map(one, range(first, first + count)))
    print(json.dumps(latencies))
    return 0


def load(base: str, path: str, total: int, concurrency: int) -> dict[str, Any]:
    share = total // CLIENTS
    started = time.perf_counter()
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--client",
                base,
                path,
                str(i * share),
                str(share),
                str(max(1, concurrency // CLIENTS)),
            ],
            stdout=subprocess.PIPE,
            text=True,
            cwd=_common.ROOT,
            env={**os.environ, "NO_PROXY": "127.0.0.1,localhost"},
        )
        for i in range(CLIENTS)
    ]
    latencies: list[float] = []
    for proc in procs:
        out, _ = proc.communicate()
        if proc.returncode:
            raise RuntimeError(f"client failed ({proc.returncode})")
        latencies += json.loads(out.strip().splitlines()[-1])
    seconds = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "requests": len(latencies),
        "seconds": seconds,
        "per_second": len(latencies) / seconds,
        "p50_ms": cuts[49],
        "p99_ms": cuts[98],
    }


def run(backend: str, total: int, concurrency: int) -> tuple[dict[str, Any], dict[str, Any], int]:
    from sqlalchemy import func, select

    from connector.store.tables import MessageStatus
    from connector.store.uow import Store

    with tempfile.TemporaryDirectory() as tmp, _common.database(backend, Path(tmp)) as db_url:
        seed(db_url, total)
        port = free_port()
        env = {
            "DATABASE_URL": db_url,
            "SMSFLOW_PUBLIC_URL": PUBLIC.format(port=port),
            "SMSFLOW_SANDBOX": "true",
            "SMSFLOW_FLOWS_DIR": str(_common.ROOT / "flows"),
            "SMSFLOW_MAPPINGS_DIR": str(_common.ROOT / "mappings"),
            "SMSFLOW_MANIFEST": str(_common.ROOT / "manifest.yaml"),
            "SMSFLOW_LOG_LEVEL": "WARNING",
            "TWILIO_ACCOUNT_SID": ACCOUNT,
            "TWILIO_AUTH_TOKEN": TOKEN,
            "TWILIO_FROM_NUMBER": "+12025550100",
            "SMSFLOW_SECRET_KEY": "bench" * 8,
        }
        base = PUBLIC.format(port=port)
        with gunicorn(env, port):
            ceiling = load(base, "/healthz", total, concurrency)
            hooks = load(base, "/hooks/twilio/status", total, concurrency)
        store = Store(db_url)
        with store.unit_of_work() as uow:
            stored = int(
                uow.session.scalar(
                    select(func.count()).select_from(MessageStatus).where(MessageStatus.status == "delivered")
                )
                or 0
            )
        store.dispose()
    return ceiling, hooks, stored


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_REQUESTS} requests instead of {REQUESTS}")
    parser.add_argument("--requests", type=int)
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY)
    parser.add_argument("--backends", help="sqlite,postgresql (default: both when PostgreSQL answers)")
    parser.add_argument("--record", action="store_true", help="keep these figures in bench/baseline.json")
    parser.add_argument("--client", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.client:
        base, path, first, count, threads = args.client
        return client_main(base, path, int(first), int(count), int(threads))

    total = args.requests or (QUICK_REQUESTS if args.quick else REQUESTS)
    _common.header(f"Webhooks: {total} signed status callbacks, {args.concurrency} concurrent, gunicorn 2x4 gthread")
    before = _common.recorded("webhooks")
    figures: dict[str, Any] = {}
    rows = []
    for backend in _common.backends(args.backends.split(",") if args.backends else None):
        ceiling, hooks, stored = run(backend, total, args.concurrency)
        if stored != hooks["requests"]:
            print(f"  {backend}: {stored} delivered statuses stored for {hooks['requests']} callbacks", file=sys.stderr)
        for name, got in ((f"{backend}/healthz", ceiling), (f"{backend}/status", hooks)):
            old = before.get(name, {})
            figures[name] = {k: round(got[k], 1) for k in ("per_second", "p50_ms", "p99_ms")}
            rows.append(
                [
                    name.replace("/", ": "),
                    got["requests"],
                    got["per_second"],
                    got["p50_ms"],
                    got["p99_ms"],
                    old.get("per_second"),
                    old.get("p50_ms"),
                    old.get("p99_ms"),
                ]
            )
    print(
        _common.table(
            ["endpoint", "requests", "req/s", "p50 ms", "p99 ms", "recorded req/s", "recorded p50", "recorded p99"],
            rows,
        )
    )
    print("healthz: GET, one SELECT 1 (the server's ceiling); status: POST, signed, committed before the answer")
    if args.record:
        _common.record("webhooks", figures)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
