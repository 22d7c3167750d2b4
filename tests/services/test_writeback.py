"""Write-back: every text, receipt and reply becomes or updates a Task on its record, in batches of 200 a call.

Runs on SQLite, and on PostgreSQL when SMSFLOW_TEST_DATABASE_URL is set (the `store` fixture).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from connector.crm.fake import FakeCrm
from connector.crm.port import CrmError
from connector.services.registry import Registry
from connector.services.writeback import LIMIT_WAIT, flush_writebacks, queue_activity, queue_opt_out
from connector.store.records import MessageRecord
from connector.store.tables_crm import CrmStateRepository
from connector.store.uow import Store, UnitOfWork

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
OURS = "+14155550100"


@pytest.fixture(scope="module")
def loaded() -> Registry:
    return Registry.load(ROOT / "flows", ROOT / "mappings", ROOT / "manifest.yaml")


@pytest.fixture
def registry(loaded: Registry) -> Registry:
    return Registry(flows=loaded.flows, mappings=dict(loaded.mappings))


@pytest.fixture
def crm() -> FakeCrm:
    fake = FakeCrm(now=T0)
    owner = fake.put("User", FirstName="Anna")
    for n in range(50):
        fake.put("Lead", LastName=f"Lead {n}", MobilePhone=f"+1415555{n:04d}", OwnerId=owner)
    return fake


def leads(crm: FakeCrm) -> list[str]:
    return list(crm.records["Lead"])


def contact_for(uow: UnitOfWork, crm: FakeCrm, n: int) -> int:
    lead = leads(crm)[n % 50]
    phone = crm.records["Lead"][lead]["MobilePhone"]
    return uow.contacts.get_or_create(phone, crm_object="Lead", crm_record_id=lead, now=T0).id


def send(store: Store, crm: FakeCrm, count: int, *, first: int = 0) -> list[MessageRecord]:
    """Texts that went out: recorded, accepted by the provider, and queued for write-back."""
    sent = []
    with store.unit_of_work() as uow:
        contacts = [contact_for(uow, crm, n) for n in range(min(count, 50))]
        for n in range(first, first + count):
            body = f"Hello number {n}"
            uow.messages.add_outbound(action_id=f"act-{n}", contact_id=contacts[n % len(contacts)], body=body, at=T0)
            message = uow.messages.by_action_id(f"act-{n}")
            assert message is not None
            uow.messages.mark_sent(message.id, provider_id=f"SM{n:032x}", status="sent", at=T0)
            message = replace(message, provider_id=f"SM{n:032x}", status="sent")
            assert queue_activity(uow, message, "sent", at=T0)
            sent.append(message)
        uow.commit()
    return sent


def receipts(store: Store, messages: list[MessageRecord], status: str = "delivered", at: datetime = T0) -> None:
    with store.unit_of_work() as uow:
        for message in messages:
            uow.messages.record_status(message.id, status, at=at)
            queue_activity(uow, replace(message, status=status), "status", at=at)
        uow.commit()


def flush(store: Store, registry: Registry, crm: FakeCrm, at: datetime = T0):
    return flush_writebacks(store, registry, crm, now=at, our_number=OURS)


def tasks(crm: FakeCrm, **where: Any) -> list[dict[str, Any]]:
    return [t for t in crm.records.get("Task", {}).values() if all(t.get(k) == v for k, v in where.items())]


@pytest.mark.parametrize(
    "receipts_between",
    [
        pytest.param(True, id="texts-flushed-then-receipts-flushed"),
        pytest.param(False, id="texts-and-receipts-flushed-together"),
    ],
)
def test_1000_texts_with_receipts_cost_at_most_15_api_calls(
    store: Store, registry: Registry, crm: FakeCrm, receipts_between: bool
) -> None:
    messages = send(store, crm, 1000)
    if receipts_between:
        flush(store, registry, crm)
    receipts(store, messages)
    flush(store, registry, crm, T0 + timedelta(seconds=10))
    assert crm.total_calls <= 15, crm.calls
    assert len(tasks(crm)) == 1000 and len(tasks(crm, SMS_Status__c="Delivered")) == 1000


def test_a_later_receipt_updates_the_same_task(store: Store, registry: Registry, crm: FakeCrm) -> None:
    [message] = send(store, crm, 1)
    flush(store, registry, crm)
    [task] = tasks(crm)
    assert task["Subject"] == "SMS sent: Hello number 0" and task["SMS_Status__c"] == "Sent"
    assert task["Status"] == "Completed" and task["WhoId"] == leads(crm)[0]
    assert task["SMS_Message_Id__c"] == message.provider_id and task["SMS_Direction__c"] == "Outbound"
    assert f"{OURS} -> +14155550000" in task["Description"]
    receipts(store, [message], "delivered")
    flush(store, registry, crm)
    [task] = tasks(crm)
    assert task["Subject"] == "SMS delivered: Hello number 0" and task["SMS_Status__c"] == "Delivered"


def test_a_receipt_written_after_a_failed_flush_never_goes_back_to_an_older_status(
    store: Store, registry: Registry, crm: FakeCrm
) -> None:
    [message] = send(store, crm, 1)
    crm.fail_next = [CrmError("unavailable", True, "503")]
    flush(store, registry, crm)
    receipts(store, [message], "delivered")
    flush(store, registry, crm, T0 + timedelta(hours=1))
    assert [t["SMS_Status__c"] for t in tasks(crm)] == ["Delivered"]


def reply(store: Store, crm: FakeCrm, body: str, *, needs_person: bool) -> None:
    with store.unit_of_work() as uow:
        contact = contact_for(uow, crm, 0)
        uow.messages.add_inbound(provider_id="SMin0000000000000000000000000001", contact_id=contact, body=body, at=T0)
        message = uow.messages.by_provider_id("SMin0000000000000000000000000001")
        assert message is not None
        queue_activity(uow, message, "received", at=T0, needs_person=needs_person)
        uow.commit()


def test_a_reply_becomes_a_completed_inbound_task(store: Store, registry: Registry, crm: FakeCrm) -> None:
    reply(store, crm, "Yes, tomorrow at 3pm works", needs_person=False)
    flush(store, registry, crm)
    [task] = tasks(crm)
    assert task["Subject"] == "SMS received: Yes, tomorrow at 3pm works"
    assert (task["Status"], task["SMS_Direction__c"], task["SMS_Status__c"]) == ("Completed", "Inbound", "Received")


def test_a_reply_that_needs_a_person_becomes_an_open_high_priority_task_for_the_owner(
    store: Store, registry: Registry, crm: FakeCrm
) -> None:
    owner = next(iter(crm.records["User"]))
    with store.unit_of_work() as uow:  # what ingest last saw of the lead: its owner
        CrmStateRepository(uow.session).remember("Lead", leads(crm)[0], {"OwnerId": owner}, None, at=T0)
        uow.commit()
    reply(store, crm, "can we do thursday instead?", needs_person=True)
    flush(store, registry, crm)
    [person] = tasks(crm, Status="Not Started")
    assert person["Priority"] == "High" and person["OwnerId"] == owner and person["WhoId"] == leads(crm)[0]
    assert person["Subject"] == "SMS reply needs a person: can we do thursday instead?"
    assert len(tasks(crm, Status="Completed")) == 1  # and the reply itself is on the timeline


def test_opting_out_ticks_the_mappings_field(store: Store, registry: Registry, crm: FakeCrm) -> None:
    with store.unit_of_work() as uow:
        assert queue_opt_out(uow, registry, contact_for(uow, crm, 3), at=T0)
        uow.commit()
    flush(store, registry, crm)
    assert crm.records["Lead"][leads(crm)[3]]["SMS_Opt_Out__c"] is True


def test_engine_updates_to_one_record_merge_into_one_write(store: Store, registry: Registry, crm: FakeCrm) -> None:
    lead = leads(crm)[0]
    with store.unit_of_work() as uow:
        for n, fields in enumerate([{"Status": "Booked", "Street": "1 Old Rd"}, {"Street": "2 New St"}]):
            payload = {"run_id": None, "step": "s", "fields": fields}
            uow.writebacks.add(f"r:{n}", "update_record", object="Lead", record_id=lead, payload=payload, now=T0)
        uow.commit()
    report = flush(store, registry, crm)
    assert report.written == 2 and crm.calls == {"write:update": 1}
    assert crm.records["Lead"][lead]["Street"] == "2 New St" and crm.records["Lead"][lead]["Status"] == "Booked"


def test_an_unavailable_crm_keeps_every_row_and_a_later_flush_writes_them_once(
    store: Store, registry: Registry, crm: FakeCrm
) -> None:
    send(store, crm, 450)
    crm.fail_next = [CrmError("unavailable", True, "503 Service Unavailable")]
    report = flush(store, registry, crm)
    assert report.retried == 450 and report.written == 0 and report.waiting_until is not None
    assert flush(store, registry, crm, T0 + timedelta(seconds=1)).claimed == 0  # backing off, not hammering
    report = flush(store, registry, crm, T0 + timedelta(minutes=5))
    assert report.written == 450 and len(tasks(crm)) == 450


def test_a_spent_api_budget_waits_for_it_to_free_up(store: Store, registry: Registry, crm: FakeCrm) -> None:
    send(store, crm, 10)
    crm.budget = 0
    report = flush(store, registry, crm)
    assert report.waiting_until == T0 + LIMIT_WAIT and report.retried == 10
    crm.budget = 15_000
    assert flush(store, registry, crm, T0 + LIMIT_WAIT - timedelta(seconds=1)).claimed == 0
    assert flush(store, registry, crm, T0 + LIMIT_WAIT).written == 10 and len(tasks(crm)) == 10


def test_a_write_the_crm_refuses_for_good_fails_alone(store: Store, registry: Registry, crm: FakeCrm) -> None:
    with store.unit_of_work() as uow:
        for n, record in enumerate(["00Q000000000000AAA", leads(crm)[1]]):
            payload = {"fields": {"Status": "Working - Contacted"}}
            uow.writebacks.add(f"r:{n}", "update_record", object="Lead", record_id=record, payload=payload, now=T0)
        uow.commit()
    report = flush(store, registry, crm)
    assert (report.written, report.failed) == (1, 1)
    with store.unit_of_work() as uow:
        gone = uow.writebacks.get("r:0")
    assert gone is not None and gone.status == "failed" and "not_found" in (gone.last_error or "")


def test_without_an_upsert_key_a_receipt_updates_the_task_by_its_id(
    store: Store, registry: Registry, crm: FakeCrm
) -> None:
    lead_mapping = registry.mappings["Lead"]
    activity = lead_mapping.activity.model_copy(update={"message_id_field": None})
    registry.mappings["Lead"] = lead_mapping.model_copy(update={"activity": activity})
    [message] = send(store, crm, 1)
    flush(store, registry, crm)
    receipts(store, [message], "delivered")
    flush(store, registry, crm)
    [task] = tasks(crm)
    assert task["Subject"] == "SMS delivered: Hello number 0" and "SMS_Message_Id__c" not in task
