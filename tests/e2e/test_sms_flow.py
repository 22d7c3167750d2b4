"""End to end through the unmodified twilio client and the Twilio emulator on loopback: the connector's SMS side.

The worker's jobs send through the real adapter (TwilioSms) to the emulator; the emulator's status callbacks and
handset replies are signed and POSTed into the connector's Flask app, whose hooks write to the same store.
Real time runs here (the emulator's rate limit is per wall-clock second), so waits are bounded polls.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sms_worker import PUBLIC, settings_env
from sqlalchemy import select

from connector.ratelimit import Backoff
from connector.sandbox.zones import zone_at_hour
from connector.services.messages import queue_text
from connector.services.runs import Started, start_run
from connector.settings import load_settings
from connector.sms.twilio.adapter import TwilioSms
from connector.sms.twilio.statuses import rank
from connector.store.tables import Outbox
from connector.web import create_app
from connector.worker import Worker, dispatch_outbox

sandbox = pytest.importorskip("connector.sandbox.twilio")
ROOT = Path(__file__).resolve().parents[2]
PHONE = "+12025550143"  # the lead's MobilePhone in tests/flows/records/lead-booking.json


def daytime_zone(now: datetime) -> str:
    """A zone where it is about 12:00 now, so the contact policy's window is open for hours."""
    return zone_at_hour(now, 12)


def lead_fields(record_id: str = "00Q5e00000Hk7PbEAJ", **changes: Any) -> dict[str, Any]:
    """The booking lead of tests/flows/records, in a zone where it is daytime now."""
    fields = json.loads((ROOT / "tests/flows/records/lead-booking.json").read_text(encoding="utf-8"))
    fields.pop("attributes")
    fields.update(Id=record_id, SMS_Time_Zone__c=daytime_zone(datetime.now(UTC)), **changes)
    return fields


@dataclass
class Stack:
    """The emulator, the connector app with its hooks, and a worker on the real adapter, all on one store."""

    emu: Any
    app: Any
    worker: Worker

    @property
    def store(self) -> Any:
        return self.worker.container.store

    def start(self, record_id: str = "00Q5e00000Hk7PbEAJ", **changes: Any) -> Started:
        fields = lead_fields(record_id, **changes)
        container = self.worker.container
        at = datetime.now(UTC)
        with self.store.unit_of_work() as uow:
            flow = container.registry.flows["booking-confirm"]
            started = start_run(uow, container.registry, flow, obj="Lead", record_id=record_id, fields=fields,
                                cause="e2e", at=at)  # fmt: skip
            uow.commit()
        return started

    def send_all(self, timeout: float = 30.0) -> int:
        """Run the dispatch job until no text is pending or claimed (bounded); returns how many passes it took."""
        deadline = time.monotonic() + timeout
        for passes in range(1, 10_000):
            dispatch_outbox(self.worker)
            if not self.open_rows():
                return passes
            assert time.monotonic() < deadline, f"texts still unsent after {timeout}s: {self.open_rows()}"
            time.sleep(0.05)
        raise AssertionError("unreachable")

    def open_rows(self) -> list[str]:
        with self.store.unit_of_work() as uow:
            stmt = select(Outbox.idempotency_key).where(Outbox.status.in_(("pending", "claimed")))
            return list(uow.session.scalars(stmt))

    def text(self, key: str) -> tuple[str, str | None, list[str]]:
        """(status, provider id, status history) of the text sent under `key`."""
        with self.store.unit_of_work() as uow:
            found = uow.messages.by_action_id(key)
            assert found is not None
            return found.status, found.provider_id, [s for s, _, _ in uow.messages.status_history(found.id)]

    def run(self, run_id: str) -> tuple[str, str | None]:
        with self.store.unit_of_work() as uow:
            state = uow.runs.get(run_id)
        assert state is not None
        return state.status, state.ended_reason

    def opted_out(self, phone: str = PHONE) -> bool:
        with self.store.unit_of_work() as uow:
            contact = uow.contacts.by_phone(phone)
        return bool(contact and contact.opted_out)


