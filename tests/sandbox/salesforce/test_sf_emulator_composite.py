"""sObject Collections through simple-salesforce's `restful`: create, update, upsert, allOrNone both ways."""

from __future__ import annotations

from typing import Any

import pytest
from sf_emulator_support import sample
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from connector.sandbox.salesforce import SalesforceEmulator

GOOD = {"attributes": {"type": "Task"}, "Subject": "SMS sent: intro", "Status": "Completed", "TaskSubtype": "Task"}
BAD = {"attributes": {"type": "Task"}, "Subject": "SMS sent: intro", "TaskSubtype": "SMS"}
# TaskSubtype is create-only: an upsert that turns into an update must not send it (INVALID_FIELD_FOR_INSERT_UPDATE).
UPSERT = {"attributes": {"type": "Task"}, "Subject": "SMS sent: intro", "Status": "Completed"}


def _collection(sf: Salesforce, method: str, records: list[dict[str, Any]], all_or_none: bool, path: str = "") -> Any:
    return sf.restful(f"composite/sobjects{path}", method=method, json={"allOrNone": all_or_none, "records": records})


def _shape(results: list[dict[str, Any]]) -> list[tuple[bool, str | None, bool]]:
    return [(r["success"], r["errors"][0]["statusCode"] if r["errors"] else None, "id" in r) for r in results]


