"""The flow engine: apply one input to a run, return the run's next state and what the host must do.

Pure: no clock (time comes with the input), no ids from nowhere (they derive from the run id), no I/O. The same
flow, state and input always give the same Step, so any run can be replayed in a test or the simulator.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from connector.config.flow import Flow
from connector.engine.model import (
    Action,
    DeliveryFailed,
    EndRun,
    Input,
    OptedOut,
    Record,
    Reply,
    RunState,
    Start,
    Step,
    Timeout,
    UpdateRecord,
    Visit,
    WaitUntil,
)
from connector.engine.steps import PARTS
from connector.engine.steps.base import Ctx
from connector.engine.steps.wait import moved, wake
from connector.engine.templates import PHONE_KEY, TZ_KEY
from connector.engine.triggers import condition_holds

# A run that passes through this many steps without waiting is looping; the validator refuses such flows,
# and this bound keeps an unvalidated one from spinning.
MAX_STEPS_PER_INPUT = 50

# Reply outcomes that leave the run where it is: the host answers HELP, and START only matters after STOP.
NOT_FOR_THE_RUN = {"help", "start"}


class EngineError(ValueError):
    """An input that makes no sense for this run (a programming error in the host, not bad data)."""


def template_values(state: RunState) -> dict[str, Any]:
    """What merge fields see: the mapping's variables, the record, its owner, the sender, answers, the last reply."""
    return {
        **state.vars,
        "sender": state.sender,
        "record": {**state.record.fields, "Id": state.record.id},
        "owner": state.owner,
        "call": state.call or {},
        "answers": state.answers,
        "reply": state.reply,
        "flow": state.flow,
        TZ_KEY: state.vars.get("time_zone"),
        PHONE_KEY: state.phone,
    }


def initial_state(flow: Flow, start: Start) -> RunState:
    """The state of a run before its first step: who, what record, and the values its templates see."""
    return RunState(
        run_id=start.run_id,
        flow=flow.flow,
        flow_version=flow.version,
        category=flow.policy.category,
        record=start.record,
        phone=start.phone,
        vars=dict(start.vars),
        owner=dict(start.owner),
        call=start.call,
        sender=start.sender,
    )


def advance(flow: Flow, state: RunState | None, inp: Input) -> Step:
    """Apply one input to a run; return the run's next state and the actions the host must perform."""
    if isinstance(inp, Start):
        if state is not None:
            raise EngineError(f"run {state.run_id} has already started")
        fresh = initial_state(flow, inp)
        actions: list[Action] = []
        _enter(flow, fresh, flow.start, inp, actions)
        return Step(state=fresh, actions=actions)
    if state is None:
        raise EngineError(f"{inp.kind} for a run that has not started")
    state = state.model_copy(deep=True)
    if state.status == "ended":
        return Step(state=state, ignored=f"the run has ended ({state.ended_reason})")
    if isinstance(inp, Reply):
        return _on_reply(flow, state, inp)
    if isinstance(inp, Timeout):
        return _on_timeout(flow, state, inp)
    if isinstance(inp, DeliveryFailed):
        return _on_delivery_failed(flow, state, inp)
    if isinstance(inp, OptedOut):
        state.opted_out = True
        return _leave(flow, state, "stop", inp)
    raise EngineError(f"unknown input {inp!r}")


def _on_reply(flow: Flow, state: RunState, inp: Reply) -> Step:
    if state.waiting_for != "reply" or state.step is None:
        return Step(state=state, ignored="the run is not waiting for a reply")
    expect = flow.steps[state.step].expect
    assert expect is not None  # waiting_for == "reply" is only set on steps with expect
    understood = expect.understand(inp.text)
    if understood.outcome in NOT_FOR_THE_RUN:
        return Step(state=state, outcome=understood.outcome, ignored=f"{understood.outcome} is answered by the host")
    state.reply = inp.text
    state.answers[state.step] = understood.value if understood.value is not None else inp.text
    actions: list[Action] = []
    if understood.outcome == "stop":
        state.opted_out = True
    elif understood.outcome == "text" and expect.save_to:
        state.seq += 1
        actions.append(
            UpdateRecord(
                id=f"{state.run_id}:{state.seq}:update",
                step=state.step,
                object=state.record.object,
                record_id=state.record.id,
                fields={expect.save_to: understood.value},
            )
        )
    return _leave(flow, state, understood.outcome, inp, actions, reply=inp.text)


def _on_timeout(flow: Flow, state: RunState, inp: Timeout) -> Step:
    if inp.timer_id != state.timer_id:
        return Step(state=state, ignored="a timer the run no longer waits for")
    stale = _refresh(flow, state, inp.record) if inp.record is not None else None
    if stale is not None:
        actions: list[Action] = []
        _close_visit(state, "superseded")
        _end(state, stale, actions)
        return Step(state=state, actions=actions, outcome="superseded")
    wait = flow.steps[state.step].wait if state.step and state.waiting_for == "delay" else None
    if wait is None:
        return _leave(flow, state, "timeout" if state.waiting_for == "reply" else "next", inp)
    if not wait.until:
        return _leave(flow, state, "next", inp)
    # A timer that fires late (the worker was down) must not remind of a moment that has passed meanwhile.
    when = wake(wait, state, inp.at)
    late = when.outcome in ("missing", "passed")
    return _leave(flow, state, when.outcome if late else "due", inp, why=when.reason if late else None)


