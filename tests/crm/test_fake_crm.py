"""FakeCrm behaves like the CrmPort the services rely on: records, call counting, 200-record write batches."""

from __future__ import annotations

from datetime import timedelta

import pytest

from connector.crm.fake import START, FakeCrm, sf_datetime
from connector.crm.port import CrmError, WriteOp


@pytest.fixture
def crm() -> FakeCrm:
    fake = FakeCrm()
    owner = fake.put("User", FirstName="Anna", Phone="+442079460000")
    fake.put("Lead", LastName="Ruiz", FirstName="Ana", MobilePhone="+14155550123", OwnerId=owner)
    return fake


def lead_id(crm: FakeCrm) -> str:
    return next(iter(crm.records["Lead"]))


def test_get_nests_relationship_fields_and_counts_one_call(crm: FakeCrm) -> None:
    record = crm.get("Lead", lead_id(crm), ["FirstName", "Owner.FirstName", "Owner.Phone"])
    assert record == {"Id": lead_id(crm), "FirstName": "Ana", "Owner": {"FirstName": "Anna", "Phone": "+442079460000"}}
    assert crm.calls == {"get": 1}


def test_get_of_a_missing_record_is_none(crm: FakeCrm) -> None:
    assert crm.get("Lead", "00Q000000000000AAA", ["FirstName"]) is None


def test_find_by_phone_matches_however_the_number_was_typed(crm: FakeCrm) -> None:
    crm.put("Lead", LastName="Lee", Phone="(415) 555-0188")
    found = crm.find_by_phone("Lead", ["MobilePhone", "Phone"], "+14155550188", ["LastName"])
    assert [r["LastName"] for r in found] == ["Lee"]


def test_changed_since_is_oldest_first_after_the_stamp(crm: FakeCrm) -> None:
    crm.now = START + timedelta(minutes=5)
    later = crm.put("Lead", LastName="Later")
    crm.put("Lead", Id=lead_id(crm), Status="Working - Contacted")
    seen = list(crm.changed_since("Lead", ["LastName"], START + timedelta(minutes=1)))
    assert [r["Id"] for r in seen] == [later, lead_id(crm)]
    assert seen[0]["SystemModstamp"] < seen[1]["SystemModstamp"]
    assert crm.calls == {"query": 1}


@pytest.mark.parametrize(
    ("count", "calls"),
    [
        pytest.param(1, 1, id="one-record-one-call"),
        pytest.param(200, 1, id="200-records-fill-one-call"),
        pytest.param(201, 2, id="201-records-need-two-calls"),
        pytest.param(1000, 5, id="1000-records-take-five-calls"),
    ],
)
def test_writes_go_200_records_a_call(crm: FakeCrm, count: int, calls: int) -> None:
    ops = [WriteOp(f"k{i}", "Task", "create", {"Subject": f"t{i}"}) for i in range(count)]
    results = crm.write(ops)
    assert [r.key for r in results] == [op.key for op in ops] and all(r.ok for r in results)
    assert crm.calls == {"write:create": calls}


def test_upsert_creates_then_updates_the_same_record(crm: FakeCrm) -> None:
    op = WriteOp(
        "a", "Task", "upsert", {"SMS_Message_Id__c": "SM1", "SMS_Status__c": "Sent"}, None, "SMS_Message_Id__c"
    )
    first = crm.write([op])[0]
    second = crm.write(
        [
            WriteOp(
                "b",
                "Task",
                "upsert",
                {"SMS_Message_Id__c": "SM1", "SMS_Status__c": "Delivered"},
                None,
                "SMS_Message_Id__c",
            )
        ]
    )[0]
    assert first.record_id == second.record_id
    assert crm.records["Task"][first.record_id]["SMS_Status__c"] == "Delivered"


def test_the_same_upsert_key_twice_in_one_call_is_refused_item_by_item(crm: FakeCrm) -> None:
    ops = [WriteOp(k, "Task", "upsert", {"SMS_Message_Id__c": "SM1"}, None, "SMS_Message_Id__c") for k in "ab"]
    assert [r.ok for r in crm.write(ops)] == [False, False]


def test_update_of_a_deleted_record_fails_that_item_only(crm: FakeCrm) -> None:
    ops = [
        WriteOp("gone", "Lead", "update", {"Status": "X"}, "00Q000000000000AAA"),
        WriteOp("here", "Lead", "update", {"Status": "Working - Contacted"}, lead_id(crm)),
    ]
    gone, here = crm.write(ops)
    assert gone.error is not None and gone.error.code == "not_found" and here.ok


def test_queued_failures_come_first_and_the_budget_is_enforced(crm: FakeCrm) -> None:
    crm.fail_next = [CrmError("unavailable", True, "503")]
    with pytest.raises(CrmError, match="unavailable"):
        crm.get("Lead", lead_id(crm), [])
    crm.budget = crm.total_calls + 1
    crm.get("Lead", lead_id(crm), [])
    with pytest.raises(CrmError) as exc:
        crm.get("Lead", lead_id(crm), [])
    assert exc.value.code == "limit"
    usage = crm.usage()
    assert usage is not None and usage.remaining == 0


def test_stamps_look_like_the_rest_api() -> None:
    assert sf_datetime(START) == "2026-11-23T14:00:00.000+0000"