def test_create_without_all_or_none_keeps_the_good_records(sf: Salesforce, emulator: SalesforceEmulator) -> None:
    results = _collection(sf, "POST", [GOOD, BAD, GOOD], all_or_none=False)
    assert _shape(results) == [
        (True, None, True),
        (False, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", False),
        (True, None, True),
    ]
    assert set(results[0]) == set(sample("composite_sobjects_create_response_partial.json")[0])
    assert set(results[1]["errors"][0]) == set(
        sample("composite_sobjects_create_response_partial.json")[1]["errors"][0]
    )
    assert len(emulator.tasks()) == 2


def test_create_with_all_or_none_rolls_everything_back(sf: Salesforce, emulator: SalesforceEmulator) -> None:
    results = _collection(sf, "POST", [GOOD, BAD], all_or_none=True)
    reference = sample("composite_sobjects_create_response_allornone.json")
    assert _shape(results) == [*_shape(reference)[:1], (False, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", False)]
    assert emulator.tasks() == []


def test_update_by_id_with_and_without_all_or_none(sf: Salesforce, emulator: SalesforceEmulator) -> None:
    lead = emulator.seed("Lead", LastName="Ruiz", Company="Acme")
    ok = {"attributes": {"type": "Lead"}, "id": lead, "Status": "Working - Contacted"}
    gone = {"attributes": {"type": "Lead"}, "id": "00Q5e00000Hk7PaEAJ", "Status": "Working - Contacted"}
    rolled = _collection(sf, "PATCH", [ok, gone], all_or_none=True)
    assert _shape(rolled) == [(False, "ALL_OR_NONE_OPERATION_ROLLED_BACK", True), (False, "NOT_FOUND", True)]
    assert emulator.record("Lead", lead)["Status"] == "Open - Not Contacted"  # type: ignore[index]
    partial = _collection(sf, "PATCH", [ok, gone], all_or_none=False)
    assert _shape(partial) == [(True, None, True), (False, "NOT_FOUND", True)]
    assert emulator.record("Lead", lead)["Status"] == "Working - Contacted"  # type: ignore[index]


def test_upsert_by_external_id_reports_created_per_record(sf: Salesforce, emulator: SalesforceEmulator) -> None:
    emulator.seed("Task", Subject="old", SMS_Message_Id__c="SM1")
    records = [
        UPSERT | {"SMS_Message_Id__c": "SM1", "SMS_Status__c": "Delivered"},
        UPSERT | {"SMS_Message_Id__c": "SM2"},
    ]
    results = _collection(sf, "PATCH", records, all_or_none=False, path="/Task/SMS_Message_Id__c")
    assert [(r["success"], r["created"]) for r in results] == [(True, False), (True, True)]
    assert {t["SMS_Message_Id__c"]: t["SMS_Status__c"] for t in emulator.tasks()} == {"SM1": "Delivered", "SM2": None}


def test_upsert_with_all_or_none_rolls_back_creates_and_updates(sf: Salesforce, emulator: SalesforceEmulator) -> None:
    emulator.seed("Task", Subject="old", SMS_Message_Id__c="SM1")
    records = [UPSERT | {"SMS_Message_Id__c": "SM1", "Subject": "new"}, BAD | {"SMS_Message_Id__c": "SM2"}]
    results = _collection(sf, "PATCH", records, all_or_none=True, path="/Task/SMS_Message_Id__c")
    assert [r["errors"][0]["statusCode"] for r in results] == [
        "ALL_OR_NONE_OPERATION_ROLLED_BACK",
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
    ]
    assert [t["Subject"] for t in emulator.tasks()] == ["old"]


def test_upsert_that_updates_may_not_send_create_only_fields(sf: Salesforce, emulator: SalesforceEmulator) -> None:
    emulator.seed("Task", Subject="old", SMS_Message_Id__c="SM1")
    results = _collection(sf, "PATCH", [GOOD | {"SMS_Message_Id__c": "SM1"}], False, path="/Task/SMS_Message_Id__c")
    assert _shape(results) == [(False, "INVALID_FIELD_FOR_INSERT_UPDATE", False)]


def test_one_request_may_not_name_an_external_id_twice(sf: Salesforce, emulator: SalesforceEmulator) -> None:
    records = [
        UPSERT | {"SMS_Message_Id__c": "SM1"},
        UPSERT | {"SMS_Message_Id__c": "sm1"},
        UPSERT | {"SMS_Message_Id__c": "SM2"},
    ]
    results = _collection(sf, "PATCH", records, False, path="/Task/SMS_Message_Id__c")
    assert _shape(results) == [(False, "DUPLICATE_VALUE", False), (False, "DUPLICATE_VALUE", False), (True, None, True)]


def test_upsert_on_a_field_that_is_not_an_external_id_is_refused(sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        _collection(sf, "PATCH", [GOOD], all_or_none=False, path="/Task/Subject")
    assert caught.value.content[0]["errorCode"] == "INVALID_FIELD"


def test_more_than_200_records_is_the_real_limit_error(sf: Salesforce, emulator: SalesforceEmulator) -> None:
    assert len(_collection(sf, "POST", [GOOD] * 200, all_or_none=False)) == 200
    with pytest.raises(SalesforceMalformedRequest) as caught:
        _collection(sf, "POST", [GOOD] * 201, all_or_none=False)
    assert caught.value.content[0]["errorCode"] == "EXCEEDED_ID_LIMIT"
    assert len(emulator.tasks()) == 200


def test_one_collection_call_costs_one_api_call(sf: Salesforce, emulator: SalesforceEmulator) -> None:
    emulator.reset_api_calls()
    _collection(sf, "POST", [GOOD] * 150, all_or_none=False)
    assert [(c.method, c.path) for c in emulator.api_calls] == [("POST", "/services/data/v61.0/composite/sobjects")]


def test_delete_and_retrieve_collections(sf: Salesforce, emulator: SalesforceEmulator) -> None:
    first, second = (emulator.seed("Task", Subject=s) for s in ("a", "b"))
    fetched = sf.restful("composite/sobjects/Task", params={"ids": f"{first},{second}", "fields": "Id,Subject"})
    assert [r["Subject"] for r in fetched] == ["a", "b"]
    deleted = sf.restful("composite/sobjects", method="DELETE", params={"ids": first, "allOrNone": "false"})
    assert deleted == [{"id": first, "success": True, "errors": []}]
    assert [t["Subject"] for t in emulator.tasks()] == ["b"]
