"""Jobs in several worker processes on one PostgreSQL: each piece of CRM work is done by one process at a time.

Each "process" here is a Worker on a Store of its own (its own engine and connections), as `smsflow worker` on
another machine would be; a CRM whose calls wait at a gate holds one process in the middle of its job while the
other runs the same job. SQLite runs one worker process (docs/operations.md): these run on PostgreSQL only.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from connector.bootstrap import Container
from connector.crm.fake import FakeCrm
from connector.crm.port import WriteOp, WriteResult
from connector.services.registry import Registry
from connector.settings import load_settings
from connector.sms.fake import FakeSms
from connector.store.uow import Store
from connector.worker import JOBS, Worker, run_job

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
WAIT = 10.0  # seconds any step may take on a busy machine before the test gives up


class GatedCrm:
    """A FakeCrm whose first get() or write() waits at a gate until the test opens it; every call is recorded."""

    def __init__(self, inner: FakeCrm) -> None:
        self.inner = inner
        self.calls: list[tuple[str, str]] = []
        self.gate = threading.Event()
        self._held = False
        self._lock = threading.Lock()

    def _enter(self, kind: str, what: str) -> None:
        with self._lock:
            self.calls.append((kind, what))
            first, self._held = not self._held, True
        if first:
            assert self.gate.wait(WAIT), "the test never opened the gate"

    def get(self, obj: str, record_id: str, fields: Sequence[str]) -> dict[str, Any] | None:
        self._enter("get", record_id)
        return self.inner.get(obj, record_id, fields)

    def get_many(self, obj: str, record_ids: Sequence[str], fields: Sequence[str]) -> dict[str, dict[str, Any]]:
        self._enter("get_many", ",".join(record_ids))
        return self.inner.get_many(obj, record_ids, fields)

    def write(self, ops: Sequence[WriteOp]) -> list[WriteResult]:
        self._enter("write", ",".join(str(op.fields) for op in ops))
        return self.inner.write(ops)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.load(ROOT / "flows", ROOT / "mappings", ROOT / "manifest.yaml")


@pytest.fixture
def make_worker(pg_url: str, registry: Registry) -> Iterator[Callable[[GatedCrm], Worker]]:
    stores: list[Store] = []
    settings = load_settings({"SMSFLOW_PUBLIC_URL": "https://connector.example.com", "DATABASE_URL": pg_url})

    def make(crm: GatedCrm) -> Worker:
        store = Store(pg_url)  # a process of its own: its own engine, pool and sessions
        stores.append(store)
        container = Container(settings=settings, store=store, registry=registry, clock=lambda: T0, crm=crm)  # type: ignore[arg-type]
        return Worker.build(container, FakeSms())

    yield make
    for store in stores:
        store.dispose()


def job(name: str) -> Any:
    return next(j for j in JOBS if j.name == name)


def in_thread(target: Callable[[], object]) -> threading.Thread:
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


def wait_until(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not check():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.01)


def test_a_pending_event_is_read_from_the_crm_by_one_process(make_worker: Callable[[GatedCrm], Worker]) -> None:
    crm = GatedCrm(FakeCrm(now=T0))
    lead = crm.inner.put("Lead", LastName="Okafor", MobilePhone="+12025550143", Status="Open")
    first, second = make_worker(crm), make_worker(crm)
    with first.container.store.unit_of_work() as uow:
        payload = {"fields": {"Id": lead}}  # too few fields: processing reads the record back from the CRM
        uow.events.add("outbound", "evt-1", object="Lead", record_id=lead, kind="updated", payload=payload,
                       received_at=T0)  # fmt: skip
        uow.commit()

    a = in_thread(lambda: run_job(job("process_events"), first))
    wait_until(lambda: len(crm.calls) == 1, "the first process to read the record")
    b = in_thread(lambda: run_job(job("process_events"), second))
    # Unsafe: the second process reads the same event again (a metered API call, and a second apply racing
    # the first). Safe: it leaves the event to the process already on it.
    wait_until(lambda: not b.is_alive() or len(crm.calls) > 1, "the second process to return or read")
    crm.gate.set()
    a.join(WAIT), b.join(WAIT)
    assert crm.calls == [("get_many", lead)], "the event was read from the CRM once"
    with first.container.store.unit_of_work() as uow:
        event = uow.events.get("outbound", "evt-1")
    assert event is not None and event.status != "received"


def test_updates_of_one_record_reach_the_crm_in_order(make_worker: Callable[[GatedCrm], Worker]) -> None:
    crm = GatedCrm(FakeCrm(now=T0))
    lead = crm.inner.put("Lead", LastName="Okafor", Status="Open")
    first, second = make_worker(crm), make_worker(crm)

    def queue(key: str, status: str) -> None:
        with first.container.store.unit_of_work() as uow:
            payload = {"fields": {"Status": status}}
            uow.writebacks.add(key, "update_record", object="Lead", record_id=lead, payload=payload, now=T0)
            uow.commit()

    queue("run-1:0", "Contacted")
    a = in_thread(lambda: run_job(job("flush_writebacks"), first))
    wait_until(lambda: len(crm.calls) == 1, "the first process to start writing")
    queue("run-1:1", "Booked")  # the run moved on while the first write was on the wire
    b = in_thread(lambda: run_job(job("flush_writebacks"), second))
    # Unsafe: the second process writes "Booked" at once, and the first one's older "Contacted" lands after it.
    wait_until(lambda: not b.is_alive() or len(crm.calls) > 1, "the second process to return or write")
    crm.gate.set()
    a.join(WAIT), b.join(WAIT)
    run_job(job("flush_writebacks"), second)  # the next run of the job, in whichever process leads it then
    assert crm.inner.records["Lead"][lead]["Status"] == "Booked", f"the newest update won: {crm.calls}"
    with first.container.store.unit_of_work() as uow:
        rows = [uow.writebacks.get(key) for key in ("run-1:0", "run-1:1")]
    assert [row.status if row else None for row in rows] == ["done", "done"]


def test_jobs_lead_as_the_manifest_says() -> None:
    manifest = yaml.safe_load((ROOT / "manifest.yaml").read_text(encoding="utf-8"))
    declared = {entry["name"]: entry["leader_only"] for entry in manifest["jobs"]}
    assert {j.name: j.leader_only for j in JOBS} == declared
