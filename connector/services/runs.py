"""Start runs, feed them replies, timeouts and delivery failures: each in the caller's unit of work.

Every function here reads, advances the pure engine and persists the Step with apply_step, all in one
transaction that the caller commits: the run's new state, its outbox rows, timers and write-backs land together
or not at all, so a crash never loses an accepted input and never performs an action twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from connector.config.flow import Flow
from connector.config.mapping import Mapping
from connector.engine.expr import parse
from connector.engine.model import DeliveryFailed, Input, OptedOut, Record, Reply, Start, Step, Timeout
from connector.engine.records import field_value, flow_values, phone_candidates, zone_for_texts
from connector.engine.run import advance, initial_state, template_values
from connector.engine.templates import render
from connector.engine.triggers import condition_env
from connector.phones import InvalidPhone, to_e164
from connector.services.registry import Registry
from connector.store.apply import RunStep, apply_step, apply_steps
from connector.store.uow import UnitOfWork

StartStatus = Literal["started", "duplicate", "no_phone", "opted_out", "never_text", "no_mapping"]


@dataclass(frozen=True)
class Started:
    """What became of a request to start a run; only "started" created one."""

    status: StartStatus
    run_id: str | None = None
    reason: str = ""
    step: Step | None = None


def run_id_for(flow: Flow, record_id: str, cause: str) -> str:
    """A run id derived from what caused it, so the same cause (a redelivered event) names the same run."""
    digest = hashlib.sha256(f"{flow.flow}\x00{record_id}\x00{cause}".encode()).hexdigest()[:20]
    return f"run_{digest}"


@dataclass(frozen=True)
class StartRequest:
    """One record to start a flow for: its fields, what caused it (an event id), and a logged call's fields."""

    record_id: str
    fields: dict[str, Any]
    cause: str
    call: dict[str, Any] | None = None


def start_run(
    uow: UnitOfWork,
    registry: Registry,
    flow: Flow,
    *,
    obj: str,
    record_id: str,
    fields: dict[str, Any],
    cause: str,
    at: datetime,
    call: dict[str, Any] | None = None,
) -> Started:
    """Start `flow` for a record unless the record may not be texted or the flow's dedupe key was seen.

    `cause` names what started it (an event id): the same cause always names the same run, so a redelivered
    event starts nothing twice. `call` carries the logged call's fields for call_logged flows.
    """
    return start_runs(uow, registry, flow, obj=obj, requests=[StartRequest(record_id, fields, cause, call)], at=at)[0]


@dataclass(frozen=True)
class _Screened:
    """What a record that passed the checks needing no store gives a run: number, variables, owner, own zone."""

    phone: str
    variables: dict[str, Any]
    owner: dict[str, Any]
    record_zone: str | None


_Audit = tuple[str, str, str, dict[str, Any] | None]


