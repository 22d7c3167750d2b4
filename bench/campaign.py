"""Campaign: plan and queue a promotional flow for 10k, 100k and 1M stale leads; time, and peak memory.

    .venv/bin/python bench/campaign.py [--quick] [--sizes 10000,100000] [--backends sqlite] [--record]

Each (store, size) runs in a fresh subprocess, so its peak RSS (VmHWM) is its own; the growth column is the
peak during the campaign less the process's size once set up (imports, flows, a migrated store). Memory must
stay flat as the audience grows: the campaign holds one CRM page and one batch. Beside it, the growth of merely
loading the same audience into a list, which is what streaming avoids.

The CRM here is a generator behind the CrmPort (`GeneratedCrm`): it makes each lead when the campaign reads it,
2,000 a page as Salesforce pages a query, so the figures are the connector's own (audience filter, start_run,
outbox, commits), not an emulator's. Pipeline and write-back benchmarks go through the real emulators.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import _common

SIZES = (10_000, 100_000, 1_000_000)
QUICK_SIZES = (10_000, 100_000)
PAGE = 2000
AREAS = ("201", "202", "212", "213", "305", "312", "415", "617", "646", "718")
T0 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


class GeneratedCrm:
    """`size` stale, opted-in leads made on the fly, in Id order; `pages` counts the query calls a CRM would bill."""

    def __init__(self, size: int) -> None:
        self.size, self.pages = size, 0

    def stream(
        self, obj: str, fields: Sequence[str], where: Any = None, *, after_id: str | None = None
    ) -> Iterator[dict[str, Any]]:
        start = int(after_id[5:15]) + 1 if after_id else 0
        for n in range(start, self.size):
            if (n - start) % PAGE == 0:
                self.pages += 1
            yield lead(n)


def lead(n: int) -> dict[str, Any]:
    rest = n // len(AREAS)
    phone = f"+1{AREAS[n % len(AREAS)]}{200 + (rest // 10_000) % 800}{rest % 10_000:04d}"
    return {
        "Id": f"00Q5e{n:010d}AAA",
        "FirstName": f"Lee{n % 977}",
        "LastName": f"Lead {n}",
        "Company": "Acme",
        "MobilePhone": phone,
        "Phone": None,
        "OwnerId": "0055e0000000001AAA",
        "Owner": {"Name": "Dana Reyes", "FirstName": "Dana", "Phone": "+14155550100"},
        "SMS_Marketing_Opt_In__c": True,
        "SMS_Opt_Out__c": False,
        "SMS_Time_Zone__c": None,
        "Status": "Open",
        "DoNotCall": False,
        "IsConverted": False,
        "LastActivityDate": "2025-01-15",
        "CreatedDate": "2024-03-01T10:00:00.000+0000",
        "SystemModstamp": "2025-01-15T10:00:00.000+0000",
    }


def _rss_mb() -> float:
    """This process's peak RSS: VmHWM (reset by exec, unlike ru_maxrss, which keeps the forking parent's peak)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def child(backend: str, size: int, mode: str, trace: bool) -> dict[str, Any]:
    """One measurement in this process: the campaign (or, in "naive" mode, the audience loaded into a list)."""
    if mode == "naive":
        before = _rss_mb()
        audience = list(GeneratedCrm(size).stream("Lead", []))
        return {"records": len(audience), "rss_start_mb": before, "rss_peak_mb": _rss_mb()}

    from sqlalchemy import event

    from connector.services.campaign import create_campaign, run_campaign
    from connector.services.ingest import Ingest
    from connector.services.registry import Registry
    from connector.store.uow import Store

    registry = Registry.load(_common.ROOT / "flows", _common.ROOT / "mappings", _common.ROOT / "manifest.yaml")
    with tempfile.TemporaryDirectory() as tmp, _common.database(backend, Path(tmp)) as url:
        store = Store(url)
        statements = [0]
        event.listen(store.engine, "before_cursor_execute", lambda *_: statements.__setitem__(0, statements[0] + 1))
        crm = GeneratedCrm(size)
        ingest = Ingest.from_manifest(registry, crm, _common.ROOT / "manifest.yaml")  # type: ignore[arg-type]
        clock = _Clock()
        create_campaign(
            store,
            registry,
            campaign_id="bench",
            flow_id="promo-reactivation",
            obj="Lead",
            audience="LastActivityDate < LAST_N_DAYS:180",
            by="bench",
            at=clock(),
        )
        before = _rss_mb()
        if trace:
            tracemalloc.start()
        started = time.perf_counter()
        done = run_campaign(store, ingest, "bench", clock=clock)
        seconds = time.perf_counter() - started
        traced = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
        store.dispose()
    return {
        "seconds": seconds,
        "planned": done.planned,
        "started": done.started,
        "status": done.status,
        "pages": crm.pages,
        "statements_per_lead": statements[0] / max(1, done.planned),
        "rss_start_mb": before,
        "rss_peak_mb": _rss_mb(),
        "traced_peak_mb": traced,
    }


