"""CRM write-back: Salesforce API calls per 1,000 texts, with their delivery receipts and replies.

    .venv/bin/python bench/writeback.py [--quick] [--texts 1000] [--replies 0.3] [--record]

Through the real parts on loopback: a campaign queues the promo flow for N stale leads in the Salesforce
emulator; the dispatcher sends through the twilio library to the Twilio emulator, whose signed status callbacks
(sent, delivered) reach the connector under gunicorn; a share of the people reply YES (the flow then creates a
call-back Task and texts again). Write-back (`flush_writebacks`, the worker's job) then puts every text, receipt
and reply on the leads' timelines through simple-salesforce, and the emulator counts the API calls it took.

Baseline: one API call per activity (what a connector without batching spends: a call per text, receipt and
reply), and the figures recorded in bench/baseline.json. Campaign planning's own query calls are not counted.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import _common
from pipeline import afternoon_zone, emulators, free_port, gunicorn, settings_env

TEXTS, QUICK_TEXTS = 1000, 300
REPLY_SHARE = 0.3
STALE = "LastActivityDate < LAST_N_DAYS:180 AND SMS_Marketing_Opt_In__c = true"


def phone(n: int) -> str:
    # Toronto numbers: no US state marketing rule applies, so the flow's own window (10:00-19:00) is the only one.
    return f"+1416{200 + n // 10_000:03d}{n % 10_000:04d}"


def measure(texts: int, reply_share: float) -> dict[str, Any]:
    from sqlalchemy import func, select

    from connector.bootstrap import build
    from connector.services.campaign import create_campaign, run_campaign
    from connector.services.ingest import Ingest
    from connector.services.writeback import flush_writebacks
    from connector.settings import load_settings
    from connector.sms.twilio import build_sms
    from connector.store.tables import Writeback
    from connector.store.tables_policy import PolicyDecisionRow
    from connector.worker import Worker, dispatch_outbox

    with tempfile.TemporaryDirectory() as tmp, _common.database("sqlite", Path(tmp)) as db_url, emulators() as (sf, tw):
        port = free_port()
        env = settings_env(db_url, f"http://127.0.0.1:{port}", sf, tw)
        tw.inbound_url = f"http://127.0.0.1:{port}/hooks/twilio/inbound"
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
        for n in range(texts):
            sf.seed(
                "Lead",
                FirstName=f"Lee{n}",
                LastName=f"Lead {n}",
                Company="Acme",
                MobilePhone=phone(n),
                OwnerId=owner,
                SMS_Marketing_Opt_In__c=True,
                SMS_Time_Zone__c=zone,
                LastActivityDate="2025-01-15",
            )
        container = build(load_settings({k: v for k, v in env.items() if k != "NO_PROXY"}))
        assert container.crm is not None
        store, registry, crm = container.store, container.registry, container.crm
        worker = Worker.build(container, build_sms(container.settings), rate=10_000.0)

        def send_all() -> None:
            while dispatch_outbox(worker):  # until no text is due (a deferred one is not)
                pass
            tw.wait_idle(60)

        with gunicorn(env, port):
            create_campaign(
                store,
                registry,
                campaign_id="bench",
                flow_id="promo-reactivation",
                obj="Lead",
                audience=STALE,
                by="bench",
                at=container.clock(),
            )
            run_campaign(store, Ingest(registry, crm), "bench", clock=container.clock)
            send_all()
            repliers = int(texts * reply_share)
            for n in range(repliers):
                tw.phone(phone(n)).reply("YES")
            tw.wait_idle(60)
            send_all()
            time.sleep(0.5)  # the last callbacks' commits
            sf.reset_api_calls()
            flushes = 0
            while flush_writebacks(store, registry, crm, now=container.clock(), our_number=tw.number).claimed:
                flushes += 1
        calls = Counter(call.path.split("/")[4] if call.path.count("/") >= 4 else call.path for call in sf.api_calls)
        with store.unit_of_work() as uow:
            rows = Counter(
                dict(uow.session.execute(select(Writeback.kind, func.count()).group_by(Writeback.kind)).all())
            )
            failed = uow.session.scalar(select(func.count()).select_from(Writeback).where(Writeback.status != "done"))
            held = Counter(
                r
                for r in uow.session.scalars(
                    select(PolicyDecisionRow.reason).where(PolicyDecisionRow.decision != "send")
                )
            )
        sent = len(tw.store.query(__import__("connector.sandbox.twilio.store", fromlist=["Filters"]).Filters()))
        tasks = len(sf.tasks())
        store.dispose()
    return {
        "texts_out": sent - repliers,
        "replies": repliers,
        "writeback_rows": sum(rows.values()),
        "rows": dict(rows),
        "not_written": failed,
        "api_calls": sum(calls.values()),
        "calls_by_kind": dict(calls),
        "tasks": tasks,
        "flushes": flushes,
        "held": dict(held.most_common(3)),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_TEXTS} texts instead of {TEXTS}")
    parser.add_argument("--texts", type=int)
    parser.add_argument("--replies", type=float, default=REPLY_SHARE, help="share of people who reply YES")
    parser.add_argument("--record", action="store_true", help="keep these figures in bench/baseline.json")
    args = parser.parse_args(argv)
    os.environ["NO_PROXY"] = "127.0.0.1,localhost"
    texts = args.texts or (QUICK_TEXTS if args.quick else TEXTS)
    _common.header(f"CRM write-back: {texts} promo texts, {args.replies:.0%} reply YES, receipts sent+delivered")
    got = measure(texts, args.replies)
    per_1000 = got["api_calls"] * 1000 / max(1, got["texts_out"])
    naive = got["writeback_rows"] * 1000 / max(1, got["texts_out"])
    before = _common.recorded("writeback")
    rows = [
        [
            "batched write-back (this run)",
            got["texts_out"],
            got["replies"],
            got["writeback_rows"],
            got["api_calls"],
            per_1000,
        ],
        [
            "one call per activity (naive)",
            got["texts_out"],
            got["replies"],
            got["writeback_rows"],
            got["writeback_rows"],
            naive,
        ],
        [
            "recorded",
            before.get("texts_out"),
            before.get("replies"),
            before.get("writeback_rows"),
            before.get("api_calls"),
            before.get("calls_per_1000_texts"),
        ],
    ]
    print(
        _common.table(["write-back", "texts", "replies", "queued writes", "API calls", "calls per 1,000 texts"], rows)
    )
    print(
        f"calls by resource: {got['calls_by_kind']}; rows by kind: {got['rows']}; Tasks in the org: {got['tasks']};"
        f" rows not written: {got['not_written']}"
    )
    print(f"texts held by the contact policy (their writes come later): {got['held'] or 'none'}")
    if args.record:
        _common.record(
            "writeback",
            {
                "texts_out": got["texts_out"],
                "replies": got["replies"],
                "writeback_rows": got["writeback_rows"],
                "api_calls": got["api_calls"],
                "calls_per_1000_texts": round(per_1000, 1),
            },
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
