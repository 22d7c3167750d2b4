"""The outbox pattern: persist an engine Step (new run state plus its actions) in the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from connector.engine.model import CreateTask, EndRun, RunState, SendSms, Step, UpdateRecord, WaitUntil
from connector.store.uow import UnitOfWork


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
    state = _ended_if_told(step)
    if not uow.runs.save(state, contact_id=contact_id, dedupe_key=dedupe_key, now=now):
        return False
    run_id = state.run_id
    for action in step.actions:
        if isinstance(action, SendSms):
            payload = {
                "run_id": run_id,
                "contact_id": contact_id,
                "body": action.body,
                "category": action.category,
                "step": action.step,
                "flow": state.flow,
            }
            uow.outbox.add(action.id, "send_sms", payload, run_id=run_id, now=now)
            uow.messages.add_outbound(
                action_id=action.id,
                run_id=run_id,
                contact_id=contact_id,
                body=action.body,
                at=now,
                category=action.category,
                flow=state.flow,
            )
        elif isinstance(action, UpdateRecord | CreateTask):
            details = action.model_dump(mode="json", exclude={"type", "id", "object", "record_id"})
            uow.writebacks.add(
                action.id,
                action.type,
                object=action.object,
                record_id=action.record_id,
                payload={"run_id": run_id, **details},
                now=now,
            )
        elif isinstance(action, WaitUntil):
            uow.timers.add(action.id, run_id, action.at)
    # A run waits on at most one timer, state.timer_id; any other pending one is obsolete: the engine forgets
    # a timer when a reply beats it, and an ended run waits on none.
    uow.timers.cancel_for_run(run_id, keep=None if state.status == "ended" else state.timer_id)
    return True


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
