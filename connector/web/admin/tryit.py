"""Play a flow against a record in the browser: the pure engine, replayed from the start on every turn.

Nothing is sent or stored. The page posts the record and every reply so far; replaying them from a fixed start
time gives the same run each time (the engine is deterministic), so no server-side session is needed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from connector.config.flow import Flow
from connector.config.mapping import Mapping
from connector.engine.model import (
    CreateTask,
    EndRun,
    Input,
    Reply,
    RunState,
    SendSms,
    Start,
    Step,
    Timeout,
    UpdateRecord,
    WaitUntil,
)
from connector.engine.run import EngineError, advance
from connector.engine.triggers import condition_holds
from connector.simulate import REPLY_GAP, TIMEOUT_WORDS, start_input
from connector.sms.segments import count

MAX_INPUTS = 30  # a try-it conversation longer than this is a script, not a try
MAX_DELAYS = 20  # wait steps in a row without a reply (a validated flow has far fewer)


@dataclass
class Play:
    """What happened, in order, as plain dicts (the page renders them; the API returns them as JSON)."""

    events: list[dict[str, Any]] = field(default_factory=list)
    state: RunState | None = None
    trigger: str | None = None
    phone: str | None = None

    @property
    def waiting_for_reply(self) -> bool:
        return self.state is not None and self.state.status != "ended" and self.state.waiting_for == "reply"

    @property
    def can_time_out(self) -> bool:
        return self.waiting_for_reply and self.state is not None and self.state.timer_id is not None

    def as_json(self) -> dict[str, Any]:
        state = self.state
        return {
            "phone": self.phone,
            "trigger": self.trigger,
            "events": self.events,
            "status": state.status if state else None,
            "step": state.step if state else None,
            "waiting_for": state.waiting_for if state and state.status != "ended" else None,
            "can_time_out": self.can_time_out,
            "answers": dict(state.answers) if state else {},
        }


def play(
    flow: Flow,
    mapping: Mapping | None,
    record: dict[str, Any],
    inputs: list[str],
    at: datetime,
    *,
    call: dict[str, Any] | None = None,
    sender: str | None = None,
) -> Play:
    """Start the flow for `record` at `at`, then feed `inputs` in order (a reply, or "/timeout")."""
    out = Play()
    extra = {"sender": sender} if sender else {}
    start = start_input(flow, mapping, record, at, call, **extra)
    out.phone = start.phone
    out.trigger = _trigger_verdict(flow, start)
    state = _apply(flow, None, start, out)
    now = at
    for raw in inputs[:MAX_INPUTS]:
        state, now = _delays(flow, state, now, out)
        if state.status == "ended" or state.waiting_for != "reply":
            break
        text = raw.strip()
        if text.lower() in TIMEOUT_WORDS:
            if state.timer_id is None:
                out.events.append({"kind": "note", "text": "This step has no timeout; it waits for a reply."})
                continue
            now = state.wait_until or now
            out.events.append({"kind": "timeout", "at": now.isoformat()})
            state = _apply(flow, state, Timeout(at=now, timer_id=state.timer_id), out)
            continue
        now += REPLY_GAP
        out.events.append({"kind": "reply", "body": raw, "at": now.isoformat()})
        state = _apply(flow, state, Reply(at=now, text=raw), out)
    state, now = _delays(flow, state, now, out)
    out.state = state
    return out


def _trigger_verdict(flow: Flow, start: Start) -> str | None:
    trigger = flow.trigger
    if trigger is None:
        return None
    if trigger.on == "call_logged" and start.call is None:
        return f"on call_logged {trigger.object}: no call given, so the condition is not checked"
    holds = condition_holds(trigger, start.record.fields, start.call)
    when = f" when {trigger.when}" if trigger.when else ""
    verdict = "would start" if holds else "would NOT start: the condition is false for this record"
    return f"on {trigger.on} {trigger.object}{when} → {verdict}"


def _delays(flow: Flow, state: RunState, now: datetime, out: Play) -> tuple[RunState, datetime]:
    """Let `wait:` pauses pass: they end by themselves, with no one to reply."""
    for _ in range(MAX_DELAYS):
        if state.status == "ended" or state.waiting_for != "delay":
            break
        now = state.wait_until or now
        state = _apply(flow, state, Timeout(at=now, timer_id=state.timer_id or ""), out)
    return state, now


def _apply(flow: Flow, state: RunState | None, inp: Input, out: Play) -> RunState:
    try:
        step = advance(flow, state, inp)
    except EngineError as exc:  # a host-side mistake; show it rather than fail the page
        out.events.append({"kind": "note", "text": f"engine refused the input: {exc}"})
        assert state is not None
        return state
    if isinstance(inp, Start):
        out.events.append({"kind": "start", "step": flow.start, "at": inp.at.isoformat()})
    if step.outcome and isinstance(inp, Reply):
        out.events.append({"kind": "understood", "outcome": step.outcome})
    if step.ignored:
        out.events.append({"kind": "note", "text": f"ignored: {step.ignored}"})
    out.events.extend(_describe(step))
    return step.state


def _describe(step: Step) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for action in step.actions:
        if isinstance(action, SendSms):
            seg = count(action.body)
            events.append(
                {
                    "kind": "text",
                    "step": action.step,
                    "body": action.body,
                    "chars": len(action.body),
                    "segments": seg.segments,
                    "encoding": seg.encoding,
                    "non_gsm": list(seg.non_gsm),
                }
            )
        elif isinstance(action, UpdateRecord):
            events.append({"kind": "update", "step": action.step, "object": action.object, "fields": action.fields})
        elif isinstance(action, CreateTask):
            events.append({"kind": "task", "step": action.step, "subject": action.subject, "priority": action.priority})
        elif isinstance(action, WaitUntil):
            events.append({"kind": "wait", "step": action.step, "until": action.at.isoformat(), "for": action.reason})
        elif isinstance(action, EndRun):
            events.append({"kind": "end", "reason": action.reason})
    return events
