"""Processing stored changes: the right flows start, once, whichever path (and how often) the change arrived.

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
from connector.services.registry import Registry
from connector.store.tables import Event, Outbox, Run
from connector.store.uow import Store

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # 10:00 in New York: inside every flow's quiet hours


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.load(ROOT / "flows", ROOT / "mappings", ROOT / "manifest.yaml")


@pytest.fixture
def crm() -> FakeCrm:
    fake = FakeCrm(now=T0)
    fake.put("User", FirstName="Anna", Phone="+14155550100")
    return fake


@pytest.fixture
def ingest(registry: Registry, crm: FakeCrm) -> Ingest:
    return Ingest.from_manifest(registry, crm, load_paths([ROOT / "manifest.yaml"]).manifest)


def owner(crm: FakeCrm) -> str:
    return next(iter(crm.records["User"]))


def new_lead(crm: FakeCrm, **fields: Any) -> str:
    values = {"FirstName": "Ana", "LastName": "Ruiz", "Company": "Ruiz Roofing", "MobilePhone": "+14155550123"}
    values |= {"LeadSource": "Web", "Status": "Open - Not Contacted", "SMS_Time_Zone__c": "America/New_York"}
    return crm.put("Lead", **{**values, "OwnerId": owner(crm), **fields})


def om(crm: FakeCrm, obj: str, record_id: str, notification: str, *names: str) -> RecordChange:
    """An Outbound Message's change: the selected, non-null fields of the record as it is now."""
    record = crm.records[obj][record_id]
    fields = {n: record[n] for n in ("Id", *names) if record.get(n) is not None}
    kind = "call_logged" if obj == "Task" and record.get("TaskSubtype") == "Call" else "updated"
    return RecordChange("outbound_message", notification, obj, record_id, kind, fields)


def deliver(store: Store, ingest: Ingest, *changes: RecordChange, at: datetime = T0):
    with store.unit_of_work() as uow:
        for change in changes:
            store_change(uow, change, received_at=at)
        uow.commit()
    return process_pending(store, ingest, now=at)


def runs(store: Store, flow: str | None = None) -> list[tuple[str, str]]:
    with store.unit_of_work() as uow:
        stmt = select(Run.flow, Run.record_id).order_by(Run.created_at)
        if flow is not None:
            stmt = stmt.where(Run.flow == flow)
        return [(r.flow, r.record_id) for r in uow.session.execute(stmt)]


def count(store: Store, model: type, **where: Any) -> int:
    with store.unit_of_work() as uow:
        stmt = select(func.count()).select_from(model)
        for column, value in where.items():
            stmt = stmt.where(getattr(model, column) == value)
        return uow.session.scalar(stmt) or 0


def test_a_new_web_lead_starts_the_intro_text_once(store: Store, ingest: Ingest, crm: FakeCrm) -> None:
    lead = new_lead(crm)
    report = deliver(store, ingest, om(crm, "Lead", lead, "04l000000000001", "LeadSource", "MobilePhone"))
    assert runs(store) == [("intro-text", lead)] and len(report.started) == 1
    assert count(store, Outbox, kind="send_sms") == 1
    assert crm.calls == {"get_many": 1}  # the Outbound Message lacks Owner.*, so the record is read once


def test_a_burst_of_new_leads_is_read_back_in_one_call(store: Store, ingest: Ingest, crm: FakeCrm) -> None:
    leads = [new_lead(crm, MobilePhone=f"+1415555{n:04d}") for n in range(30)]
    changes = [
        om(crm, "Lead", lead, f"04l0000000000{n:02d}", "LeadSource", "MobilePhone") for n, lead in enumerate(leads)
    ]
    report = deliver(store, ingest, *changes)
    assert report.processed == 30 and sorted(r for _, r in runs(store, "intro-text")) == sorted(leads)
    assert crm.calls == {"get_many": 1}


def test_a_read_refused_for_the_batch_is_retried_per_event(store: Store, ingest: Ingest, crm: FakeCrm) -> None:
    good, bad = new_lead(crm), new_lead(crm, MobilePhone="+14155550999")
    crm.fail_next = [CrmError("invalid", False, "MALFORMED_ID: bad id"), CrmError("invalid", False, "MALFORMED_ID")]
    report = deliver(
        store,
        ingest,
        *(om(crm, "Lead", lead, f"04l00000000000{n}", "LeadSource") for n, lead in enumerate((bad, good))),
    )
    assert (report.failed, report.processed) == (1, 1) and runs(store) == [("intro-text", good)]
    assert crm.calls == {"get": 1}, "the refused query, then one read per event: the bad one refused, the good one read"


