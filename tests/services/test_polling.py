"""Polling catch-up finds what webhooks missed, from a watermark per object, and never starts a flow twice.

Runs on SQLite, and on PostgreSQL when SMSFLOW_TEST_DATABASE_URL is set (the `store` fixture).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from connector.config.loader import load_paths
from connector.crm.fake import FakeCrm
from connector.crm.port import CrmError, RecordChange
from connector.services.ingest import Ingest, process_pending, store_change
from connector.services.polling import leader, poll_changes, pollable
from connector.services.registry import Registry
from connector.store.tables import Event, Run
from connector.store.tables_crm import CrmStateRepository
from connector.store.uow import Store

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.load(ROOT / "flows", ROOT / "mappings", ROOT / "manifest.yaml")


@pytest.fixture
def crm() -> FakeCrm:
    fake = FakeCrm(now=T0 - timedelta(days=30))
    fake.put("User", FirstName="Anna", Phone="+14155550100")
    return fake


@pytest.fixture
def ingest(registry: Registry, crm: FakeCrm) -> Ingest:
    return Ingest.from_manifest(registry, crm, load_paths([ROOT / "manifest.yaml"]).manifest)


def new_lead(crm: FakeCrm, at: datetime, **fields: Any) -> str:
    crm.now = at
    values = {"FirstName": "Ana", "LastName": "Ruiz", "Company": "Ruiz Roofing", "MobilePhone": "+14155550123"}
    values |= {"LeadSource": "Web", "SMS_Time_Zone__c": "America/New_York", "OwnerId": next(iter(crm.records["User"]))}
    return crm.put("Lead", **{**values, **fields})


def count(store: Store, model: type, **where: Any) -> int:
    with store.unit_of_work() as uow:
        stmt = select(func.count()).select_from(model)
        for column, value in where.items():
            stmt = stmt.where(getattr(model, column) == value)
        return uow.session.scalar(stmt) or 0


def poll_and_process(store: Store, ingest: Ingest, now: datetime) -> None:
    report = poll_changes(store, ingest, now=now)
    assert report is not None and report.error is None
    process_pending(store, ingest, now=now)


def test_the_objects_polled_are_the_watched_ones(ingest: Ingest) -> None:
    assert pollable(ingest) == ["Contact", "Lead", "Task"]


def test_a_first_poll_does_not_replay_the_orgs_history(store: Store, ingest: Ingest, crm: FakeCrm) -> None:
    new_lead(crm, T0 - timedelta(days=2))
    poll_and_process(store, ingest, T0)
    assert count(store, Event) == 0 and count(store, Run) == 0


def test_a_lead_only_polling_sees_arrives_once(store: Store, ingest: Ingest, crm: FakeCrm) -> None:
    poll_and_process(store, ingest, T0)
    lead = new_lead(crm, T0 + timedelta(seconds=30))
    for minute in (1, 2, 3):  # later polls overlap the last one and read the lead again
        poll_and_process(store, ingest, T0 + timedelta(minutes=minute))
    assert count(store, Event, source="polling", record_id=lead) == 1
    assert count(store, Run, flow="intro-text", record_id=lead) == 1


def test_a_lead_the_webhook_brought_is_not_started_again_by_polling(store: Store, ingest: Ingest, crm: FakeCrm) -> None:
    poll_and_process(store, ingest, T0)
    lead = new_lead(crm, T0 + timedelta(seconds=30))
    with store.unit_of_work() as uow:
        fields = {"Id": lead, "LeadSource": "Web", "MobilePhone": "+14155550123"}
        store_change(uow, RecordChange("outbound_message", "04l1", "Lead", lead, "updated", fields), received_at=T0)
        uow.commit()
    process_pending(store, ingest, now=T0 + timedelta(minutes=1))
    poll_and_process(store, ingest, T0 + timedelta(minutes=2))
    assert count(store, Run, flow="intro-text", record_id=lead) == 1
    assert count(store, Event, source="polling", status="ignored") == 1  # that version was seen already


def test_a_no_answer_call_only_polling_sees_starts_missed_call(store: Store, ingest: Ingest, crm: FakeCrm) -> None:
    lead = new_lead(crm, T0 - timedelta(days=5), LeadSource="Phone Inquiry")
    poll_and_process(store, ingest, T0)
    crm.now = T0 + timedelta(seconds=20)
    crm.put("Task", WhoId=lead, TaskSubtype="Call", CallDisposition="No Answer", Subject="Call", Status="Completed")
    poll_and_process(store, ingest, T0 + timedelta(minutes=1))
    assert count(store, Run, flow="missed-call", record_id=lead) == 1


def test_tasks_other_than_calls_are_read_but_not_kept(store: Store, ingest: Ingest, crm: FakeCrm) -> None:
    poll_changes(store, ingest, now=T0)
    crm.now = T0 + timedelta(seconds=5)
    crm.put("Task", Subject="SMS sent: Hi", TaskSubtype="Task", SMS_Message_Id__c="SM1")
    report = poll_changes(store, ingest, now=T0 + timedelta(minutes=1), objects=["Task"])
    assert report is not None and report.read == {"Task": 1} and report.stored == {"Task": 0}


def test_reads_page_through_and_the_watermark_ends_at_the_newest_stamp(
    store: Store, ingest: Ingest, crm: FakeCrm
) -> None:
    poll_changes(store, ingest, now=T0)
    for n in range(2100):
        new_lead(crm, T0 + timedelta(seconds=1), LastName=f"L{n}", LeadSource="Other")
    crm.calls.clear()
    report = poll_changes(store, ingest, now=T0 + timedelta(minutes=1), objects=["Lead"])
    assert report is not None and report.stored == {"Lead": 2100}
    assert crm.calls == {"query": 2}  # 2,000 records a page
    with store.unit_of_work() as uow:
        mark = CrmStateRepository(uow.session).watermark("Lead")
    assert mark == max(datetime.fromisoformat(r["SystemModstamp"]) for r in crm.records["Lead"].values())


def test_a_poll_cut_short_by_the_crm_keeps_what_it_stored_and_resumes(
    store: Store, ingest: Ingest, crm: FakeCrm
) -> None:
    poll_changes(store, ingest, now=T0)
    lead = new_lead(crm, T0 + timedelta(seconds=1))
    crm.fail_next = [CrmError("limit", True, "REQUEST_LIMIT_EXCEEDED")]
    report = poll_changes(store, ingest, now=T0 + timedelta(minutes=1), objects=["Lead"])
    assert report is not None and report.error is not None and count(store, Event) == 0
    poll_and_process(store, ingest, T0 + timedelta(minutes=2))
    assert count(store, Run, flow="intro-text", record_id=lead) == 1


def test_only_one_process_polls_at_a_time(store: Store, ingest: Ingest) -> None:
    with leader(store) as first:
        assert first is True
        assert poll_changes(store, ingest, now=T0) is None
    report = poll_changes(store, ingest, now=T0)
    assert report is not None
