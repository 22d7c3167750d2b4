"""Inbound texts and status callbacks at the service level: the HELP text, and races the hooks can meet.

The hook case tables (tests/sms/twilio/test_hooks_*.py) cover behaviour through HTTP; here are the things HTTP
cannot show: concurrent deliveries of one input, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from connector.services.messages import (
    HELP_TEXT,
    InboundSms,
    StatusOutcome,
    StatusUpdate,
    receive_sms,
    record_status,
)
from connector.services.registry import Registry
from connector.services.runs import start_run
from connector.store.tables import Outbox
from connector.store.uow import Store

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
PHONE = "+12025550143"
SID = "SM" + "a" * 32


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.load(ROOT / "flows", ROOT / "mappings", ROOT / "manifest.yaml")


def start(store: Store, registry: Registry) -> str:
    fields = json.loads((ROOT / "tests/flows/records/lead-booking.json").read_text(encoding="utf-8"))
    fields.pop("attributes")
    with store.unit_of_work() as uow:
        flow = registry.flows["booking-confirm"]
        started = start_run(uow, registry, flow, obj="Lead", record_id=fields["Id"], fields=fields, cause="e", at=T0)
        uow.commit()
    assert started.step is not None
    return started.step.state.sent[0]


def texts_queued(store: Store) -> list[dict[str, Any]]:
    with store.unit_of_work() as uow:
        return [row.payload for row in uow.session.scalars(select(Outbox).order_by(Outbox.id))]


@pytest.mark.parametrize(
    ("given", "body"),
    [pytest.param(None, HELP_TEXT, id="default-help-text-names-the-sender"), pytest.param("Acme: call 555", None,
     id="configured-help-text-is-sent")],
)  # fmt: skip
def test_help_reply_goes_through_the_outbox(store: Store, registry: Registry, given: str | None, body: str | None):
    with store.unit_of_work() as uow:
        sms = InboundSms(SID, PHONE, "HELP")
        outcome = receive_sms(uow, registry, sms, T0, **({"help_text": given} if given else {}))
        uow.commit()
    assert outcome == "help"
    (queued,) = texts_queued(store)
    assert queued["body"] == (body or given)
    assert queued["run_id"] is None
    assert "STOP" in HELP_TEXT and HELP_TEXT.startswith("SMS Flow Connector:")


def test_concurrent_redeliveries_of_one_reply_move_the_run_once(store: Store, registry: Registry) -> None:
    start(store, registry)
    barrier = threading.Barrier(2)

    def deliver(_: int) -> str:
        with store.unit_of_work() as uow:
            barrier.wait()
            outcome = receive_sms(uow, registry, InboundSms(SID, PHONE, "yes"), T0)
            uow.commit()
        return outcome

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(deliver, range(2)))
    assert outcomes == ["duplicate", "reply"]
    assert len(texts_queued(store)) == 2, "the first text and one confirmation, not two"
    with store.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Outbox)) == 2


def _waiting_on_a_lock(store: Store, pid: int) -> bool:
    stmt = text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid AND wait_event_type = 'Lock'")
    with store.engine.connect() as conn:
        return bool(conn.scalar(stmt, {"pid": pid}))


def test_a_status_decided_while_another_is_held_sees_the_newer_one(store: Store, registry: Registry) -> None:
    key = start(store, registry)
    with store.unit_of_work() as uow:
        sent = uow.messages.by_action_id(key)
        assert sent is not None
        uow.messages.mark_sent(sent.id, provider_id=SID, status="queued", at=T0)
        uow.commit()
    postgres = store.engine.dialect.name == "postgresql"
    pid: list[int] = []

    def late_sent() -> StatusOutcome:
        with store.unit_of_work() as uow:
            if postgres:
                pid.append(uow.session.scalar(text("SELECT pg_backend_pid()")))
            outcome = record_status(uow, registry, StatusUpdate(SID, "sent"), T0)
            uow.commit()
            return outcome

    with store.unit_of_work() as first, ThreadPoolExecutor(1) as pool:
        assert record_status(first, registry, StatusUpdate(SID, "delivered"), T0) == "recorded"
        second = pool.submit(late_sent)
        # Commit only once the second is blocked behind this one (PostgreSQL shows it; SQLite queues at BEGIN).
        for _ in range(100):
            if not postgres or (pid and _waiting_on_a_lock(store, pid[0])):
                break
            time.sleep(0.05)
        first.commit()
        assert second.result(timeout=30) == "history_only", "the late sent saw delivered, not a stale queued"
    with store.unit_of_work() as uow:
        text_now = uow.messages.by_provider_id(SID)
        assert text_now is not None and text_now.status == "delivered"