def _refresh(flow: Flow, state: RunState, fresh: Record) -> str | None:
    """Take the record as the host re-read it; after a wait until a field, say why the wait no longer stands.

    A moved appointment starts a run of its own (the dedupe key holds the time), so this one ends quietly rather
    than remind of the old time; so does one whose record no longer matches the trigger (a cancelled booking).
    """
    if (fresh.object, fresh.id) != (state.record.object, state.record.id):
        raise EngineError(f"timer of run {state.run_id} came with another record ({fresh.object} {fresh.id})")
    wait = flow.steps[state.step].wait if state.step and state.waiting_for == "delay" else None
    stale = moved(wait, state, fresh) if wait is not None else None
    trigger = flow.trigger if wait is not None and wait.until else None
    if stale is None and trigger is not None and not condition_holds(trigger, fresh.fields, state.call):
        stale = f"the record no longer matches the trigger ({trigger.when})"
    state.record = fresh
    return stale


def _on_delivery_failed(flow: Flow, state: RunState, inp: DeliveryFailed) -> Step:
    if inp.action_id not in state.sent:
        return Step(state=state, ignored="not a text of this run")
    if inp.error == "opted_out":
        state.opted_out = True
        return _leave(flow, state, "stop", inp)
    current = state.sent[-1] if state.sent else None
    if state.status != "waiting" or inp.action_id != current:
        return Step(state=state, ignored="an earlier text failed; the run has moved on")
    return _leave(flow, state, "failed", inp)


def _leave(
    flow: Flow,
    state: RunState,
    outcome: str,
    inp: Input,
    actions: list[Action] | None = None,
    reply: str | None = None,
    why: str | None = None,
) -> Step:
    """Close the current visit with `outcome` and follow the step's route, or end the run (`why`, if given)."""
    actions = actions if actions is not None else []
    step_id = state.step
    _close_visit(state, outcome, reply)
    state.waiting_for, state.timer_id, state.wait_until = None, None, None
    target = flow.steps[step_id].route(outcome) if step_id is not None else None
    if target is None:
        _end(
            state,
            why
            or {"stop": "opted_out", "timeout": "timed_out", "failed": "delivery_failed"}.get(
                outcome, f"no route for {outcome}"
            ),
            actions,
        )
    else:
        _enter(flow, state, target, inp, actions)
    return Step(state=state, actions=actions, outcome=outcome)


def _enter(flow: Flow, state: RunState, step_id: str, inp: Input, actions: list[Action]) -> None:
    """Run steps from `step_id` until one waits or the run ends."""
    for _ in range(MAX_STEPS_PER_INPUT):
        step = flow.steps[step_id]
        state.step, state.status = step_id, "active"
        state.history.append(Visit(step=step_id, at=inp.at))
        ctx = Ctx(state=state, at=inp.at, step=step_id, values=template_values(state))
        for key, run in PARTS.items():
            spec = getattr(step, key)
            if spec is not None:
                actions.extend(run(spec, ctx))
        if step.expect is not None:
            if state.opted_out:
                _end(state, "opted_out", actions)
                return
            state.status, state.waiting_for = "waiting", "reply"
            if step.timeout is not None:
                _wait(state, step_id, inp.at + step.timeout, "reply", actions)
            return
        if step.wait is not None:
            when = wake(step.wait, state, inp.at)
            if when.at is not None:
                state.status, state.waiting_for = "waiting", "delay"
                _wait(state, step_id, when.at, "delay", actions)
                return
            # The moment has come already, or cannot come: go on (or end) now, without a timer.
            _close_visit(state, when.outcome)
            target = step.route(when.outcome)
            if target is None:
                _end(state, when.reason or f"no route for {when.outcome}", actions)
                return
            step_id = target
            continue
        if step.end or step.next is None:
            _end(state, "end", actions)
            return
        step_id = step.route("next") or ""
    _end(state, "loop: too many steps without a wait", actions)


def _close_visit(state: RunState, outcome: str, reply: str | None = None) -> None:
    """Record the outcome that leaves the current step, on its visit and in `outcomes`."""
    if state.step is not None and state.history:
        last = state.history[-1]
        state.history[-1] = last.model_copy(update={"outcome": outcome, "reply": reply})
        state.outcomes[state.step] = outcome


def _wait(
    state: RunState, step_id: str, at: datetime, reason: Literal["reply", "delay"], actions: list[Action]
) -> None:
    state.seq += 1
    timer = WaitUntil(id=f"{state.run_id}:{state.seq}:timer", step=step_id, at=at, reason=reason)
    state.timer_id, state.wait_until = timer.id, timer.at
    actions.append(timer)


def _end(state: RunState, reason: str, actions: list[Action]) -> None:
    state.seq += 1
    state.status, state.waiting_for, state.ended_reason = "ended", None, reason
    state.timer_id = state.wait_until = None
    actions.append(EndRun(id=f"{state.run_id}:{state.seq}:end", step=state.step, reason=reason))
