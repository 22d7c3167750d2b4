"""The outbox pattern: persist engine Steps (new run states plus their actions) in the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connector.engine.model import CreateTask, EndRun, RunState, SendSms, Step, UpdateRecord, WaitUntil
from connector.store.uow import UnitOfWork


@dataclass(frozen=True)
class RunStep:
    """A Step to persist, with the contact its run texts and, for a new run, its flow's dedupe key."""

    step: Step
    contact_id: int
    dedupe_key: str | None = None


def apply_step(
    uow: UnitOfWork,
    step: Step,
    *,
    contact_id: int,
    now: datetime,
    dedupe_key: str | None = None,
) -> bool:
    """Save the run's new state and queue its actions; False, writing nothing, if the state is refused.

    Nothing is performed here: sends become outbox rows, CRM writes become write-back rows, waits become
    timers, all committed (or not) with the state by the caller. Every row is keyed by its action id, so
    applying the same Step again (a retried webhook) adds nothing. The state is refused when it is older than
    the stored one, or when a new run's dedupe_key is already taken.
    """
    return apply_steps(uow, [RunStep(step, contact_id, dedupe_key)], now=now)[0]


def apply_steps(uow: UnitOfWork, steps: Sequence[RunStep], *, now: datetime) -> list[bool]:
    """apply_step for many Steps at once, with one statement per table rather than per row; saved or not, in order.

    A campaign batch starts hundreds of runs this way; a webhook applies its one Step through apply_step, and
    both take this path, so the two cannot drift apart.
    """
    states = [_ended_if_told(item.step) for item in steps]
    saved = uow.runs.save_many(
        [(state, item.contact_id, item.dedupe_key) for state, item in zip(states, steps, strict=True)], now=now
    )
    outbox: list[dict[str, Any]] = []
    messages: list[dict[str, Any]] = []
    writebacks: list[dict[str, Any]] = []
    timers: list[tuple[str, str, datetime]] = []
    keep: dict[str, str | None] = {}
    for state, item, ok in zip(states, steps, saved, strict=True):
        if not ok:
            continue
        run_id, contact_id = state.run_id, item.contact_id
        for action in item.step.actions:
            if isinstance(action, SendSms):
                payload = {
                    "run_id": run_id,
                    "contact_id": contact_id,
                    "body": action.body,
                    "category": action.category,
                    "step": action.step,
                    "flow": state.flow,
                }
                outbox.append(uow.outbox.row(action.id, "send_sms", payload, run_id=run_id, now=now))
                messages.append(
                    uow.messages.outbound_row(
                        action_id=action.id,
                        run_id=run_id,
                        contact_id=contact_id,
                        body=action.body,
                        at=now,
                        category=action.category,
                        flow=state.flow,
                    )
                )
            elif isinstance(action, UpdateRecord | CreateTask):
                details = action.model_dump(mode="json", exclude={"type", "id", "object", "record_id"})
                writebacks.append(
                    uow.writebacks.row(
                        action.id,
                        action.type,
                        object=action.object,
                        record_id=action.record_id,
                        payload={"run_id": run_id, **details},
                        now=now,
                    )
                )
            elif isinstance(action, WaitUntil):
                timers.append((action.id, run_id, action.at))
        # A run waits on at most one timer, state.timer_id; any other pending one is obsolete: the engine forgets
        # a timer when a reply beats it, and an ended run waits on none.
        keep[run_id] = None if state.status == "ended" else state.timer_id
    uow.outbox.add_many(outbox)
    uow.messages.add_outbound_many(messages)
    uow.writebacks.add_many(writebacks)
    uow.timers.add_many(timers)
    uow.timers.cancel_for_runs(keep)
    return saved


def _ended_if_told(step: Step) -> RunState:
    """The step's state, marked ended if an EndRun says so (the engine does this already; belt and braces)."""
    end = next((a for a in step.actions if isinstance(a, EndRun)), None)
    if end is None or step.state.status == "ended":
        return step.state
    return step.state.model_copy(
        update={
            "status": "ended",
            "waiting_for": None,
            "timer_id": None,
            "wait_until": None,
            "ended_reason": end.reason,
        }
    )
