"""apply_step: a Step's state and actions land in one transaction, and applying it again adds nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from connector.engine.model import Step
from connector.store.apply import apply_step
from connector.store.tables import Message, MessageStatus, Outbox, Run, Timer, Writeback
from connector.store.uow import Store

from .builders import T0, booking_step, end_step, make_state

TABLES = (Run, Outbox, Message, MessageStatus, Writeback, Timer)


def _apply(store: Store, step: Step, contact_id: int, **kwargs: Any) -> bool:
    with store.unit_of_work() as uow:
        applied = apply_step(uow, step, contact_id=contact_id, now=T0, **kwargs)
        uow.commit()
    return applied


def test_step_becomes_outbox_message_writeback_and_timer_rows(store: Store, contact_id: int) -> None:
    step = booking_step()
    assert _apply(store, step, contact_id)
    with store.unit_of_work() as uow:
        send = uow.outbox.get("run-1:1:send")
        message = uow.messages.by_action_id("run-1:1:send")
        update = uow.writebacks.get("run-1:2:update")
        task = uow.writebacks.get("run-1:3:task")
        timer = uow.timers.get("run-1:4:timer")
        state = uow.runs.get("run-1")
    assert send is not None and send.kind == "send_sms" and send.status == "pending"
    assert send.payload == {
        "run_id": "run-1",
        "contact_id": contact_id,
        "body": "Ana, see you at 3pm? YES/NO",
        "category": "transactional",
        "step": "confirm",
        "flow": "booking-confirm",
    }
    assert message is not None
    assert (message.direction, message.status, message.run_id) == ("out", "pending", "run-1")
    assert (message.category, message.flow, message.sent_at) == ("transactional", "booking-confirm", None)
    assert update is not None and update.kind == "update_record"
    assert update.payload["fields"] == {"SMS_Status__c": "asked"}
    assert task is not None and task.kind == "create_task" and task.payload["subject"] == "Call Ana"
    assert (task.object, task.record_id) == ("Lead", "00Q000000000001")
    assert timer is not None and (timer.due_at, timer.status) == (T0 + timedelta(hours=2), "pending")
    assert state == step.state


def test_applying_the_same_step_twice_duplicates_nothing(
    store: Store, contact_id: int, count: Callable[..., int]
) -> None:
    step = booking_step()
    _apply(store, step, contact_id)
    before = {table.__tablename__: count(table) for table in TABLES}
    assert _apply(store, step, contact_id)
    after = {table.__tablename__: count(table) for table in TABLES}
    assert (
        after
        == before
        == {
            "runs": 1,
            "outbox": 1,
            "messages": 1,
            "message_statuses": 1,
            "writebacks": 2,
            "timers": 1,
        }
    )


def test_applying_twice_in_one_transaction_duplicates_nothing(
    store: Store, contact_id: int, count: Callable[..., int]
) -> None:
    step = booking_step()
    with store.unit_of_work() as uow:
        apply_step(uow, step, contact_id=contact_id, now=T0)
        apply_step(uow, step, contact_id=contact_id, now=T0)
        uow.commit()
    assert (count(Outbox), count(Message), count(Writeback), count(Timer)) == (1, 1, 2, 1)


def test_step_not_committed_leaves_no_trace(store: Store, contact_id: int, count: Callable[..., int]) -> None:
    with store.unit_of_work() as uow:
        apply_step(uow, booking_step(), contact_id=contact_id, now=T0)
    assert all(count(table) == 0 for table in TABLES)


def test_end_run_cancels_pending_timers_and_ends_the_run(store: Store, contact_id: int) -> None:
    first = booking_step()
    _apply(store, first, contact_id)
    assert _apply(store, end_step(first.state, "opted_out"), contact_id)
    with store.unit_of_work() as uow:
        timer = uow.timers.get("run-1:4:timer")
        state = uow.runs.get("run-1")
        waiting = uow.runs.waiting_for_contact(contact_id)
    assert timer is not None and timer.status == "cancelled"
    assert state is not None and (state.status, state.ended_reason) == ("ended", "opted_out")
    assert waiting == []


def test_end_run_action_ends_the_run_even_if_the_state_says_otherwise(
    store: Store, contact_id: int, count: Callable[..., int]
) -> None:
    first = booking_step()
    _apply(store, first, contact_id)
    ending = end_step(first.state)
    _apply(store, ending.model_copy(update={"state": first.state.model_copy(update={"seq": 5})}), contact_id)
    assert count(Run, status="ended") == 1
    assert count(Timer, status="pending") == 0


def test_reply_that_beats_the_timeout_cancels_the_forgotten_timer(store: Store, contact_id: int) -> None:
    first = booking_step()
    _apply(store, first, contact_id)
    moved_on = first.state.model_copy(update={"seq": 5, "step": "confirmed", "timer_id": None, "wait_until": None})
    _apply(store, first.model_copy(update={"state": moved_on, "actions": []}), contact_id)
    with store.unit_of_work() as uow:
        timer = uow.timers.get("run-1:4:timer")
    assert timer is not None and timer.status == "cancelled"


def test_an_older_state_never_overwrites_a_newer_one(store: Store, contact_id: int, count: Callable[..., int]) -> None:
    first = booking_step()
    _apply(store, first, contact_id)
    _apply(store, end_step(first.state), contact_id)
    assert _apply(store, first, contact_id) is False
    with store.unit_of_work() as uow:
        state = uow.runs.get("run-1")
    assert state is not None and state.status == "ended"
    assert count(Timer, status="pending") == 0


def test_second_run_under_a_taken_dedupe_key_is_not_started(
    store: Store, contact_id: int, count: Callable[..., int]
) -> None:
    assert _apply(store, booking_step("run-1"), contact_id, dedupe_key="Lead:00Q1:intro")
    assert _apply(store, booking_step("run-2"), contact_id, dedupe_key="Lead:00Q1:intro") is False
    assert count(Run) == 1
    assert count(Outbox, run_id="run-2") == 0
    with store.unit_of_work() as uow:
        kept = uow.runs.by_dedupe_key("Lead:00Q1:intro")
    assert kept is not None and kept.run_id == "run-1"


def test_state_without_actions_is_saved(store: Store, contact_id: int) -> None:
    state = make_state(status="active", step="intro", waiting_for=None)
    with store.unit_of_work() as uow:
        apply_step(
            uow,
            booking_step().model_copy(update={"state": state, "actions": []}),
            contact_id=contact_id,
            now=T0,
        )
        uow.commit()
    with store.unit_of_work() as uow:
        assert uow.runs.get("run-1") == state
