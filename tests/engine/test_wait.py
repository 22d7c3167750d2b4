"""The `wait:` step: a pause, or a wait until a record's date-time, and every way that moment can fail to come."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from connector.config.flow import Flow
from connector.config.yamlpos import load
from connector.engine.model import EndRun, Record, RunState, SendSms, Start, Timeout, WaitUntil
from connector.engine.run import EngineError, advance
from connector.engine.steps.wait import Wait, wake

T0 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # Mon 10:00 in New York
BOOKED = "2026-11-25T15:30:00.000+0000"  # Wed 10:30 in New York


def _state(fields: dict[str, Any], zone: str | None = "America/New_York") -> RunState:
    return RunState(
        run_id="r1",
        flow="f",
        flow_version="v1",
        category="transactional",
        record=Record(object="Lead", id="00Q1", fields=fields),
        vars={"time_zone": zone},
    )


@dataclass
class WakeCase:
    id: str
    wait: Any
    fields: dict[str, Any] = field(default_factory=dict)
    now: datetime = T0
    zone: str | None = "America/New_York"
    outcome: str = "due"
    at: datetime | None = None  # None: straight on
    reason: str = ""


DAY_BEFORE = {"until": "record.Booking_Time__c", "before": "1d"}
WAKE_CASES = [
    WakeCase("pause-waits-its-length", "2h", outcome="next", at=T0 + timedelta(hours=2)),
    WakeCase("day-before-at-the-same-clock-time", DAY_BEFORE, {"Booking_Time__c": BOOKED},
             at=datetime(2026, 11, 24, 15, 30, tzinfo=UTC)),
    WakeCase("until-without-before-wakes-at-the-moment", {"until": "Booking_Time__c"}, {"Booking_Time__c": BOOKED},
             at=datetime(2026, 11, 25, 15, 30, tzinfo=UTC)),
    WakeCase("booked-within-a-day-goes-at-once", DAY_BEFORE, {"Booking_Time__c": BOOKED},
             now=datetime(2026, 11, 25, 13, 0, tzinfo=UTC)),
    WakeCase("appointment-passed-is-not-reminded", DAY_BEFORE, {"Booking_Time__c": BOOKED},
             now=datetime(2026, 11, 25, 16, 0, tzinfo=UTC), outcome="passed",
             reason="record.Booking_Time__c (2026-11-25 15:30 UTC) has passed"),
    WakeCase("appointment-starting-now-has-passed", DAY_BEFORE, {"Booking_Time__c": BOOKED},
             now=datetime(2026, 11, 25, 15, 30, tzinfo=UTC), outcome="passed",
             reason="record.Booking_Time__c (2026-11-25 15:30 UTC) has passed"),
    WakeCase("blank-field-is-missing", DAY_BEFORE, {"Booking_Time__c": None}, outcome="missing",
             reason="record.Booking_Time__c is blank or not a date-time"),
    WakeCase("absent-field-is-missing", DAY_BEFORE, {}, outcome="missing",
             reason="record.Booking_Time__c is blank or not a date-time"),
    WakeCase("text-that-is-no-date-is-missing", DAY_BEFORE, {"Booking_Time__c": "next Tuesday"}, outcome="missing",
             reason="record.Booking_Time__c is blank or not a date-time"),
    WakeCase("date-field-is-midnight-in-the-contacts-zone", DAY_BEFORE, {"Booking_Time__c": "2026-11-26"},
             at=datetime(2026, 11, 25, 5, 0, tzinfo=UTC)),
    WakeCase("date-field-without-a-zone-is-utc-midnight", DAY_BEFORE, {"Booking_Time__c": "2026-11-26"}, zone=None,
             at=datetime(2026, 11, 25, 0, 0, tzinfo=UTC)),
    WakeCase("unknown-zone-keeps-the-fields-offset", DAY_BEFORE, {"Booking_Time__c": BOOKED}, zone="Mars/Olympus",
             at=datetime(2026, 11, 24, 15, 30, tzinfo=UTC)),
    WakeCase("day-before-keeps-local-clock-across-dst", DAY_BEFORE, {"Booking_Time__c": "2026-11-01T15:30:00Z"},
             now=datetime(2026, 10, 30, 12, 0, tzinfo=UTC), at=datetime(2026, 10, 31, 14, 30, tzinfo=UTC)),
    WakeCase("relationship-field-in-rest-shape", {"until": "record.Event__r.StartDateTime", "before": "2h"},
             {"Event__r": {"StartDateTime": BOOKED}}, at=datetime(2026, 11, 25, 13, 30, tzinfo=UTC)),
]  # fmt: skip


@pytest.mark.parametrize("case", WAKE_CASES, ids=lambda c: c.id)
def test_wake(case: WakeCase) -> None:
    got = wake(Wait.model_validate(case.wait), _state(case.fields, case.zone), case.now)
    assert (got.outcome, got.at, got.reason) == (case.outcome, case.at, case.reason)


@pytest.mark.parametrize(
    ("written", "message"),
    [
        pytest.param("soon", 'expected a duration like "2h"', id="not-a-duration"),
        pytest.param({}, 'give a duration ("2d") or {until: record.Field, before: 1d}', id="empty"),
        pytest.param({"before": "1d"}, "give a duration", id="before-alone"),
        pytest.param({"delay": "1h", "until": "Booking_Time__c"}, "give a duration", id="both-kinds"),
        pytest.param({"until": "{{ record.Booking_Time__c }}"}, "expected a record field", id="template-not-field"),
        pytest.param({"until": "Booking_Time__c", "before": "soon"}, 'expected a duration like "2h"', id="bad-before"),
        pytest.param({"until": "Booking_Time__c", "after": "1d"}, "Extra inputs", id="unknown-key"),
    ],
)
def test_wait_refuses(written: Any, message: str) -> None:
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)").replace("{", r"\{")):
        Wait.model_validate(written)


@pytest.mark.parametrize(
    ("written", "shown"),
    [("90m", "1h30m"), ({"until": "record.Booking_Time__c"}, "until record.Booking_Time__c"),
     (DAY_BEFORE, "1d before record.Booking_Time__c")],
)  # fmt: skip
def test_wait_reads_as_written(written: Any, shown: str) -> None:
    assert str(Wait.model_validate(written)) == shown


def test_wait_shorthand_and_full_form_survive_a_json_round_trip() -> None:
    for written in ("1h30m", DAY_BEFORE):
        wait = Wait.model_validate(written)
        assert Wait.model_validate(wait.model_dump(mode="json")) == wait


FLOW = """
flow: remind
trigger: {object: Lead, on: field_changed, fields: [Status], when: "Status == 'Booked'"}
policy: {category: transactional}
start: day_before
steps:
  day_before:
    wait: {until: record.Booking_Time__c, before: 1d}
    next: {due: remind, missing: check, passed: done}
  remind: {send: "Hi {{ first_name }}, it's {{ sender }}. See you {{ record.Booking_Time__c | datetime }}?",
           expect: yes_no, timeout: 2h, next: {yes: thanks, no: done, unknown: done}}
  thanks: {send: "Thanks, {{ sender }}", end: true}
  check: {task: "No booking time to remind {{ first_name }} of", end: true}
  done: {end: true}
