"""The engine's rules that golden runs do not show one by one: stale inputs, failures, opt-outs, replays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connector.config.flow import Flow
from connector.config.yamlpos import load
from connector.engine.model import (
    CreateTask,
    DeliveryFailed,
    EndRun,
    OptedOut,
    Record,
    Reply,
    RunState,
    SendSms,
    Start,
    Timeout,
    UpdateRecord,
    WaitUntil,
)
from connector.engine.run import EngineError, advance

T0 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)

FLOW = """
flow: dialog
policy: {category: transactional}
start: ask
steps:
  ask:
    send: "Hi {{ first_name }}, reply YES or NO"
    expect: yes_no
    timeout: 1h
    next: {yes: pause, no: bye, unknown: person, failed: person, stop: unsubscribed}
  pause: {wait: 2h, next: thanks}
  thanks: {send: "Thanks {{ first_name }}", end: true}
  bye: {update: {Status: "Lost: {{ reply }}"}, end: true}
  person: {task: {subject: "Needs a person: {{ reply }}", priority: High}, end: true}
  unsubscribed: {update: {SMS_Opt_Out__c: true}, end: true}
"""


@pytest.fixture
def flow() -> Flow:
    return Flow.model_validate({**load(FLOW).data, "version": "v1"})


def start(flow: Flow, first_name: str = "Ana") -> RunState:
    inp = Start(
        at=T0,
        run_id="r1",
        record=Record(object="Lead", id="00Q1", fields={"Status": "Open"}),
        vars={"first_name": first_name},
        owner={"id": "005A"},
    )
    return advance(flow, None, inp).state


def test_start_sends_and_waits_with_a_timer(flow: Flow) -> None:
    step = advance(flow, None, Start(at=T0, run_id="r1", record=Record(object="Lead", id="00Q1"), vars={}))
    kinds = [type(a) for a in step.actions]
    assert kinds == [SendSms, WaitUntil]
    timer = step.actions[1]
    assert isinstance(timer, WaitUntil) and timer.at == T0 + timedelta(hours=1)
    assert step.state.status == "waiting" and step.state.timer_id == timer.id


def test_same_inputs_give_the_same_actions_and_ids(flow: Flow) -> None:
    a = advance(flow, start(flow), Reply(at=T0, text="yes"))
    b = advance(flow, start(flow), Reply(at=T0, text="yes"))
    assert a == b


def test_state_survives_json_round_trip(flow: Flow) -> None:
    state = start(flow)
    assert RunState.model_validate_json(state.model_dump_json()) == state


def test_stale_timer_is_ignored(flow: Flow) -> None:
    state = start(flow)
    step = advance(flow, state, Timeout(at=T0 + timedelta(hours=2), timer_id="r1:old:timer"))
    assert step.ignored and step.actions == [] and step.state == state


def test_timeout_without_route_ends_the_run(flow: Flow) -> None:
    state = start(flow)
    step = advance(flow, state, Timeout(at=T0 + timedelta(hours=1), timer_id=state.timer_id or ""))
    assert step.state.status == "ended" and step.state.ended_reason == "timed_out"
    assert [type(a) for a in step.actions] == [EndRun]


def test_reply_after_the_run_ended_is_ignored(flow: Flow) -> None:
    ended = advance(flow, start(flow), Reply(at=T0, text="no")).state
    step = advance(flow, ended, Reply(at=T0, text="yes actually"))
    assert step.ignored and step.actions == []


def test_delay_waits_then_goes_on(flow: Flow) -> None:
    waiting = advance(flow, start(flow), Reply(at=T0, text="yes")).state
    assert waiting.waiting_for == "delay" and waiting.wait_until == T0 + timedelta(hours=2)
    step = advance(flow, waiting, Reply(at=T0 + timedelta(minutes=5), text="hello?"))
    assert step.ignored, "a reply during a pause does not move the run"
    step = advance(flow, waiting, Timeout(at=T0 + timedelta(hours=2), timer_id=waiting.timer_id or ""))
    assert [a.body for a in step.actions if isinstance(a, SendSms)] == ["Thanks Ana"]


def test_stop_reply_routes_to_stop_and_never_texts_again(flow: Flow) -> None:
    step = advance(flow, start(flow), Reply(at=T0, text="STOP"))
    assert step.outcome == "stop" and step.state.opted_out
    assert [type(a) for a in step.actions] == [UpdateRecord, EndRun]


def test_opt_out_during_a_pause_ends_without_texting(flow: Flow) -> None:
    waiting = advance(flow, start(flow), Reply(at=T0, text="yes")).state
    step = advance(flow, waiting, OptedOut(at=T0, source="crm"))
    assert not any(isinstance(a, SendSms) for a in step.actions)
    assert step.state.status == "ended"


def test_delivery_failure_of_the_current_text_routes_failed(flow: Flow) -> None:
    state = start(flow)
    step = advance(flow, state, DeliveryFailed(at=T0, action_id=state.sent[-1], error="unreachable"))
    assert step.outcome == "failed"
    assert [type(a) for a in step.actions] == [CreateTask, EndRun]


def test_provider_opt_out_counts_as_stop(flow: Flow) -> None:
    state = start(flow)
    step = advance(flow, state, DeliveryFailed(at=T0, action_id=state.sent[-1], error="opted_out"))
    assert step.outcome == "stop" and step.state.opted_out


def test_failure_of_a_text_from_another_run_is_ignored(flow: Flow) -> None:
    step = advance(flow, start(flow), DeliveryFailed(at=T0, action_id="r9:1:sms", error="unreachable"))
    assert step.ignored


def test_help_leaves_the_run_waiting(flow: Flow) -> None:
    state = start(flow)
    step = advance(flow, state, Reply(at=T0, text="HELP"))
    assert step.outcome == "help" and step.ignored and step.state == state


def test_unknown_reply_reaches_a_person_with_the_reply(flow: Flow) -> None:
    step = advance(flow, start(flow), Reply(at=T0, text="maybe, what is this about?"))
    task = next(a for a in step.actions if isinstance(a, CreateTask))
    assert task.subject == "Needs a person: maybe, what is this about?" and task.owner_id == "005A"


def test_merge_values_are_text_never_code(flow: Flow) -> None:
    hostile = "{{ 7*7 }}{% for x in ().__class__.__mro__ %}x{% endfor %}"
    sms = advance(
        flow, None, Start(at=T0, run_id="r2", record=Record(object="Lead", id="1"), vars={"first_name": hostile})
    )
    body = sms.actions[0]
    assert isinstance(body, SendSms) and body.body == f"Hi {hostile}, reply YES or NO"


def test_start_twice_is_a_host_error(flow: Flow) -> None:
    with pytest.raises(EngineError):
        advance(flow, start(flow), Start(at=T0, run_id="r1", record=Record(object="Lead", id="00Q1")))


def test_input_before_start_is_a_host_error(flow: Flow) -> None:
    with pytest.raises(EngineError):
        advance(flow, None, Reply(at=T0, text="yes"))


def test_unvalidated_loop_is_cut_off() -> None:
    looping = Flow.model_validate(
        {
            "flow": "loop",
            "policy": {"category": "transactional"},
            "start": "a",
            "steps": {"a": {"next": "b"}, "b": {"next": "a"}},
            "version": "v",
        }
    )
    step = advance(looping, None, Start(at=T0, run_id="r", record=Record(object="Lead", id="1")))
    assert step.state.status == "ended" and step.state.ended_reason.startswith("loop")