def test_a_flow_an_admin_switched_off_starts_nothing(store: Store, ingest: Ingest, crm: FakeCrm) -> None:
    with store.unit_of_work() as uow:
        uow.flow_switches.set("intro-text", False, by="ana", at=T0)
        uow.commit()
    lead = new_lead(crm)
    report = deliver(store, ingest, om(crm, "Lead", lead, "04l000000000001", "LeadSource", "MobilePhone"))
    assert runs(store) == [] and report.started == [] and report.processed == 1

    with store.unit_of_work() as uow:  # switched back on: the next new lead gets its intro again
        uow.flow_switches.set("intro-text", True, by="ana", at=T0)
        uow.commit()
    other = new_lead(crm, MobilePhone="+14155550124")
    deliver(store, ingest, om(crm, "Lead", other, "04l000000000002", "LeadSource", "MobilePhone"))
    assert runs(store) == [("intro-text", other)]


@pytest.mark.parametrize(
    "second",
    [
        pytest.param(lambda crm, lead: om(crm, "Lead", lead, "04l000000000002", "Status"), id="second-outbound-rule"),
        pytest.param(
            lambda crm, lead: RecordChange(
                "polling", f"{lead}@x", "Lead", lead, "updated", dict(crm.records["Lead"][lead])
            ),
            id="polling-saw-the-same-version",
        ),
        pytest.param(
            lambda crm, lead: RecordChange("callout", "cl-1", "Lead", lead, "created", {"Id": lead}),
            id="callout-says-created",
        ),
    ],
)
def test_the_same_creation_reported_twice_starts_nothing_more(
    store: Store, ingest: Ingest, crm: FakeCrm, second
) -> None:
    lead = new_lead(crm)
    deliver(store, ingest, om(crm, "Lead", lead, "04l000000000001", "LeadSource"))
    report = deliver(store, ingest, second(crm, lead), at=T0 + timedelta(minutes=1))
    assert runs(store, "intro-text") == [("intro-text", lead)] and report.started == []


def test_a_lead_not_from_the_web_gets_no_intro(store: Store, ingest: Ingest, crm: FakeCrm) -> None:
    lead = new_lead(crm, LeadSource="Phone Inquiry")
    report = deliver(store, ingest, om(crm, "Lead", lead, "04l000000000001", "LeadSource"))
    assert runs(store) == [] and report.processed == 1


def test_an_old_lead_seen_first_is_an_update_not_a_creation(store: Store, ingest: Ingest, crm: FakeCrm) -> None:
    lead = new_lead(crm)
    crm.now = T0 + timedelta(days=3)
    crm.put("Lead", Id=lead, Company="Ruiz Roofing & Solar")
    deliver(store, ingest, om(crm, "Lead", lead, "04l000000000001", "Company"), at=crm.now)
    assert runs(store) == []


def booking_offered(crm: FakeCrm, lead: str, at: datetime) -> None:
    crm.now = at
    crm.put("Lead", Id=lead, Status="Booking Offered", Booking_Time__c="2026-11-25T15:30:00.000+0000")


def offered_lead(store: Store, ingest: Ingest, crm: FakeCrm) -> str:
    """A phone lead, seen when created, then offered a booking an hour later."""
    lead = new_lead(crm, LeadSource="Phone Inquiry")
    deliver(store, ingest, om(crm, "Lead", lead, "04l000000000001", "Status"))
    booking_offered(crm, lead, T0 + timedelta(hours=1))
    deliver(store, ingest, om(crm, "Lead", lead, "04l000000000002", "Status"), at=crm.now)
    return lead


def test_a_status_change_seen_against_the_last_snapshot_starts_the_booking_flow(
    store: Store, ingest: Ingest, crm: FakeCrm
) -> None:
    lead = offered_lead(store, ingest, crm)
    assert runs(store) == [("booking-confirm", lead)]


def test_an_update_that_leaves_the_watched_field_alone_starts_nothing(
    store: Store, ingest: Ingest, crm: FakeCrm
) -> None:
    lead = offered_lead(store, ingest, crm)
    crm.now = T0 + timedelta(hours=2)
    crm.put("Lead", Id=lead, Company="Ruiz Roofing & Solar")
    deliver(store, ingest, om(crm, "Lead", lead, "04l000000000003", "Company", "Status"), at=crm.now)
    assert runs(store) == [("booking-confirm", lead)]


def test_a_callout_with_old_values_is_trusted(store: Store, ingest: Ingest, crm: FakeCrm) -> None:
    lead = new_lead(
        crm, LeadSource="Phone Inquiry", Status="Booking Offered", Booking_Time__c="2026-11-25T15:30:00.000+0000"
    )
    change = RecordChange(
        "callout",
        "cl-9",
        "Lead",
        lead,
        "updated",
        {"Id": lead, "Status": "Booking Offered"},
        changed=("Status",),
        old={"Status": "Working - Contacted"},
    )
    deliver(store, ingest, change)
    assert runs(store) == [("booking-confirm", lead)]


