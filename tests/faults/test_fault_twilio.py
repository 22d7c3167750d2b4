"""Twilio misbehaves end to end: bursts of 500s and 429s, answers slower than the adapter's timeout, and status
callbacks duplicated and out of order on texts that fail too. Each text reaches its handset once, and each ends,
in the store and on its Task in the CRM, at the status Twilio gave it last.

The worker's dispatch job sends through the real adapter (unmodified twilio client) to the emulator on loopback;
the emulator's signed callbacks go into the connector's Flask app; write-back goes through the real Salesforce
adapter to the Salesforce emulator. What tests/e2e/test_sms_flow.py already shows is not repeated here: 429s from
the emulator's own rate limit, and disordered callbacks on three delivered texts.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from connector.crm.salesforce import SalesforceConfig, SalesforceCrm
from connector.ratelimit import Backoff
from connector.sandbox.salesforce import SalesforceEmulator
from connector.sandbox.twilio import TwilioEmulator, wsgi_transport
from connector.sandbox.twilio.store import Filters
from connector.sandbox.zones import zone_at_hour
from connector.services.activities import STATUS_LABELS
from connector.services.runs import start_run
from connector.services.writeback import flush_writebacks
from connector.settings import load_settings
from connector.sms.twilio.adapter import TwilioSms
from connector.store.tables import Outbox
from connector.web import create_app
from connector.worker import Worker, dispatch_outbox

ROOT = Path(__file__).resolve().parents[2]
PUBLIC = "https://connector.example.com"


def daytime_zone(now: datetime) -> str:
    """A zone where it is about 12:00 now, so the contact policy's window is open for hours."""
    return zone_at_hour(now, 12)


def phone(n: int) -> str:
    return f"+1202555{n:04d}"


def lead_fields(n: int, record_id: str | None = None) -> dict[str, Any]:
    return {
        "Id": record_id or f"00Q5e0000{n:06d}AAA",
        "FirstName": f"Lee{n}",
        "LastName": "Fault",
        "Company": "Acme",
        "MobilePhone": phone(n),
        "LeadSource": "Purchased List",
        "Status": "Open - Not Contacted",
        "SMS_Time_Zone__c": daytime_zone(datetime.now(UTC)),
        "OwnerId": "0055e000004TqRzAAK",
        "Owner": {"Name": "Dana Reyes", "FirstName": "Dana", "Phone": "+14155550100"},
    }


