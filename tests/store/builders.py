"""Values the store tests build runs and steps from."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from connector.engine.model import (
    CreateTask,
    EndRun,
    Record,
    RunState,
    SendSms,
    Step,
    UpdateRecord,
    WaitUntil,
)

# A fixed instant: the store never needs the real clock in tests, and no test asserts on it.
T0 = datetime(2024, 6, 3, 15, 0, tzinfo=UTC)


def make_state(run_id: str = "run-1", **changes: Any) -> RunState:
    """A waiting run of the booking flow, with `changes` applied."""
    state = RunState(
        run_id=run_id,
        flow="booking-confirm",
        flow_version="v1",
        category="transactional",
        record=Record(object="Lead", id="00Q000000000001", fields={"FirstName": "Ana"}),
        status="waiting",
        step="confirm",
        waiting_for="reply",
    )
    return state.model_copy(update=changes)


def booking_step(run_id: str = "run-1") -> Step:
    """A run's first step: text the contact, note it on the record, open a task, and wait for a reply."""
    timer_id = f"{run_id}:4:timer"
    state = make_state(run_id, seq=4, timer_id=timer_id, wait_until=T0 + timedelta(hours=2), sent=[f"{run_id}:1:send"])
    record = {"object": "Lead", "record_id": "00Q000000000001"}
    return Step(
        state=state,
        actions=[
            SendSms(
                id=f"{run_id}:1:send",
                step="confirm",
                body="Ana, see you at 3pm? YES/NO",
                category="transactional",
            ),
            UpdateRecord(id=f"{run_id}:2:update", step="confirm", fields={"SMS_Status__c": "asked"}, **record),
            CreateTask(
                id=f"{run_id}:3:task",
                step="confirm",
                subject="Call Ana",
                due=T0 + timedelta(days=1),
                **record,
            ),
            WaitUntil(id=timer_id, step="confirm", at=T0 + timedelta(hours=2), reason="reply"),
        ],
    )


def end_step(state: RunState, reason: str = "end") -> Step:
    """The step that ends `state`'s run."""
    seq = state.seq + 1
    ended = state.model_copy(
        update={
            "seq": seq,
            "status": "ended",
            "waiting_for": None,
            "timer_id": None,
            "wait_until": None,
            "ended_reason": reason,
        }
    )
    return Step(state=ended, actions=[EndRun(id=f"{state.run_id}:{seq}:end", step=state.step, reason=reason)])
