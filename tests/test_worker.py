"""The worker's jobs, called directly (no scheduler), and run_worker starting and stopping cleanly."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import update

from connector.bootstrap import Container
from connector.crm.fake import FakeCrm
from connector.crm.port import RecordChange
from connector.engine.durations import parse_duration
from connector.services.ingest import store_change
from connector.services.registry import Registry
from connector.services.runs import start_run
from connector.settings import load_settings
from connector.sms.fake import FakeSms
from connector.store.tables import Run
from connector.store.uow import Store
from connector.worker import (
    JOBS,
    Job,
    Worker,
    dispatch_outbox,
    fire_timers,
    leader,
    process_events,
    run_job,
    run_worker,
)

ROOT = Path(__file__).resolve().parents[1]
T0 = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.load(ROOT / "flows", ROOT / "mappings", ROOT / "manifest.yaml")


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def container(store: Store, registry: Registry, clock: Clock) -> Container:
    settings = load_settings({"SMSFLOW_PUBLIC_URL": "https://connector.example.com"})
    return Container(settings=settings, store=store, registry=registry, clock=clock)


def start(container: Container, n: int) -> str:
    fields = json.loads((ROOT / "tests/flows/records/lead-booking.json").read_text(encoding="utf-8"))
    fields.pop("attributes")
    fields["Id"] = record_id = f"00Q5e00000Hk{n:03d}EAJ"
    flow = container.registry.flows["booking-confirm"]
    with container.store.unit_of_work() as uow:
        started = start_run(
            uow, container.registry, flow, obj="Lead", record_id=record_id, fields=fields, cause="e", at=T0
        )
        uow.commit()
    assert started.step is not None
    return started.step.state.run_id


def test_jobs_are_the_manifests_jobs_at_its_intervals() -> None:
    manifest = yaml.safe_load((ROOT / "manifest.yaml").read_text(encoding="utf-8"))
    declared = {job["name"]: parse_duration(job["every"]) for job in manifest["jobs"]}
    for job in JOBS:
        assert declared.get(job.name) == job.every, f"{job.name} runs as manifest.yaml says"


def test_dispatch_outbox_keeps_claiming_until_nothing_is_due(container: Container) -> None:
    for n in range(25):
        start(container, n)
    sms = FakeSms()
    worker = Worker.build(container, sms, rate=1000, batch=10)
    assert dispatch_outbox(worker) == 25
    assert len(sms.sent) == 25
    assert all(m.status_callback and m.status_callback.endswith(f"k={m.key.replace(':', '%3A')}") for m in sms.sent)
    assert dispatch_outbox(worker) == 0


def test_process_events_works_through_a_burst_pass_after_pass(store: Store, registry: Registry, clock: Clock) -> None:
    crm = FakeCrm(now=T0)
    owner = crm.put("User", FirstName="Anna", Phone="+14155550100")
    settings = load_settings(
        {"SMSFLOW_PUBLIC_URL": "https://connector.example.com", "SMSFLOW_MANIFEST": str(ROOT / "manifest.yaml")}
    )
    container = Container(settings=settings, store=store, registry=registry, clock=clock, crm=crm)
    fields = {"LastName": "Ruiz", "LeadSource": "Web", "Status": "Open - Not Contacted", "OwnerId": owner}
    leads = [crm.put("Lead", **fields, MobilePhone=f"+1415555{n:04d}") for n in range(450)]
    with store.unit_of_work() as uow:
        for n, lead in enumerate(leads):  # Outbound Messages without Owner.*: each record is read back
            change = RecordChange("outbound_message", f"04l{n:012d}", "Lead", lead, "updated", {"Id": lead})
            store_change(uow, change, received_at=T0)
        uow.commit()
    worker = Worker.build(container, FakeSms())
    assert process_events(worker, per_pass=200) == 450, "one run of the job, three passes"
    assert crm.calls == {"get_many": 3}, "one CRM query a pass"
    assert process_events(worker, per_pass=200) == 0


def test_fire_timers_fires_each_due_timer_once(container: Container, clock: Clock) -> None:
    runs = [start(container, n) for n in range(3)]
    worker = Worker.build(container, FakeSms())
    assert fire_timers(worker) == 0, "nothing is due yet"
    clock.now = T0 + timedelta(hours=25)
    assert fire_timers(worker) == 3
    assert fire_timers(worker) == 0
    with container.store.unit_of_work() as uow:
        states = [uow.runs.get(run_id) for run_id in runs]
    assert all(s is not None and s.step == "reminder" for s in states), "each run moved on to its reminder"


def test_a_timer_that_breaks_its_run_is_parked_and_the_rest_still_fire(container: Container, clock: Clock) -> None:
    broken, fine = start(container, 1), start(container, 2)
    with container.store.unit_of_work() as uow:
        uow.session.execute(update(Run).where(Run.id == broken).values(state={"not": "a run state"}))
        uow.commit()
    clock.now = T0 + timedelta(hours=25)
    assert fire_timers(Worker.build(container, FakeSms())) == 2
    with container.store.unit_of_work() as uow:
        assert uow.timers.pending_for_run(broken) == [], "parked, not retried forever"
        assert "timer_failed" in [a.action for a in uow.audit.recent(5)]
        state = uow.runs.get(fine)
        assert state is not None and state.step == "reminder"


def test_a_failing_job_is_logged_masked_and_not_raised(container: Container, caplog: pytest.LogCaptureFixture):
    def explode(worker: Worker) -> None:
        raise RuntimeError("cannot text +12025550143")

    run_job(Job("explode", timedelta(seconds=1), explode), Worker.build(container, FakeSms()))
    assert "job explode failed" in caplog.text
    assert "+12025550143" not in caplog.text and "+1202*****43" in caplog.text


def test_only_one_process_leads_a_leader_only_job(store: Store) -> None:
    with leader(store, "poll_crm") as first:
        assert first
        with leader(store, "poll_crm") as second:
            assert second is (store.engine.dialect.name != "postgresql"), "PostgreSQL: the lock is taken"
        with leader(store, "flush_writebacks") as other:
            assert other, "another job's lock is free"
    with leader(store, "poll_crm") as again:
        assert again, "released when the job ends"


def test_run_worker_runs_the_jobs_and_stops_on_request(container: Container) -> None:
    start(container, 1)
    sms, stop = FakeSms(), threading.Event()
    quick = tuple(Job(j.name, timedelta(seconds=0.2), j.run) for j in JOBS)
    thread = threading.Thread(target=run_worker, args=(container, stop), kwargs={"sms": sms, "jobs": quick})
    thread.start()
    try:
        for _ in range(200):  # bounded: up to 10 s on a busy machine
            if sms.sent:
                break
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive(), "run_worker returned once stopped"
    assert len(sms.sent) == 1