def call(crm: FakeCrm, who: str, disposition: str) -> str:
    return crm.put(
        "Task",
        WhoId=who,
        Subject="Call",
        TaskSubtype="Call",
        CallType="Outbound",
        CallDisposition=disposition,
        Status="Completed",
        OwnerId=owner(crm),
    )


@pytest.mark.parametrize(
    ("disposition", "flows"),
    [
        pytest.param("No Answer", ["missed-call"], id="no-answer-call-starts-missed-call-for-its-lead"),
        pytest.param("Connected", [], id="answered-call-starts-nothing"),
    ],
)
def test_a_logged_call(store: Store, ingest: Ingest, crm: FakeCrm, disposition: str, flows: list[str]) -> None:
    lead = new_lead(crm, LeadSource="Phone Inquiry")
    task = call(crm, lead, disposition)
    deliver(store, ingest, om(crm, "Task", task, "04l000000000009", "WhoId", "TaskSubtype", "CallDisposition"))
    assert [flow for flow, record in runs(store) if record == lead] == flows


def test_a_call_log_seen_by_webhook_and_polling_starts_missed_call_once(
    store: Store, ingest: Ingest, crm: FakeCrm
) -> None:
    lead = new_lead(crm, LeadSource="Phone Inquiry")
    task = call(crm, lead, "No Answer")
    deliver(store, ingest, om(crm, "Task", task, "04l000000000009", "WhoId", "TaskSubtype", "CallDisposition"))
    crm.now = T0 + timedelta(minutes=5)
    crm.put("Task", Id=task, Description="left a voicemail")  # a later edit: a new version of the same call
    polled = RecordChange("polling", f"{task}@v2", "Task", task, "call_logged", dict(crm.records["Task"][task]))
    report = deliver(store, ingest, polled, at=crm.now)
    assert runs(store, "missed-call") == [("missed-call", lead)] and report.started == []


def test_an_admin_ticking_opt_out_opts_the_contact_out_and_ends_its_runs(
    store: Store, ingest: Ingest, crm: FakeCrm
) -> None:
    lead = offered_lead(store, ingest, crm)
    assert count(store, Run, status="waiting") == 1
    crm.now = T0 + timedelta(hours=2)
    crm.put("Lead", Id=lead, SMS_Opt_Out__c=True)
    deliver(store, ingest, om(crm, "Lead", lead, "04l000000000003", "SMS_Opt_Out__c"), at=crm.now)
    with store.unit_of_work() as uow:
        contact = uow.contacts.by_phone("+14155550123")
    assert contact is not None and contact.opted_out
    assert count(store, Run, status="waiting") == 0


def test_while_the_crm_is_away_events_wait_and_then_go_through(store: Store, ingest: Ingest, crm: FakeCrm) -> None:
    lead = new_lead(crm)
    crm.fail_next = [CrmError("unavailable", True, "503 Service Unavailable")]
    report = deliver(store, ingest, om(crm, "Lead", lead, "04l000000000001", "LeadSource"))
    assert report.deferred == 1 and count(store, Event, status="received") == 1 and runs(store) == []
    report = process_pending(store, ingest, now=T0 + timedelta(minutes=1))
    assert report.processed == 1 and runs(store) == [("intro-text", lead)]


def test_a_read_the_crm_refuses_keeps_the_event_as_failed(store: Store, ingest: Ingest, crm: FakeCrm) -> None:
    lead = new_lead(crm)
    # The org lacks a field the mapping reads: the batch's query and the event's own read are both refused.
    crm.fail_next = [CrmError("invalid", False, "INVALID_FIELD: No such column 'SMS_Time_Zone__c'")] * 2
    report = deliver(store, ingest, om(crm, "Lead", lead, "04l000000000001", "LeadSource"))
    assert report.failed == 1 and count(store, Event, status="failed") == 1 and runs(store) == []


def test_a_deleted_record_is_ignored(store: Store, ingest: Ingest, crm: FakeCrm) -> None:
    lead = new_lead(crm)
    change = om(crm, "Lead", lead, "04l000000000001", "LeadSource")
    del crm.records["Lead"][lead]
    report = deliver(store, ingest, change)
    assert report.ignored == 1 and count(store, Event, status="ignored") == 1 and runs(store) == []


def test_objects_no_flow_watches_cost_no_api_calls(store: Store, ingest: Ingest, crm: FakeCrm) -> None:
    account = crm.put("Account", Name="Ruiz Roofing")
    report = deliver(
        store, ingest, RecordChange("outbound_message", "04lA", "Account", account, "updated", {"Id": account})
    )
    assert report.ignored == 1 and crm.total_calls == 0
