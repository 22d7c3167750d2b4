"""Claiming queued work: concurrent claimers never share a row, and leases, retries and failures behave."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from connector.store.uow import Store

from .builders import T0, make_state

QUEUES = ["outbox", "writebacks", "timers"]
ROWS = 60
WORKERS = 4


def _seed(store: Store, queue: str, contact_id: int, rows: int = ROWS) -> None:
    with store.unit_of_work() as uow:
        uow.runs.save(make_state(), contact_id=contact_id, now=T0)
        for i in range(rows):
            if queue == "outbox":
                uow.outbox.add(f"send-{i}", "send_sms", {"n": i}, run_id="run-1", now=T0)
            elif queue == "writebacks":
                uow.writebacks.add(f"wb-{i}", "activity", object="Task", record_id="00Q1", payload={}, now=T0)
            else:
                uow.timers.add(f"timer-{i}", "run-1", T0)
        uow.commit()


def _claim(store: Store, queue: str, worker: str, limit: int = 3) -> list[int | str]:
    with store.unit_of_work() as uow:
        if queue == "outbox":
            ids: list[int | str] = [item.id for item in uow.outbox.claim(T0, limit, worker)]
        elif queue == "writebacks":
            ids = [item.id for item in uow.writebacks.claim(T0, limit)]
        else:
            ids = [timer.id for timer in uow.timers.due(T0, limit)]
        uow.commit()
    return ids


@pytest.mark.parametrize("queue", QUEUES)
def test_concurrent_claimers_never_claim_the_same_row(store: Store, contact_id: int, queue: str) -> None:
    _seed(store, queue, contact_id)
    start = threading.Barrier(WORKERS)

    def work(worker: str) -> list[int | str]:
        start.wait()
        mine: list[int | str] = []
        while batch := _claim(store, queue, worker):
            mine.extend(batch)
        return mine

    with ThreadPoolExecutor(WORKERS) as pool:
        claimed = [row for batch in pool.map(work, [f"worker-{n}" for n in range(WORKERS)]) for row in batch]
    assert len(claimed) == len(set(claimed)) == ROWS


def test_claim_never_returns_rows_an_open_claim_holds(store: Store, contact_id: int) -> None:
    _seed(store, "outbox", contact_id, rows=4)
    with store.unit_of_work() as first:
        held = {item.id for item in first.outbox.claim(T0, 2, "worker-a")}
        # PostgreSQL skips the locked rows at once; SQLite makes the second claimer wait for this commit.
        with ThreadPoolExecutor(1) as pool:
            second = pool.submit(_claim, store, "outbox", "worker-b", 10)
            first.commit()
            rest = set(second.result())
    assert len(held) == 2
    assert len(rest) == 2
    assert held.isdisjoint(rest)


def test_claim_leases_the_item_to_the_worker(store: Store, contact_id: int) -> None:
    _seed(store, "outbox", contact_id, rows=1)
    with store.unit_of_work() as uow:
        (item,) = uow.outbox.claim(T0, 10, "worker-a", lease=timedelta(minutes=2))
        uow.commit()
    assert (item.status, item.claimed_by, item.attempts) == ("claimed", "worker-a", 1)
    assert item.claimed_until == T0 + timedelta(minutes=2)
    assert _claim(store, "outbox", "worker-b") == []


def test_claim_whose_lease_ran_out_is_claimed_again(store: Store, contact_id: int) -> None:
    _seed(store, "outbox", contact_id, rows=1)
    with store.unit_of_work() as uow:
        uow.outbox.claim(T0, 10, "worker-a", lease=timedelta(minutes=2))
        uow.commit()
    with store.unit_of_work() as uow:
        (again,) = uow.outbox.claim(T0 + timedelta(minutes=2), 10, "worker-b")
        uow.commit()
    assert (again.claimed_by, again.attempts) == ("worker-b", 2)


OUTCOMES = [
    pytest.param("done", [], id="done-item-is-never-claimed-again"),
    pytest.param("fail", [], id="failed-item-is-never-claimed-again"),
    pytest.param("retry", ["send-0"], id="retried-item-is-claimed-again-when-due"),
]


@pytest.mark.parametrize(("outcome", "claimed_later"), OUTCOMES)
def test_outbox_outcome(store: Store, contact_id: int, outcome: str, claimed_later: list[str]) -> None:
    _seed(store, "outbox", contact_id, rows=1)
    retry_at = T0 + timedelta(minutes=10)
    with store.unit_of_work() as uow:
        (item,) = uow.outbox.claim(T0, 10, "worker-a")
        if outcome == "done":
            uow.outbox.done(item.id, now=T0)
        elif outcome == "fail":
            uow.outbox.fail(item.id, "invalid_number", now=T0)
        else:
            uow.outbox.retry(item.id, retry_at, "throttled", now=T0)
        uow.commit()
    with store.unit_of_work() as uow:
        assert uow.outbox.claim(retry_at - timedelta(seconds=1), 10, "worker-b") == []
        later = uow.outbox.claim(retry_at + timedelta(days=1), 10, "worker-b")
    assert [i.idempotency_key for i in later] == claimed_later


def test_outbox_retry_keeps_the_error(store: Store, contact_id: int) -> None:
    _seed(store, "outbox", contact_id, rows=1)
    with store.unit_of_work() as uow:
        (item,) = uow.outbox.claim(T0, 10, "worker-a")
        uow.outbox.retry(item.id, T0 + timedelta(minutes=1), "throttled: 429")
        uow.commit()
    with store.unit_of_work() as uow:
        stored = uow.outbox.get("send-0")
    assert stored is not None
    assert (stored.status, stored.last_error, stored.claimed_by) == ("pending", "throttled: 429", None)


def test_outbox_key_is_queued_once(store: Store, contact_id: int) -> None:
    _seed(store, "outbox", contact_id, rows=1)
    with store.unit_of_work() as uow:
        assert uow.outbox.add("send-0", "send_sms", {"n": "again"}, now=T0) is False
        assert uow.outbox.get("send-0").payload == {"n": 0}  # type: ignore[union-attr]


def test_writeback_claim_by_kind_and_done_with_crm_id(store: Store) -> None:
    with store.unit_of_work() as uow:
        uow.writebacks.add("a", "activity", object="Task", record_id="00Q1", payload={}, now=T0)
        uow.writebacks.add("t", "create_task", object="Lead", record_id="00Q1", payload={}, now=T0)
        uow.commit()
    with store.unit_of_work() as uow:
        (task,) = uow.writebacks.claim(T0, 10, kind="create_task")
        uow.writebacks.done(task.id, at=T0, crm_id="00T000000000001")
        uow.commit()
    with store.unit_of_work() as uow:
        done = uow.writebacks.get("t")
        rest = uow.writebacks.claim(T0, 10)
    assert done is not None and (done.status, done.crm_id) == ("done", "00T000000000001")
    assert [item.idempotency_key for item in rest] == ["a"]


def test_writeback_retry_is_due_at_its_time(store: Store) -> None:
    with store.unit_of_work() as uow:
        uow.writebacks.add("a", "activity", object="Task", record_id="00Q1", payload={}, now=T0)
        (item,) = uow.writebacks.claim(T0, 10)
        uow.writebacks.retry(item.id, T0 + timedelta(minutes=5), "REQUEST_LIMIT_EXCEEDED")
        uow.commit()
    with store.unit_of_work() as uow:
        assert uow.writebacks.claim(T0 + timedelta(minutes=4), 10) == []
        (again,) = uow.writebacks.claim(T0 + timedelta(minutes=5), 10)
    assert (again.attempts, again.last_error) == (2, "REQUEST_LIMIT_EXCEEDED")


def test_writeback_kind_must_be_known(store: Store) -> None:
    with store.unit_of_work() as uow, pytest.raises(ValueError, match="write-back kind"):
        uow.writebacks.add("x", "email", object="Lead", record_id="00Q1", payload={}, now=T0)
