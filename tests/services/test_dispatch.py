"""The outbox dispatcher on FakeSms: sends once, retries what may pass later, fails what never will, survives crashes.

Runs on SQLite always and on PostgreSQL when SMSFLOW_TEST_DATABASE_URL is set (the `store` fixture). Time is a
FakeClock: the dispatcher's waits move it, so no test sleeps or reads the wall clock.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from connector.ratelimit import Backoff, RateLimiter
from connector.services.dispatch import Dispatcher, Report
from connector.services.messages import StatusUpdate, queue_text, record_status
from connector.services.registry import Registry
from connector.services.runs import Started, start_run
from connector.sms.fake import FakeSms
from connector.sms.port import OutboundSms, SendError, SendResult, SentMessage
from connector.store.records import MessageRecord, OutboxItem
from connector.store.uow import Store

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
PHONE = "+12025550143"
PUBLIC = "https://connector.example.com"


@dataclass
class FakeClock:
    """The dispatcher's clock, monotonic clock and sleep in one: sleeping moves time on."""

    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now

    def monotonic(self) -> float:
        return (self.now - T0).total_seconds()

    def sleep(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class ClockedSms(FakeSms):
    """FakeSms whose listed messages carry the test clock's time, and which notes when each send happened."""

    clock: FakeClock = field(default_factory=FakeClock)
    sent_at: list[datetime] = field(default_factory=list)
    lookups: int = 0

    def send(self, msg: OutboundSms) -> SendResult:
        result = super().send(msg)
        self._listed[-1] = replace(self._listed[-1], created_at=self.clock())
        self.sent_at.append(self.clock())
        return result

    def find_sent(self, to: str, body: str, since: datetime) -> list[SentMessage]:
        self.lookups += 1
        return super().find_sent(to, body, since)


class Crash(BaseException):
    """The process dies: not an Exception, so nothing in the dispatcher catches it."""


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.load(ROOT / "flows", ROOT / "mappings", ROOT / "manifest.yaml")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sms(clock: FakeClock) -> ClockedSms:
    return ClockedSms(clock=clock)


def lead(**changes: Any) -> dict[str, Any]:
    fields = json.loads((ROOT / "tests/flows/records/lead-booking.json").read_text(encoding="utf-8"))
    fields.pop("attributes")
    return {**fields, **changes}


def start_booking(store: Store, registry: Registry, record_id: str, at: datetime = T0, **changes: Any) -> Started:
    fields = lead(Id=record_id, **changes)
    flow = registry.flows["booking-confirm"]
    with store.unit_of_work() as uow:
        started = start_run(uow, registry, flow, obj="Lead", record_id=record_id, fields=fields, cause="evt", at=at)
        uow.commit()
    return started


def start(store: Store, registry: Registry, record_id: str = "00Q5e00000Hk7PbEAJ", **changes: Any) -> str:
    """Start the booking flow for a lead; returns the key of the text it queued."""
    started = start_booking(store, registry, record_id, **changes)
    assert started.step is not None, started.reason
    return started.step.state.sent[0]


def make(store: Store, registry: Registry, sms: ClockedSms, clock: FakeClock, **kw: Any) -> Dispatcher:
    options: dict[str, Any] = {
        "limiter": RateLimiter(1000, clock=clock.monotonic),
        "clock": clock,
        "sleep": clock.sleep,
        "random": lambda: 0.5,  # jitter at its midpoint: delays are exactly base·2^(n-1)
        "callback_url": lambda key: f"{PUBLIC}/hooks/twilio/status?k={key}",
        "worker_id": "worker-a",
        **kw,
    }
    return Dispatcher(store, registry, sms, **options)


def message(store: Store, key: str) -> MessageRecord:
    with store.unit_of_work() as uow:
        found = uow.messages.by_action_id(key)
    assert found is not None
    return found


def outbox(store: Store, key: str) -> OutboxItem:
    with store.unit_of_work() as uow:
        found = uow.outbox.get(key)
    assert found is not None
    return found


def history(store: Store, key: str) -> list[str]:
    with store.unit_of_work() as uow:
        return [status for status, _, _ in uow.messages.status_history(message(store, key).id)]


def run_state(store: Store, key: str) -> tuple[str, str | None]:
    with store.unit_of_work() as uow:
        state = uow.runs.get(key.split(":", 1)[0])
    assert state is not None
    return state.status, state.ended_reason


def opted_out(store: Store, phone: str = PHONE) -> tuple[bool, list[str]]:
    with store.unit_of_work() as uow:
        contact = uow.contacts.by_phone(phone)
        assert contact is not None
        history = uow.contacts.consent_history(contact.id)
        return contact.opted_out, [c.source for c in history if c.category == "all"]  # the STOP/START flag


def test_a_due_text_is_sent_once_and_recorded(store: Store, registry: Registry, sms: ClockedSms, clock: FakeClock):
    key = start(store, registry)
    dispatcher = make(store, registry, sms, clock)
    assert dispatcher.run_once() == Report(claimed=1, sent=1)
    assert dispatcher.run_once() == Report(), "nothing is due any more"
    assert [m.key for m in sms.sent] == [key]
    assert sms.sent[0].to == PHONE
    assert sms.sent[0].status_callback == f"{PUBLIC}/hooks/twilio/status?k={key}", "the callback names the key"
    sent = message(store, key)
    assert (sent.provider_id, sent.status, sent.segments, sent.encoding) == (f"SM{1:032x}", "queued", 1, "GSM-7")
    assert history(store, key) == ["pending", "in_flight", "queued"]
    assert outbox(store, key).status == "done"


@pytest.mark.parametrize(
    ("error", "in_doubt"),
    [
        pytest.param(SendError("throttled", True, "429", "20429"), False, id="throttled-retries-after-5s"),
        pytest.param(SendError("unavailable", True, "HTTP 503"), True, id="unavailable-retries-after-5s-reconciling"),
        pytest.param(SendError("auth", False, "HTTP 401", "20003"), False, id="auth-retries-until-an-admin-fixes-it"),
    ],
)
def test_transient_errors_retry_with_backoff(
    store: Store, registry: Registry, sms: ClockedSms, clock: FakeClock, error: SendError, in_doubt: bool
) -> None:
    key = start(store, registry)
    sms.fail_next = [error]
    dispatcher = make(store, registry, sms, clock)
    assert dispatcher.run_once() == Report(claimed=1, retried=1)
    row = outbox(store, key)
    assert (row.status, row.next_attempt_at) == ("pending", T0 + timedelta(seconds=5))
    assert message(store, key).status == ("in_flight" if in_doubt else "pending"), "in flight only if it may exist"
    clock.sleep(4.9)
    assert dispatcher.run_once().claimed == 0, "not before the backoff has passed"
    clock.sleep(0.1)
    assert dispatcher.run_once() == Report(claimed=1, sent=1)
    assert len(sms.sent) == 1
    assert sms.lookups == (1 if in_doubt else 0), "a send in doubt is looked up before it is sent again"
    assert run_state(store, key) == ("waiting", None)


@pytest.mark.parametrize(
    ("attempt", "rand", "seconds"),
    [
        pytest.param(1, 0.5, 5, id="first-retry-after-5s"),
        pytest.param(2, 0.5, 10, id="second-after-10s"),
        pytest.param(8, 0.5, 640, id="eighth-after-640s"),
        pytest.param(9, 0.5, 900, id="ninth-capped-at-15min"),
        pytest.param(40, 0.5, 900, id="huge-attempt-still-capped"),
        pytest.param(1, 0.0, 3.75, id="jitter-takes-up-to-a-quarter-off"),
        pytest.param(3, 1.0, 25, id="jitter-adds-up-to-a-quarter"),
        pytest.param(9, 1.0, 900, id="jitter-never-passes-the-cap"),
    ],
)
def test_backoff_doubles_with_jitter_up_to_the_cap(attempt: int, rand: float, seconds: float) -> None:
    assert Backoff().delay(attempt, rand) == timedelta(seconds=seconds)


def test_transient_errors_give_up_after_max_attempts(
    store: Store, registry: Registry, sms: ClockedSms, clock: FakeClock
) -> None:
    key = start(store, registry)
    sms.fail_next = [SendError("throttled", True, "429", "20429")] * 3
    dispatcher = make(store, registry, sms, clock, backoff=Backoff(max_attempts=3))
    reports = []
    for _ in range(3):
        reports.append(dispatcher.run_once())
        clock.sleep(3600)
    assert [(r.retried, r.failed) for r in reports] == [(1, 0), (1, 0), (0, 1)]
    assert outbox(store, key).status == "failed"
    assert (message(store, key).status, message(store, key).error_code) == ("failed", "20429")
    assert run_state(store, key) == ("ended", "delivery_failed"), "the run is told the text failed"
    assert sms.sent == []


@pytest.mark.parametrize(
    ("error", "run_end", "contact_flag"),
    [
        pytest.param(
            SendError("opted_out", False, "21610", "21610"), "opted_out", ["provider"], id="21610-opts-out-and-ends-run"
        ),
        pytest.param(
            SendError("invalid_number", False, "21211", "21211"),
            "delivery_failed",
            ["invalid_number"],
            id="invalid-number-blocks-the-contact-for-every-flow",
        ),
        pytest.param(SendError("rejected", False, "21602", "21602"), "delivery_failed", [], id="rejected-fails-only"),
        pytest.param(SendError("unreachable", False, "30003", "30003"), "delivery_failed", [], id="unreachable-fails"),
    ],
)
def test_permanent_errors_fail_tell_the_run_and_flag_the_contact(
    store: Store,
    registry: Registry,
    sms: ClockedSms,
    clock: FakeClock,
    error: SendError,
    run_end: str,
    contact_flag: list[str],
) -> None:
    key = start(store, registry)
    sms.fail_next = [error]
    assert make(store, registry, sms, clock).run_once() == Report(claimed=1, failed=1)
    assert outbox(store, key).status == "failed"
    assert (message(store, key).status, message(store, key).error_code) == ("failed", error.provider_code)
    assert run_state(store, key) == ("ended", run_end)
    assert opted_out(store) == (bool(contact_flag), contact_flag)
    later = start_booking(store, registry, "00Q5e00000Hk7PcEAJ", at=T0 + timedelta(days=1))
    assert later.status == ("opted_out" if contact_flag else "started"), "a flagged number starts no other flow"


def test_text_queued_before_stop_is_not_sent_after_it(
    store: Store, registry: Registry, sms: ClockedSms, clock: FakeClock
) -> None:
    key = start(store, registry)
    with store.unit_of_work() as uow:
        contact = uow.contacts.by_phone(PHONE)
        assert contact is not None
        uow.contacts.set_opted_out(contact.id, True, source="sms", at=T0)
        uow.commit()
    assert make(store, registry, sms, clock).run_once() == Report(claimed=1, failed=1)
    assert sms.sent == []
    assert (message(store, key).status, message(store, key).error_code) == ("failed", "opted_out")


def test_worker_dying_after_the_api_call_is_reconciled_not_resent(
    store: Store, registry: Registry, sms: ClockedSms, clock: FakeClock
) -> None:
    key = start(store, registry)

    def die(item: OutboxItem) -> None:
        raise Crash

    with pytest.raises(Crash):
        make(store, registry, sms, clock, after_send=die).run_once()
    assert len(sms.sent) == 1 and message(store, key).status == "in_flight" and message(store, key).provider_id is None
    restarted = make(store, registry, sms, clock, worker_id="worker-b")
    assert restarted.run_once() == Report(), "the dead worker's lease still holds the row"
    clock.sleep(121)
    assert restarted.run_once() == Report(claimed=1, reconciled=1)
    assert len(sms.sent) == 1, "the handset got it once"
    assert message(store, key).provider_id == f"SM{1:032x}"
    assert history(store, key) == ["pending", "in_flight", "queued"]
    assert outbox(store, key).status == "done"


def test_worker_dying_before_the_api_call_sends_after_finding_nothing(
    store: Store, registry: Registry, sms: ClockedSms, clock: FakeClock
) -> None:
    key = start(store, registry)
    sms.fail_next = [Crash()]  # type: ignore[list-item]  # dies inside send, before the provider has it
    with pytest.raises(Crash):
        make(store, registry, sms, clock).run_once()
    clock.sleep(121)
    assert make(store, registry, sms, clock, worker_id="worker-b").run_once() == Report(claimed=1, sent=1)
    assert sms.lookups == 1 and [m.key for m in sms.sent] == [key]


def test_status_callback_after_a_crash_records_the_sid_so_nothing_is_looked_up(
    store: Store, registry: Registry, sms: ClockedSms, clock: FakeClock
) -> None:
    key = start(store, registry)

    def die(item: OutboxItem) -> None:
        raise Crash

    with pytest.raises(Crash):
        make(store, registry, sms, clock, after_send=die).run_once()
    sid = f"SM{1:032x}"
    with store.unit_of_work() as uow:
        assert record_status(uow, registry, StatusUpdate(sid, "sent", outbox_key=key), clock()) == "recorded"
        uow.commit()
    clock.sleep(121)
    assert make(store, registry, sms, clock).run_once() == Report(claimed=1, reconciled=1)
    assert sms.lookups == 0 and len(sms.sent) == 1
    assert (message(store, key).provider_id, message(store, key).status) == (sid, "sent")


def test_same_body_to_the_same_number_is_not_mistaken_for_the_lost_send(
    store: Store, registry: Registry, sms: ClockedSms, clock: FakeClock
) -> None:
    with store.unit_of_work() as uow:
        contact = uow.contacts.get_or_create(PHONE, now=T0)
        queue_text(uow, contact.id, "help:SM1", "Reply STOP to opt out.", T0)
        queue_text(uow, contact.id, "help:SM2", "Reply STOP to opt out.", T0)
        uow.commit()
    dispatcher = make(store, registry, sms, clock, batch=1)
    assert dispatcher.run_once().sent == 1
    sms.fail_next = [Crash()]  # type: ignore[list-item]
    with pytest.raises(Crash):
        make(store, registry, sms, clock, batch=1).run_once()
    clock.sleep(121)
    assert make(store, registry, sms, clock).run_once() == Report(claimed=1, sent=1)
    assert len(sms.sent) == 2, "the first text's SID belongs to help:SM1, so help:SM2 was really sent"
    assert message(store, "help:SM1").provider_id != message(store, "help:SM2").provider_id


def test_sends_are_spaced_by_the_rate_limit(store: Store, registry: Registry, sms: ClockedSms, clock: FakeClock):
    for n in range(5):
        start(store, registry, record_id=f"00Q5e00000Hk7P{n}EAJ")
    limiter = RateLimiter(2.0, clock=clock.monotonic)
    assert make(store, registry, sms, clock, limiter=limiter).run_once().sent == 5
    gaps = [(b - a).total_seconds() for a, b in zip(sms.sent_at, sms.sent_at[1:], strict=False)]
    assert gaps == pytest.approx([0.5] * 4)


def test_a_429_halves_the_pace_and_successes_win_it_back(
    store: Store, registry: Registry, sms: ClockedSms, clock: FakeClock
) -> None:
    for n in range(3):
        start(store, registry, record_id=f"00Q5e00000Hk7P{n}EAJ")
    limiter = RateLimiter(4.0, clock=clock.monotonic)
    sms.fail_next = [SendError("throttled", True, "429", "20429")]
    report = make(store, registry, sms, clock, limiter=limiter, sender="+14155550100").run_once()
    assert (report.retried, report.sent) == (1, 2)
    assert limiter.pace("+14155550100") == pytest.approx(2.0 + 2 * 0.4)
    assert (sms.sent_at[1] - sms.sent_at[0]).total_seconds() == pytest.approx(1 / 2.4)


def test_claims_with_little_lease_left_are_left_alone(
    store: Store, registry: Registry, sms: ClockedSms, clock: FakeClock
) -> None:
    for n in range(2):
        start(store, registry, record_id=f"00Q5e00000Hk7P{n}EAJ")
    slow = RateLimiter(1 / 100, clock=clock.monotonic)  # the second token is 100 s away: past 3/4 of the lease
    report = make(store, registry, sms, clock, limiter=slow).run_once()
    assert (report.sent, report.skipped) == (1, 1)
    assert len(sms.sent) == 1


def test_shutdown_hands_unsent_claims_back(store: Store, registry: Registry, sms: ClockedSms, clock: FakeClock):
    keys = [start(store, registry, record_id=f"00Q5e00000Hk7P{n}EAJ") for n in range(3)]
    stop = {"now": False}

    def stop_after_first(item: OutboxItem) -> None:
        stop["now"] = True

    dispatcher = make(store, registry, sms, clock, stopping=lambda: stop["now"], after_send=stop_after_first)
    assert dispatcher.run_once() == Report(claimed=3, sent=1)
    rows = [outbox(store, key) for key in keys]
    assert sorted(r.status for r in rows) == ["done", "pending", "pending"]
    assert all(r.next_attempt_at == T0 for r in rows if r.status == "pending"), "due again at once"