"""


@pytest.fixture
def flow() -> Flow:
    parsed = Flow.model_validate({**load(FLOW).data, "version": "v1"})
    # The host keeps each version as JSON to finish old runs on it: a wait must survive that too.
    return Flow.model_validate(parsed.model_dump(mode="json"))


def _start(flow: Flow, at: datetime = T0, **fields: Any) -> RunState:
    record = Record(object="Lead", id="00Q1", fields={"Status": "Booked", "Booking_Time__c": BOOKED, **fields})
    start = Start(at=at, run_id="r1", record=record, vars={"first_name": "Ben", "time_zone": "America/New_York"},
                  sender="Acme Homes")  # fmt: skip
    return advance(flow, None, start).state


def test_missing_moment_follows_its_route(flow: Flow) -> None:
    state = _start(flow, Booking_Time__c="")
    assert state.status == "ended" and state.step == "check" and state.outcomes == {"day_before": "missing"}


def test_passed_moment_follows_its_route(flow: Flow) -> None:
    state = _start(flow, at=datetime(2026, 11, 26, tzinfo=UTC))
    assert state.status == "ended" and state.step == "done" and state.outcomes == {"day_before": "passed"}


def test_sender_reaches_later_texts_after_a_restart(flow: Flow) -> None:
    state = RunState.model_validate_json(_start(flow).model_dump_json())
    assert state.sender == "Acme Homes"
    assert state.timer_id and state.wait_until == datetime(2026, 11, 24, 15, 30, tzinfo=UTC)
    step = advance(flow, state, Timeout(at=state.wait_until, timer_id=state.timer_id))
    assert step.outcome == "due"
    sent = [a.body for a in step.actions if isinstance(a, SendSms)]
    assert sent == ["Hi Ben, it's Acme Homes. See you Wed 25 Nov 10:30am?"]
    state = RunState.model_validate_json(step.state.model_dump_json())
    unchanged = advance(flow, state, Timeout(at=T0, timer_id="stale")).state
    assert unchanged == state, "a timer the run no longer waits for changes nothing"


def test_a_late_timer_does_not_remind_of_a_passed_moment(flow: Flow) -> None:
    state = _start(flow)
    assert state.timer_id
    step = advance(flow, state, Timeout(at=datetime(2026, 11, 25, 16, 0, tzinfo=UTC), timer_id=state.timer_id))
    assert step.outcome == "passed" and step.state.step == "done"
    assert not [a for a in step.actions if isinstance(a, SendSms)]


@pytest.mark.parametrize(
    ("changed", "reason"),
    [
        pytest.param({"Booking_Time__c": "2026-11-26T15:30:00Z"}, "record.Booking_Time__c changed", id="moved"),
        pytest.param({"Booking_Time__c": None}, "record.Booking_Time__c was cleared", id="cleared"),
        pytest.param({"Status": "Cancelled"}, "the record no longer matches the trigger", id="no-longer-booked"),
    ],
)
def test_a_refreshed_record_ends_a_wait_that_no_longer_stands(flow: Flow, changed: dict[str, Any], reason: str) -> None:
    state = _start(flow)
    assert state.timer_id and state.wait_until
    fresh = state.record.model_copy(update={"fields": {**state.record.fields, **changed}})
    step = advance(flow, state, Timeout(at=state.wait_until, timer_id=state.timer_id, record=fresh))
    assert step.outcome == "superseded" and step.state.ended_reason and step.state.ended_reason.startswith(reason)
    assert [type(a) for a in step.actions] == [EndRun]
    assert step.state.record == fresh


def test_the_same_moment_written_another_way_has_not_moved(flow: Flow) -> None:
    state = _start(flow)
    assert state.timer_id and state.wait_until
    fresh = state.record.model_copy(update={"fields": {**state.record.fields, "Booking_Time__c": "2026-11-25T15:30Z"}})
    step = advance(flow, state, Timeout(at=state.wait_until, timer_id=state.timer_id, record=fresh))
    assert step.outcome == "due" and [type(a) for a in step.actions] == [SendSms, WaitUntil]


def test_a_timer_with_another_record_is_a_host_error(flow: Flow) -> None:
    state = _start(flow)
    assert state.timer_id
    other = Record(object="Lead", id="00Q2", fields={})
    with pytest.raises(EngineError, match="another record"):
        advance(flow, state, Timeout(at=T0, timer_id=state.timer_id, record=other))