@pytest.fixture
def emulator() -> Iterator[Any]:
    with sandbox.TwilioEmulator(seed=11) as emu:
        yield emu


@pytest.fixture
def make_stack(db_url: str, emulator: Any, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Stack]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")

    def make(**worker_options: Any) -> Stack:
        settings = load_settings({k: v for k, v in settings_env(db_url, emulator).items() if k != "NO_PROXY"})
        app = create_app(settings, upgrade_db=False)
        emulator.transport = sandbox.wsgi_transport(app)
        emulator.inbound_url = f"{PUBLIC}/hooks/twilio/inbound"
        sms = TwilioSms(emulator.account_sid, emulator.auth_token, from_number=emulator.number, api_base=emulator.url)
        options = {"rate": 50.0, "backoff": Backoff(base=timedelta(seconds=0.2)), **worker_options}
        return Stack(emulator, app, Worker.build(app.extensions["smsflow.container"], sms, **options))

    return make


def sent_key(started: Started) -> str:
    assert started.step is not None, started.reason
    return started.step.state.sent[0]


def in_order(history: list[str]) -> bool:
    ranks = [rank(s) for s in history]
    return all(r is not None for r in ranks) and ranks == sorted(ranks)  # type: ignore[type-var]


def test_a_text_is_sent_and_its_callbacks_move_it_to_delivered(make_stack: Callable[..., Stack]) -> None:
    stack = make_stack()
    key = sent_key(stack.start())
    stack.send_all()
    assert stack.emu.wait_idle(10)
    status, sid, history = stack.text(key)
    assert status == "delivered" and sid is not None
    # With no callback delay the first callback may beat the dispatcher's commit: then it, matched by the key
    # on its URL, records the SID, and the dispatcher's older "queued" is not recorded at all.
    assert history[:2] == ["pending", "in_flight"] and history[-1] == "delivered"
    assert in_order(history), history
    assert [t.sid for t in stack.emu.phone(PHONE).inbox] == [sid], "the handset got it once"
    assert {d.status for d in stack.emu.status_callbacks(sid)} == {204}


def test_callbacks_out_of_order_and_twice_never_move_a_text_back(make_stack: Callable[..., Stack]) -> None:
    stack = make_stack()
    stack.emu.set_knobs(out_of_order_rate=1.0, duplicate_rate=1.0)
    keys = [sent_key(stack.start(f"00Q5e00000Hk7P{n}EAJ", MobilePhone=f"+1202555014{n}")) for n in range(3)]
    stack.send_all()
    assert stack.emu.wait_idle(10)
    for key in keys:
        status, sid, history = stack.text(key)
        assert status == "delivered", history
        assert len(history) == len(set(history)), f"a redelivered callback was recorded twice: {history}"
        callbacks = stack.emu.status_callbacks(sid)
        assert len(callbacks) > len(set(history) - {"pending", "in_flight", "queued"}), "duplicates were sent"
    assert not all(in_order(stack.text(k)[2]) for k in keys), "some callbacks really came out of order"


def test_a_forged_webhook_is_refused_and_changes_nothing(make_stack: Callable[..., Stack]) -> None:
    stack = make_stack()
    started = stack.start()
    stack.send_all()
    with sandbox.TwilioEmulator(seed=12) as forger:  # same wire format, another auth token
        forger.transport, forger.inbound_url = stack.emu.transport, stack.emu.inbound_url
        assert forger.phone(PHONE).reply("YES", to=stack.emu.number).status == 403
    assert started.run_id is not None and stack.run(started.run_id) == ("waiting", None)
    assert stack.emu.phone(PHONE).reply("YES").status == 200, "the genuine reply still goes through"
    assert stack.run(started.run_id) == ("ended", "end")


def test_an_inbound_reply_reaches_its_run_and_the_answer_is_sent(make_stack: Callable[..., Stack]) -> None:
    stack = make_stack()
    started = stack.start()
    stack.send_all()
    handset = stack.emu.phone(PHONE)
    assert len(handset.wait_for_texts(1)) == 1
    assert handset.reply("Yes").status == 200
    assert started.run_id is not None and stack.run(started.run_id) == ("ended", "end")
    stack.send_all()
    texts = handset.wait_for_texts(2)
    assert len(texts) == 2 and texts[1].body.startswith("Thanks Ben, see you on")