class _Clock:
    """Time for the runs' records: T0 plus a microsecond a call, so nothing reads the wall clock."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(microseconds=1)
        return self.now


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="stop at 100k records")
    parser.add_argument("--sizes", help="comma-separated audience sizes (default 10k,100k,1M)")
    parser.add_argument("--backends", help="sqlite,postgresql (default: both when PostgreSQL answers)")
    parser.add_argument("--tracemalloc", action="store_true", help="also trace Python allocations (slower)")
    parser.add_argument("--record", action="store_true", help="keep these figures in bench/baseline.json")
    parser.add_argument("--child", nargs=3, metavar=("BACKEND", "SIZE", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        backend, size, mode = args.child
        print(json.dumps(child(backend, int(size), mode, args.tracemalloc)))
        return 0

    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else list(QUICK_SIZES if args.quick else SIZES)
    _common.header("Campaign: promo-reactivation to N stale leads, plan + queue (a generated CRM; see docstring)")
    before = _common.recorded("campaign")
    figures: dict[str, Any] = {}
    rows = []
    naive = {size: _common.run_child([__file__, "--child", "none", str(size), "naive"]) for size in sizes}
    extra = ["--tracemalloc"] if args.tracemalloc else []
    for backend in _common.backends(args.backends.split(",") if args.backends else None):
        for size in sizes:
            got = _common.run_child([__file__, "--child", backend, str(size), "campaign", *extra])
            growth = got["rss_peak_mb"] - got["rss_start_mb"]
            key, rate = f"{backend}/{size}", got["planned"] / got["seconds"]
            figures[key] = {
                "seconds": round(got["seconds"], 1),
                "per_second": round(rate),
                "growth_mb": round(growth, 1),
                "peak_rss_mb": round(got["rss_peak_mb"], 1),
            }
            old, load = before.get(key, {}), naive[size]["rss_peak_mb"] - naive[size]["rss_start_mb"]
            rows.append(
                [
                    backend,
                    size,
                    got["seconds"],
                    rate,
                    got["pages"],
                    got["statements_per_lead"],
                    got["rss_peak_mb"],
                    growth,
                    got["traced_peak_mb"],
                    load,
                    old.get("seconds"),
                    old.get("growth_mb"),
                ]
            )
            print(f"  {key}: {got['started']:,} runs queued in {got['seconds']:.1f} s", file=sys.stderr)
    headers = [
        "store",
        "leads",
        "seconds",
        "leads/s",
        "pages",
        "SQL/lead",
        "peak RSS MB",
        "growth MB",
        "traced MB",
        "list-load MB",
        "recorded s",
        "recorded growth MB",
    ]
    print(_common.table(headers, rows))
    print("growth: peak RSS during the campaign less the set-up process; list-load: the same audience in a list")
    if args.record:
        _common.record("campaign", figures)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