def start_runs(
    uow: UnitOfWork, registry: Registry, flow: Flow, *, obj: str, requests: Sequence[StartRequest], at: datetime
) -> list[Started]:
    """start_run for many records of one object at once, as if one after another; what became of each, in order.

    The store is asked a fixed handful of statements whatever the count (contacts, runs taken, dedupe keys,
    then one insert per table), where one at a time would cost some fifteen a record: a campaign's batches
    take this path, and a webhook's single start the same one.
    """
    results: list[Started | None] = [None] * len(requests)
    audit: list[_Audit | None] = [None] * len(requests)

    def refuse(i: int, status: StartStatus, reason: str) -> None:
        results[i] = Started(status, reason=reason)
        audit[i] = ("policy", f"run_not_started:{status}", requests[i].record_id, {"flow": flow.flow, "reason": reason})

    mapping = registry.mapping_for(flow, obj)
    passed: list[tuple[int, _Screened]] = []
    for i, request in enumerate(requests):
        screened = _screen(mapping, request.fields) if mapping else ("no_mapping", f"no mapping for {obj}")
        if isinstance(screened, _Screened):
            passed.append((i, screened))
        else:
            refuse(i, *screened)
    if mapping is not None and passed:
        contacts = uow.contacts.get_or_create_many(
            [(s.phone, s.record_zone, obj, requests[i].record_id) for i, s in passed], now=at
        )
        taken = uow.runs.existing(run_id_for(flow, requests[i].record_id, requests[i].cause) for i, _ in passed)
        marketing: dict[int, str] = {}  # each contact's marketing consent as the records so far have left it
        consent_changes: list[tuple[int, str, str | None]] = []
        starts: list[tuple[int, int, Start]] = []
        for i, screened in passed:
            request, contact = requests[i], contacts[screened.phone]
            if contact.opted_out:
                refuse(i, "opted_out", "the contact opted out (STOP)")
                continue
            current = marketing.get(contact.id, contact.consent_marketing)
            if change := _marketing_consent(mapping, request.fields, current):
                marketing[contact.id] = change[0]
                consent_changes.append((contact.id, *change))
            run_id = run_id_for(flow, request.record_id, request.cause)
            if run_id in taken:
                results[i] = Started("duplicate", run_id, f"already started by {request.cause}")
                continue
            taken.add(run_id)
            start = Start(
                at=at,
                run_id=run_id,
                record=Record(object=obj, id=request.record_id, fields=request.fields),
                phone=screened.phone,
                vars=screened.variables,
                owner=screened.owner,
                call=request.call,
                sender=registry.sender,
            )
            starts.append((i, contact.id, start))
        uow.contacts.set_consent_many("marketing", consent_changes, source="crm", at=at)
        _apply_starts(uow, registry, flow, starts, at, results, audit)
    uow.audit.log_many([entry for entry in audit if entry is not None], at=at)
    answered = [result for result in results if result is not None]
    assert len(answered) == len(requests), "every request is answered above"
    return answered


def _apply_starts(
    uow: UnitOfWork,
    registry: Registry,
    flow: Flow,
    starts: list[tuple[int, int, Start]],
    at: datetime,
    results: list[Started | None],
    audit: list[_Audit | None],
) -> None:
    """Advance each new run from its Start and persist them all; a run whose dedupe key is taken is a duplicate."""
    if not starts:
        return
    keys = _dedupe_keys(uow, flow, [start for _, _, start in starts], at)
    registry.remember(uow, flow)
    steps = [advance(flow, None, start) for _, _, start in starts]
    items = [RunStep(step, contact_id, key) for (_, contact_id, _), step, key in zip(starts, steps, keys, strict=True)]
    saved = apply_steps(uow, items, now=at)
    for (i, _, start), step, key, ok in zip(starts, steps, keys, saved, strict=True):
        if ok:
            results[i] = Started("started", start.run_id, step=step)
            audit[i] = ("engine", "run_started", start.run_id, {"flow": flow.flow, "record": start.record.id})
        else:
            results[i] = Started("duplicate", start.run_id, f"already started (dedupe key {key or start.run_id})")


def _screen(mapping: Mapping, fields: dict[str, Any]) -> _Screened | tuple[StartStatus, str]:
    """What a record gives its run; or (status, reason) when its own fields say it may not be texted."""
    phone = _first_valid_phone(phone_candidates(mapping, fields), mapping.phone.default_region)
    if phone is None:
        return "no_phone", "no valid mobile or fallback number on the record"
    if mapping.opt_out and field_value(fields, mapping.opt_out) is True:
        return "opted_out", f"{mapping.opt_out} is set on the record"
    if mapping.never_text_when and parse(mapping.never_text_when).test(condition_env(fields)):
        return "never_text", f"never_text_when holds: {mapping.never_text_when}"
    variables, owner = flow_values(mapping, fields)
    record_zone = variables.get("time_zone")  # only a zone the record names is kept with the contact
    if zone := zone_for_texts(variables, phone):
        variables["time_zone"] = zone
    return _Screened(phone, variables, owner, record_zone)


def _marketing_consent(mapping: Mapping, fields: dict[str, Any], current: str) -> tuple[str, str] | None:
    """(state, detail) when the record's marketing opt-in checkbox tells the consent history something new."""
    if not mapping.marketing_opt_in:
        return None
    on_record = field_value(fields, mapping.marketing_opt_in)
    if not isinstance(on_record, bool):
        return None
    state = "granted" if on_record else "revoked"
    if current == state:
        return None
    return state, f"{mapping.object}.{mapping.marketing_opt_in} is {'ticked' if on_record else 'cleared'}"