@dataclass
class Stack:
    """The Twilio emulator, the connector's app with its hooks, and a worker on the real adapter, on one store."""

    emu: TwilioEmulator
    app: Any
    worker: Worker

    @property
    def store(self) -> Any:
        return self.worker.container.store

    def start(self, *leads: dict[str, Any]) -> list[str]:
        """Start the transactional intro-text flow for each lead; returns the keys of their texts."""
        container = self.worker.container
        flow = container.registry.flows["intro-text"]
        keys = []
        with self.store.unit_of_work() as uow:
            for fields in leads:
                started = start_run(uow, container.registry, flow, obj="Lead", record_id=fields["Id"], fields=fields,
                                    cause="faults", at=datetime.now(UTC))  # fmt: skip
                assert started.step is not None, started.reason
                keys.append(started.step.state.sent[0])
            uow.commit()
        return keys

    def send_all(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while self.open_rows():
            dispatch_outbox(self.worker)
            assert time.monotonic() < deadline, f"texts still unsent after {timeout}s: {self.open_rows()}"
            time.sleep(0.05)

    def open_rows(self) -> list[str]:
        with self.store.unit_of_work() as uow:
            stmt = select(Outbox.idempotency_key).where(Outbox.status.in_(("pending", "claimed")))
            return list(uow.session.scalars(stmt))

    def errors(self, keys: list[str]) -> list[str]:
        with self.store.unit_of_work() as uow:
            return [o.last_error for k in keys if (o := uow.outbox.get(k)) and o.last_error]

    def reconciled(self) -> int:
        with self.store.unit_of_work() as uow:
            return sum(a.action == "send_reconciled" for a in uow.audit.recent(1000))

    def handsets(self, count: int) -> list[int]:
        """How many texts each of the first `count` handsets received, once Twilio has delivered what it will."""
        assert self.emu.wait_idle(10)
        return [len(self.emu.phone(phone(n)).inbox) for n in range(count)]


@pytest.fixture
def emulator() -> Iterator[TwilioEmulator]:
    with TwilioEmulator(seed=31) as emu:
        yield emu


@pytest.fixture
def make_stack(db_url: str, emulator: TwilioEmulator, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")

    def make(*, timeout: float = 10.0, callbacks: bool = True, **env: str) -> Stack:
        settings = load_settings({
            "DATABASE_URL": db_url, "SMSFLOW_PUBLIC_URL": PUBLIC, "TWILIO_ACCOUNT_SID": emulator.account_sid,
            "TWILIO_AUTH_TOKEN": emulator.auth_token, "TWILIO_FROM_NUMBER": emulator.number,
            "TWILIO_API_BASE": emulator.url, "SMSFLOW_FLOWS_DIR": str(ROOT / "flows"),
            "SMSFLOW_MAPPINGS_DIR": str(ROOT / "mappings"), "SMSFLOW_MANIFEST": str(ROOT / "manifest.yaml"), **env,
        })  # fmt: skip
        app = create_app(settings, upgrade_db=False)
        # Status callbacks reach the app's hooks, or are lost like webhooks that timed out.
        emulator.transport = wsgi_transport(app) if callbacks else (lambda *a: 503)
        sms = TwilioSms(
            emulator.account_sid, emulator.auth_token, from_number=emulator.number, api_base=emulator.url,
            timeout=timeout,
        )  # fmt: skip
        container = app.extensions["smsflow.container"]
        worker = Worker.build(container, sms, rate=100.0, backoff=Backoff(base=timedelta(seconds=0.2)))
        return Stack(emulator, app, worker)

    return make


@pytest.mark.parametrize(
    ("burst", "said"),
    [
        pytest.param({"inject": ("500", 6)}, "unavailable", id="a-burst-of-500s"),
        pytest.param({"inject": ("429", 6)}, "throttled", id="a-burst-of-429s"),
        pytest.param({"knobs": {"error_rate": 0.4}}, "unavailable", id="random-500s-on-two-requests-in-five"),
    ],
)
def test_refused_sends_are_retried_and_each_text_arrives_once(make_stack: Any, burst: dict[str, Any], said: str):
    stack = make_stack()
    if "inject" in burst:
        stack.emu.inject(*burst["inject"])
    stack.emu.set_knobs(**burst.get("knobs", {}))
    keys = stack.start(*(lead_fields(n) for n in range(10)))
    stack.send_all()
    assert any(said in error for error in stack.errors(keys)), "the emulator did refuse some sends"
    assert len(stack.emu.store.query(Filters())) == 10, "Twilio created each text once"
    assert stack.handsets(10) == [1] * 10, "each handset got its text once"


@pytest.mark.parametrize("callbacks", [True, False], ids=["callbacks-arrive", "callbacks-lost"])
def test_an_answer_slower_than_the_timeout_is_found_at_twilio_not_sent_again(make_stack: Any, callbacks: bool):
    stack = make_stack(timeout=0.5, callbacks=callbacks)
    stack.emu.set_knobs(slow_seconds=2.0)
    stack.emu.inject("slow", 2)  # Twilio creates these two texts, then answers after the adapter gave up
    keys = stack.start(*(lead_fields(n) for n in range(4)))
    stack.send_all()
    assert any("timed out" in error for error in stack.errors(keys)), "the adapter did time out"
    assert len(stack.emu.store.query(Filters())) == 4, "no text was created twice"
    assert stack.handsets(4) == [1] * 4
    # Either a status callback named the text's key first, or the retry looked it up at Twilio.
    assert stack.reconciled() == (0 if callbacks else 2)
    with stack.store.unit_of_work() as uow:
        sids = {uow.messages.by_action_id(k).provider_id for k in keys}  # type: ignore[union-attr]
    assert sids == {m.sid for m in stack.emu.store.query(Filters())}


@pytest.fixture
def org(monkeypatch: pytest.MonkeyPatch) -> Iterator[SalesforceEmulator]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with SalesforceEmulator(manifest=ROOT / "manifest.yaml") as emu:
        yield emu


def test_duplicated_and_reordered_callbacks_end_each_text_and_its_task_at_twilios_last_word(
    make_stack: Any, org: SalesforceEmulator
) -> None:
    stack = make_stack()
    stack.emu.set_knobs(out_of_order_rate=1.0, duplicate_rate=1.0, undelivered_rate=0.3, failure_rate=0.2,
                        callback_delay=0.01)  # fmt: skip
    owner = org.seed("User", Username="dana@example.com", LastName="Reyes", Alias="dana", Email="d@example.com")
    leads = [org.seed("Lead", LastName="Fault", Company="Acme", MobilePhone=phone(n), OwnerId=owner) for n in range(16)]
    keys = stack.start(*(lead_fields(n, lead) for n, lead in enumerate(leads)))
    crm = SalesforceCrm(SalesforceConfig(instance_url=org.instance_url, session_id=org.session_id,
                                         ca_bundle=org.ca_bundle))  # fmt: skip
    container = stack.worker.container

    def flush() -> None:
        report = flush_writebacks(container.store, container.registry, crm, now=datetime.now(UTC))
        assert report.failed == 0, report.errors

    stack.send_all()
    while not stack.emu.wait_idle(0.05):  # write back while callbacks are still arriving, in any order
        flush()
    flush()

    with stack.store.unit_of_work() as uow:
        texts = [uow.messages.by_action_id(k) for k in keys]
        ours = {t.provider_id: (t.status, [s for s, _, _ in uow.messages.status_history(t.id)]) for t in texts if t}
    twilio = {m.sid: m for m in stack.emu.store.query(Filters())}
    assert set(ours) == set(twilio) and len(twilio) == 16
    assert {m.status for m in twilio.values()} == {"delivered", "undelivered", "failed"}, "the knobs took effect"
    for sid, (status, history) in ours.items():
        assert status == twilio[sid].status, f"{sid} ends at Twilio's final status, not at {status}: {history}"
        assert len(history) == len(set(history)), f"a redelivered callback was recorded twice: {history}"
        assert Counter(d.get("MessageStatus") for d in stack.emu.status_callbacks(sid)).most_common(1)[0][1] == 2
    tasks = {t["SMS_Message_Id__c"]: t for t in org.tasks()}
    assert len(org.tasks()) == 16, "one Task per text"
    assert {sid: t["SMS_Status__c"] for sid, t in tasks.items()} == {
        sid: STATUS_LABELS[m.status] for sid, m in twilio.items()
    }, "each Task shows the text's last status, never an older one that arrived later"
    assert {t["WhoId"] for t in tasks.values()} == set(leads)
