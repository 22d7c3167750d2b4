"""Play a flow in the terminal against a record: each text as a phone shows it, replies typed or scripted.

Nothing is sent and nothing is stored: this drives the pure engine directly, so what it shows is exactly what
the engine would ask the host to do.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connector.config import DEFAULT_SENDER_NAME
from connector.config.flow import Flow
from connector.config.mapping import Mapping
from connector.engine.model import (
    Action,
    CreateTask,
    EndRun,
    Input,
    Record,
    Reply,
    RunState,
    SendSms,
    Start,
    Step,
    Timeout,
    UpdateRecord,
    WaitUntil,
)
from connector.engine.records import flow_values, phone_candidates, zone_for_texts
from connector.engine.run import advance
from connector.engine.triggers import condition_holds
from connector.phones import try_e164
from connector.sms.segments import count

TIMEOUT_WORDS = {"/timeout", "/wait"}
REPLY_GAP = timedelta(minutes=2)
WIDTH = 44


class _Lines(list[str]):
    """A list of transcript lines that also hands each new line to a callback."""

    def __init__(self, emit: Callable[[str], None] | None) -> None:
        super().__init__()
        self._emit = emit

    def append(self, line: str) -> None:
        super().append(line)
        if self._emit is not None:
            self._emit(line)

    def extend(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.append(line)


@dataclass
class Transcript:
    """Everything a simulation did, for the terminal and for tests."""

    emit: Callable[[str], None] | None = None
    lines: list[str] = field(init=False)
    steps: list[Step] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lines = _Lines(self.emit)

    @property
    def state(self) -> RunState | None:
        return self.steps[-1].state if self.steps else None


def start_input(
    flow: Flow,
    mapping: Mapping | None,
    record: dict[str, Any],
    at: datetime,
    call: dict[str, Any] | None = None,
    sender: str = DEFAULT_SENDER_NAME,
) -> Start:
    """The Start a host would build for this record: id, fields, mapped variables, owner, the logged call and
    the business name texts are signed with."""
    fields = {k: v for k, v in record.items() if k != "attributes"}
    obj = (record.get("attributes") or {}).get("type") or (flow.trigger.object if flow.trigger else "Lead")
    variables, owner = flow_values(mapping, fields) if mapping else ({}, {})
    region = mapping.phone.default_region if mapping else "US"
    phones = [try_e164(raw, region) for raw in (phone_candidates(mapping, fields) if mapping else [])]
    phone = next((p for p in phones if p), None)
    if zone := zone_for_texts(variables, phone):  # as the host does: dates in texts read in the contact's zone
        variables["time_zone"] = zone
    return Start(
        phone=phone,
        at=at,
        run_id=f"sim-{flow.flow}",
        record=Record(object=obj, id=str(fields.get("Id") or "000000000000000"), fields=fields),
        vars=variables,
        owner=owner,
        call={k: v for k, v in call.items() if k != "attributes"} if call else None,
        sender=sender,
    )


def _stamp(at: datetime, zone: str | None = None) -> str:
    """A moment as the contact lives it: in their time zone when the record has one."""
    try:
        local = at.astimezone(ZoneInfo(zone)) if zone else at
    except (ZoneInfoNotFoundError, ValueError):
        local = at
    return f"{local:%a %d %b %H:%M %Z}"


def describe(action: Action, zone: str | None = None) -> Iterator[str]:
    """How one action reads in the transcript."""
    if isinstance(action, SendSms):
        seg = count(action.body)
        yield "  ┌" + "─" * (WIDTH + 2)
        for line in textwrap.wrap(action.body, WIDTH) or [""]:
            yield f"  │ {line}"
        plural = "s" if seg.segments != 1 else ""
        yield f"  └ {len(action.body)} chars · {seg.segments} segment{plural} · {seg.encoding}"
    elif isinstance(action, UpdateRecord):
        changes = ", ".join(f"{k} = {v!r}" for k, v in action.fields.items())
        yield f"  · update {action.object} {action.record_id}: {changes}"
    elif isinstance(action, CreateTask):
        yield f"  · task ({action.priority}) for {action.owner_id or 'the owner'}: {action.subject}"
    elif isinstance(action, WaitUntil):
        what = "a reply" if action.reason == "reply" else "the pause to end"
        yield f"  · waiting for {what} until {_stamp(action.at, zone)}"
    elif isinstance(action, EndRun):
        yield f"  · run ended ({action.reason})"


def simulate(
    flow: Flow,
    mapping: Mapping | None,
    record: dict[str, Any],
    at: datetime,
    replies: Callable[[RunState], str | None],
    *,
    call: dict[str, Any] | None = None,
    emit: Callable[[str], None] | None = None,
    sender: str = DEFAULT_SENDER_NAME,
) -> Transcript:
    """Run the flow from Start; ask `replies` for each reply ("/timeout" lets the wait run out, None stops).

    Every line is passed to `emit` as it happens (the terminal shows a text before asking for its reply).
    """
    out = Transcript(emit=emit)
    start = start_input(flow, mapping, record, at, call, sender)
    zone = start.vars.get("time_zone")
    out.lines.append(f"{flow.flow} · {start.record.object} {start.record.id} · to {start.phone or 'no valid number'}")
    if flow.trigger is not None and flow.trigger.on == "call_logged" and start.call is None:
        out.lines.append(f"trigger: on call_logged {flow.trigger.object} (no --call given: condition not checked)")
    elif flow.trigger is not None:
        holds = condition_holds(flow.trigger, start.record.fields, start.call)
        verdict = "would start" if holds else "would NOT start (the condition is false for this record)"
        out.lines.append(f"trigger: on {flow.trigger.on} {flow.trigger.object} when {flow.trigger.when} → {verdict}")
    state = _apply(flow, None, start, out)
    now = at
    while state.status != "ended":
        if state.waiting_for == "delay":
            now = state.wait_until or now
            out.lines.append(f"{_stamp(now, zone)}  ⏱  the pause is over")
            state = _apply(flow, state, Timeout(at=now, timer_id=state.timer_id or ""), out)
            continue
        text = replies(state)
        if text is None:
            out.lines.append("  · (simulation stopped while the run waits)")
            break
        if text.strip().lower() in TIMEOUT_WORDS:
            if state.timer_id is None:
                out.lines.append("  · this step has no timeout; it waits for a reply")
                continue
            now = state.wait_until or now
            out.lines.append(f"{_stamp(now, zone)}  ⏱  no reply in time")
            state = _apply(flow, state, Timeout(at=now, timer_id=state.timer_id), out)
            continue
        now += REPLY_GAP
        out.lines.append(f"{_stamp(now, zone)}  ▶ {text}")
        state = _apply(flow, state, Reply(at=now, text=text), out)
    return out


def _apply(flow: Flow, state: RunState | None, inp: Input, out: Transcript) -> RunState:
    step = advance(flow, state, inp)
    out.steps.append(step)
    if isinstance(inp, Start):
        out.lines.append(f"{_stamp(inp.at, step.state.vars.get('time_zone'))}  run starts at {flow.start}")
    if step.outcome and not isinstance(inp, Timeout):
        out.lines.append(f"  · understood as: {step.outcome}")
    if step.ignored:
        out.lines.append(f"  · ignored: {step.ignored}")
    for action in step.actions:
        out.lines.extend(describe(action, step.state.vars.get("time_zone")))
    return step.state