def _first_valid_phone(raw_numbers: list[str], region: str) -> str | None:
    for raw in raw_numbers:
        try:
            return to_e164(raw, region)
        except InvalidPhone:
            continue
    return None


def _dedupe_keys(uow: UnitOfWork, flow: Flow, starts: list[Start], at: datetime) -> list[str | None]:
    """The flow's dedupe key for each start; a key whose window has passed is released for reuse."""
    dedupe = flow.policy.dedupe
    if dedupe is None:
        return [None] * len(starts)
    keys: list[str | None] = [
        f"{flow.flow}:{render(dedupe.key, template_values(initial_state(flow, start))).strip()}" for start in starts
    ]
    previous = uow.runs.by_dedupe_keys(key for key in keys if key)
    uow.runs.release_dedupe_keys(
        key for key, run in previous.items() if run.history and at - run.history[0].at >= dedupe.within
    )
    return keys


def advance_run(uow: UnitOfWork, registry: Registry, run_id: str, inp: Input, at: datetime) -> Step | None:
    """Apply one input to a stored run, on the flow version it started on; None when there is no such run."""
    state = uow.runs.get(run_id, for_update=True)
    contact_id = uow.runs.contact_of(run_id)
    if state is None or contact_id is None:
        return None
    flow = registry.version(uow, state.flow, state.flow_version)
    if flow is None:
        return None
    step = advance(flow, state, inp)
    if step.ignored is None:
        apply_step(uow, step, contact_id=contact_id, now=at)
    return step


@dataclass(frozen=True)
class ReplyResult:
    """Where a reply went: the run it moved (if any) and what it was understood as."""

    run_id: str | None
    outcome: str | None
    step: Step | None = None


def deliver_reply(uow: UnitOfWork, registry: Registry, phone: str, text: str, at: datetime) -> ReplyResult:
    """Give a reply to the contact's run that waits for one (the one most recently moved)."""
    contact = uow.contacts.by_phone(phone)
    if contact is None:
        return ReplyResult(None, None)
    for state in uow.runs.waiting_for_contact(contact.id):
        if state.waiting_for != "reply":
            continue
        step = advance_run(uow, registry, state.run_id, Reply(at=at, text=text), at)
        if step is not None:
            if step.outcome == "stop":
                opt_out(uow, registry, phone, at, source="reply")
            return ReplyResult(state.run_id, step.outcome, step)
    return ReplyResult(None, None)


def opt_out(uow: UnitOfWork, registry: Registry, phone: str, at: datetime, *, source: str) -> int:
    """Mark the contact opted out and end every run of theirs that still waits; returns how many ended."""
    contact = uow.contacts.by_phone(phone)
    if contact is None:
        return 0
    if not contact.opted_out:
        uow.contacts.set_opted_out(contact.id, True, source=source, at=at)
    ended = 0
    for state in uow.runs.waiting_for_contact(contact.id):
        step = advance_run(uow, registry, state.run_id, OptedOut(at=at, source=source), at)
        ended += bool(step and step.state.status == "ended")
    return ended


def fire_timer(uow: UnitOfWork, registry: Registry, run_id: str, timer_id: str, at: datetime) -> Step | None:
    """A due timer: wake its run with a Timeout (ignored by the engine if the run moved on).

    The Timeout carries the record as last seen (ingest and polling keep it): after a wait until a record's
    date-time, the run checks the moment has not moved and its trigger still holds, and ends quietly otherwise.
    """
    state = uow.runs.get(run_id)
    record = None
    if state is not None and (seen := uow.crm_state.snapshot(state.record.object, state.record.id)) is not None:
        record = Record(object=state.record.object, id=state.record.id, fields={**state.record.fields, **seen.fields})
    return advance_run(uow, registry, run_id, Timeout(at=at, timer_id=timer_id, record=record), at)


def delivery_failed(uow: UnitOfWork, registry: Registry, action_id: str, error: str, at: datetime) -> Step | None:
    """A text could not be delivered: tell its run (the action id names the run that sent it)."""
    run_id = action_id.split(":", 1)[0]
    return advance_run(uow, registry, run_id, DeliveryFailed(at=at, action_id=action_id, error=error), at)