def test_stop_blocks_every_later_send(make_stack: Callable[..., Stack]) -> None:
    stack = make_stack()
    started = stack.start()
    stack.send_all()
    handset = stack.emu.phone(PHONE)
    handset.wait_for_texts(1)
    assert handset.reply("STOP").status == 200
    assert stack.opted_out() and handset.opted_out
    assert started.run_id is not None and stack.run(started.run_id) == ("ended", "opted_out")
    assert stack.start("00Q5e00000Hk7PcEAJ").status == "opted_out", "no new flow starts"
    with stack.store.unit_of_work() as uow:  # a text no run sent, queued after STOP
        contact = uow.contacts.by_phone(PHONE)
        assert contact is not None
        queue_text(uow, contact.id, "manual:1", "Still there?", datetime.now(UTC))
        uow.commit()
    stack.send_all()
    assert stack.text("manual:1")[0] == "failed"
    assert stack.emu.wait_idle(10) and len(handset.inbox) == 1, "nothing reached the handset after STOP"
    assert not [m for m in stack.emu.store.query(sandbox_filters(to=PHONE)) if m.body == "Still there?"]


@pytest.mark.parametrize("mode", ["refuse", "callback"], ids=["21610-at-create", "21610-by-status-callback"])
def test_an_opt_out_only_twilio_knew_of_is_learnt_and_ends_the_run(make_stack: Callable[..., Stack], mode: str):
    stack = make_stack()
    stack.emu.set_knobs(opt_out_mode=mode)
    stack.emu.phone(PHONE).opted_out = True  # STOP reached Twilio but never us (say, our hook was down)
    started = stack.start()
    stack.send_all()
    assert stack.emu.wait_idle(10)
    assert stack.opted_out(), "the contact is opted out"
    assert started.run_id is not None and stack.run(started.run_id) == ("ended", "opted_out")
    assert stack.emu.phone(PHONE).inbox == []


def test_429s_are_absorbed_by_the_limiter_and_retries(make_stack: Callable[..., Stack]) -> None:
    stack = make_stack(rate=40.0)
    stack.emu.set_knobs(max_per_second=3)
    keys = queue_many(stack, 8)
    stack.send_all(timeout=60)
    with stack.store.unit_of_work() as uow:
        throttled = [o.last_error for k in keys if (o := uow.outbox.get(k)) and o.last_error]
    assert any("throttled" in (e or "") for e in throttled), "the emulator did answer 429"
    assert all(stack.text(k)[1] for k in keys), "every text was sent in the end"
    assert len(stack.emu.store.query(sandbox_filters())) == 8, "each exactly once"
    assert stack.worker.dispatcher.limiter.pace(stack.worker.dispatcher.sender) < 40.0, "the pace came down"


def test_a_campaign_paced_below_the_limit_never_sees_a_429(make_stack: Callable[..., Stack]) -> None:
    stack = make_stack(rate=2.0)
    stack.emu.set_knobs(max_per_second=5)
    keys = queue_many(stack, 6)
    stack.send_all(timeout=60)
    with stack.store.unit_of_work() as uow:
        assert [uow.outbox.get(k).last_error for k in keys] == [None] * 6  # type: ignore[union-attr]
    assert len(stack.emu.store.query(sandbox_filters())) == 6


def queue_many(stack: Stack, n: int) -> list[str]:
    keys = [f"campaign:{i}" for i in range(n)]
    with stack.store.unit_of_work() as uow:
        for i, key in enumerate(keys):
            contact = uow.contacts.get_or_create(f"+1202555015{i}", now=datetime.now(UTC))
            queue_text(uow, contact.id, key, f"Spring offer {i}", datetime.now(UTC))
        uow.commit()
    return keys


def sandbox_filters(**kw: Any) -> Any:
    from connector.sandbox.twilio.store import Filters

    return Filters(**kw)
