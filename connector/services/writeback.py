"""The write-back queue: every text, receipt and reply as an activity on its record, flushed 200 records a call.

Rows enter the queue in the same transaction as what caused them:
- `queue_activity(uow, message, kind)`: a text was sent, a delivery status arrived, or a reply arrived;
- `queue_opt_out(uow, registry, contact_id, at=...)`: the contact opted out, so tick the mapping's opt-out field;
- `apply_step` queues the engine's UpdateRecord and CreateTask actions.
`flush_writebacks` claims due rows, turns them into as few CRM writes as possible, and records each outcome.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import groupby

from connector.crm.port import CrmError, CrmPort, WriteResult
from connector.ratelimit import Backoff
from connector.services.activities import ActivityKind, Outcome, Planned, plan, reply_task_subject
from connector.services.registry import Registry
from connector.store.records import MessageRecord, WritebackItem
from connector.store.types import utcnow
from connector.store.uow import Store, UnitOfWork

BATCH = 200  # sObject Collections: up to 200 records a call
CLAIM = 2000  # rows per round; a message's sent row and its receipts then usually share one upsert
BASE_BACKOFF = timedelta(seconds=30)
# Write-backs never give up (the CRM's data must arrive), so only the pace comes from the shared backoff.
BACKOFF = Backoff(base=BASE_BACKOFF, cap=timedelta(minutes=30), jitter=0.0)
LIMIT_WAIT = timedelta(minutes=15)  # the org's 24-hour API budget is spent: calls only free up as time passes


def queue_activity(
    uow: UnitOfWork,
    message: MessageRecord,
    kind: ActivityKind,
    *,
    at: datetime | None = None,
    needs_person: bool = False,
) -> bool:
    """Queue the activity for a text that was sent, got a new status, or arrived; False if queued already or unlinked.

    With `needs_person` (a reply no run understood) an open, High-priority Task for the record's owner is queued too.
    """
    target = _record_of(uow, message)
    if target is None:
        return False
    obj, record_id, owner_id = target
    now = at or utcnow()
    key = f"activity:{message.id}:{kind}" + (f":{message.status}" if kind == "status" else "")
    payload = {"message_id": message.id, "provider_id": message.provider_id, "action_id": message.action_id}
    added = uow.writebacks.add(
        key, "activity", object=obj, record_id=record_id, payload={**payload, "kind": kind}, now=now
    )
    if needs_person and message.direction == "in":
        task = {"subject": reply_task_subject(message.body), "priority": "High", "owner_id": owner_id}
        task["description"] = message.body
        uow.writebacks.add(
            f"person:{message.id}", "create_task", object=obj, record_id=record_id, payload=task, now=now
        )
    return added


def queue_opt_out(uow: UnitOfWork, registry: Registry, contact_id: int, *, at: datetime) -> bool:
    """Queue ticking the mapping's opt-out field on the contact's record; False when there is none to tick."""
    contact = uow.contacts.get(contact_id)
    if contact is None or not contact.crm_object or not contact.crm_record_id:
        return False
    mapping = registry.mappings.get(contact.crm_object)
    if mapping is None or not mapping.opt_out:
        return False
    return uow.writebacks.add(
        f"opt_out:{contact_id}:{at.isoformat()}",
        "update_record",
        object=contact.crm_object,
        record_id=contact.crm_record_id,
        payload={"fields": {mapping.opt_out: True}},
        now=at,
    )


@dataclass
class FlushReport:
    """What one flush did; `waiting_until` is set when the CRM asked us to hold off (budget spent, outage)."""

    claimed: int = 0
    written: int = 0
    retried: int = 0
    failed: int = 0
    waiting_until: datetime | None = None
    errors: list[str] = field(default_factory=list)


def flush_writebacks(
    store: Store,
    registry: Registry,
    crm: CrmPort,
    *,
    now: datetime,
    our_number: str | None = None,
    claim: int = CLAIM,
    rounds: int = 10,
) -> FlushReport:
    """Write due queue rows to the CRM in batches; failures wait and retry, nothing is dropped unless refused."""
    report = FlushReport()
    for _ in range(rounds):
        with store.unit_of_work() as uow:
            items = uow.writebacks.claim(now, claim)
            planned, outcomes = plan(uow, registry, items, our_number)
            uow.commit()
        if not items:
            break
        report.claimed += len(items)
        # The CRM is called outside any transaction: claimed rows stay leased meanwhile, and SQLite's write lock
        # is not held across network calls.
        outcomes += _write(crm, planned, now, report)
        with store.unit_of_work() as uow:
            for outcome in outcomes:
                _record(uow, outcome, report, now)
            uow.commit()
        if report.waiting_until is not None or len(items) < claim:
            break
    return report


def _write(crm: CrmPort, planned: list[Planned], now: datetime, report: FlushReport) -> list[Outcome]:
    planned = sorted(planned, key=lambda p: (p.op.op, p.op.object, p.op.external_id_field or ""))
    chunks: list[list[Planned]] = []
    for _, group in groupby(planned, key=lambda p: (p.op.op, p.op.object, p.op.external_id_field)):
        same = list(group)
        chunks += [same[i : i + BATCH] for i in range(0, len(same), BATCH)]
    outcomes: list[Outcome] = []
    for index, chunk in enumerate(chunks):
        try:
            results = {r.key: r for r in crm.write([p.op for p in chunk])}
        except CrmError as exc:
            results = {p.op.key: WriteResult(p.op.key, False, error=exc) for p in chunk}
        away: CrmError | None = None
        for p in chunk:
            result = results.get(p.op.key) or WriteResult(p.op.key, False, error=CrmError("unavailable", True, "none"))
            error = result.error or CrmError("unavailable", True, "no error given")
            if result.ok:
                outcomes += [Outcome(i, "done", crm_id=result.record_id) for i in p.items]
            elif _transient(error):
                outcomes += [_retry(i, now, error) for i in p.items]
                away = away if away is not None and away.code == "limit" else error
            else:
                outcomes += [Outcome(i, "fail", error=str(error)) for i in p.items]
        if away is not None and away.code in ("limit", "unavailable", "auth"):
            # A spent budget, an outage or a dead session hits every later call too: hold the rest, stop calling.
            report.waiting_until = now + (LIMIT_WAIT if away.code == "limit" else BASE_BACKOFF)
            report.errors.append(str(away))
            outcomes += [_retry(i, now, away) for rest in chunks[index + 1 :] for p in rest for i in p.items]
            break
    return outcomes


def _transient(error: CrmError) -> bool:
    # An expired session the adapter could not renew is kept, not dropped: an admin fixes credentials, rows wait.
    return error.retryable or error.code in ("auth", "limit", "unavailable")


def _retry(item: WritebackItem, now: datetime, error: CrmError) -> Outcome:
    delay = BACKOFF.delay(max(1, item.attempts), rand=0.5)
    if error.code == "limit":
        delay = max(delay, LIMIT_WAIT)
    return Outcome(item, "retry", error=str(error), at=now + delay)


def _record(uow: UnitOfWork, outcome: Outcome, report: FlushReport, now: datetime) -> None:
    item = outcome.item
    if outcome.status == "done":
        uow.writebacks.done(item.id, at=now, crm_id=outcome.crm_id)
        report.written += 1
    elif outcome.status == "retry":
        uow.writebacks.retry(item.id, outcome.at or now, outcome.error or "")
        report.retried += 1
    else:
        uow.writebacks.fail(item.id, outcome.error or "")
        report.failed += 1


def _record_of(uow: UnitOfWork, message: MessageRecord) -> tuple[str, str, str | None] | None:
    """The CRM record a text belongs to (its run's, else its contact's) and that record's owner when known."""
    state = uow.runs.get(message.run_id) if message.run_id else None
    if state is not None:
        return state.record.object, state.record.id, state.owner.get("id")
    contact = uow.contacts.get(message.contact_id)
    if contact is None or not contact.crm_object or not contact.crm_record_id:
        return None
    return contact.crm_object, contact.crm_record_id, None
