"""sObject CRUD, upsert and describe through unmodified simple-salesforce, checked against the reference samples."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import yaml
from sf_emulator_support import ROOT, sample
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceError,
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceMoreThanOneRecord,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)

from connector.sandbox.salesforce import SalesforceEmulator

ANA = {"FirstName": "Ana", "LastName": "Ruiz", "Company": "Ruiz Roofing", "MobilePhone": "+14155550123"}


def test_create_answers_the_sample_shape_and_get_reads_the_record_back(sf: Salesforce) -> None:
    created = sf.Lead.create(ANA | {"SMS_Opt_Out__c": True, "Preferred_Call_Time__c": "Evening"})
    assert set(created) == set(sample("create_response_201.json"))
    lead = sf.Lead.get(created["id"])
    assert next(iter(lead)) == "attributes"
    assert lead["attributes"] == {"type": "Lead", "url": f"/services/data/v61.0/sobjects/Lead/{created['id']}"}
    assert set(sample("lead.json")) - set(lead) == set(), "every field of a real Lead record is there"
    assert (lead["Name"], lead["Status"], lead["SMS_Opt_Out__c"], lead["Preferred_Call_Time__c"]) == (
        "Ana Ruiz",
        "Open - Not Contacted",
        True,
        "Evening",
    )
    assert lead["CreatedDate"].endswith("+0000") and len(lead["Id"]) == 18


def test_get_with_fields_returns_only_those_fields(sf: Salesforce) -> None:
    lead_id = sf.Lead.create(ANA)["id"]
    record = sf.Lead.get(lead_id, params={"fields": "Id,LastName,MobilePhone"})
    assert list(record) == ["attributes", "Id", "LastName", "MobilePhone"]


def test_update_answers_204_and_changes_the_record(sf: Salesforce, emulator: SalesforceEmulator) -> None:
    lead_id = sf.Lead.create(ANA)["id"]
    assert sf.Lead.update(lead_id, {"Status": "Working - Contacted", "SMS_Last_Reply__c": "Yes"}) == 204
    stored = emulator.record("Lead", lead_id)
    assert stored is not None and (stored["Status"], stored["SMS_Last_Reply__c"]) == ("Working - Contacted", "Yes")


def test_delete_moves_the_record_to_the_recycle_bin(sf: Salesforce) -> None:
    lead_id = sf.Lead.create(ANA)["id"]
    assert sf.Lead.delete(lead_id) == 204
    with pytest.raises(SalesforceResourceNotFound) as caught:
        sf.Lead.get(lead_id)
    assert caught.value.content[0]["errorCode"] == "ENTITY_IS_DELETED"
    assert sf.query(f"SELECT Id FROM Lead WHERE Id = '{lead_id}'")["totalSize"] == 0
    assert sf.query_all(f"SELECT Id, IsDeleted FROM Lead WHERE Id = '{lead_id}'", include_deleted=True)["records"][0][
        "IsDeleted"
    ]


def test_upsert_by_external_id_creates_then_updates(sf: Salesforce, emulator: SalesforceEmulator) -> None:
    who = sf.Lead.create(ANA)["id"]
    body = {"WhoId": who, "Subject": "SMS sent: intro", "SMS_Status__c": "Sent"}
    assert sf.Task.upsert("SMS_Message_Id__c/SM1", body) == 201
    assert sf.Task.upsert("SMS_Message_Id__c/SM1", {"SMS_Status__c": "Delivered"}) == 200
    tasks = emulator.tasks(who_id=who)
    assert [(t["SMS_Message_Id__c"], t["SMS_Status__c"]) for t in tasks] == [("SM1", "Delivered")]
    raw = sf.Task.upsert("SMS_Message_Id__c/SM2", body, raw_response=True).json()
    assert set(raw) == set(sample("upsert_response_201_created.json")) and raw["created"] is True


def test_upsert_matching_two_records_answers_300(sf: Salesforce, emulator: SalesforceEmulator) -> None:
    emulator.seed("Task", Subject="a", SMS_Message_Id__c="SM9")
    emulator.seed("Task", Subject="b", SMS_Message_Id__c="SM9")
    with pytest.raises(SalesforceMoreThanOneRecord):
        sf.Task.upsert("SMS_Message_Id__c/SM9", {"Subject": "c"})


def test_get_by_external_id(sf: Salesforce, emulator: SalesforceEmulator) -> None:
    task_id = emulator.seed("Task", Subject="a", SMS_Message_Id__c="SM77")
    assert sf.Task.get_by_custom_id("SMS_Message_Id__c", "SM77")["Id"] == task_id


def test_describe_includes_manifest_custom_fields_in_the_sample_shape(sf: Salesforce) -> None:
    described = sf.Lead.describe()
    minimal = sample("describe_lead_minimal.json")
    assert set(minimal) - set(described) == set()
    fields = {f["name"]: f for f in described["fields"]}
    assert set(minimal["fields"][0]) - set(fields["Id"]) == set()
    assert fields["SMS_Opt_Out__c"]["type"] == "boolean" and fields["SMS_Opt_Out__c"]["custom"]
    assert [v["value"] for v in fields["Preferred_Call_Time__c"]["picklistValues"]] == [
        "Morning",
        "Afternoon",
        "Evening",
    ]
    assert fields["OwnerId"]["relationshipName"] == "Owner"
    assert sf.Task.describe()["fields"] and any(f["name"] == "SMS_Message_Id__c" and f["externalId"] for f in
                                                 sf.Task.describe()["fields"])  # fmt: skip


def test_global_describe_lists_the_six_objects(sf: Salesforce) -> None:
    names = {o["name"] for o in sf.describe()["sobjects"]}
    assert names == {"Lead", "Contact", "Account", "Task", "Event", "User"}


def test_every_field_the_manifest_reads_or_writes_exists(sf: Salesforce, emulator: SalesforceEmulator) -> None:
    manifest = yaml.safe_load((ROOT / "manifest.yaml").read_text())
    for obj, spec in manifest["objects"].items():
        names = [n for n in [*spec.get("read", []), *spec.get("write", [])] if "." not in n]
        paths = [n for n in spec.get("read", []) if "." in n]
        # The query raises INVALID_FIELD for any field the emulated org lacks.
        rows = emulator.query(f"SELECT {', '.join(dict.fromkeys(names + paths))} FROM {obj} LIMIT 1")
        assert rows is not None, obj


@dataclass(frozen=True)
class ErrorCase:
    id: str
    call: Callable[[Salesforce, SalesforceEmulator], Any]
    raises: type[SalesforceError]
    status: int
    code: str
    sample: str | None = None
    fields: list[str] | None = None


def _lead(sf: Salesforce) -> str:
    return str(sf.Lead.create(ANA)["id"])


ERRORS = [
    ErrorCase("unknown-field-is-invalid-field", lambda sf, e: sf.Lead.create(ANA | {"Mobile": "1"}),
              SalesforceMalformedRequest, 400, "INVALID_FIELD", None, ["Mobile"]),
    ErrorCase("unknown-query-column-is-invalid-field", lambda sf, e: sf.query("SELECT Id, Mobile FROM Lead"),
              SalesforceMalformedRequest, 400, "INVALID_FIELD", "error_400_invalid_field.json"),
    ErrorCase("restricted-picklist-value-is-refused", lambda sf, e: sf.Task.create({"TaskSubtype": "SMS"}),
              SalesforceMalformedRequest, 400, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
              "error_400_restricted_picklist.json", ["TaskSubtype"]),
    ErrorCase("custom-picklist-is-restricted", lambda sf, e: sf.Task.create({"SMS_Status__c": "Lost"}),
              SalesforceMalformedRequest, 400, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", None, ["SMS_Status__c"]),
    ErrorCase("missing-required-field", lambda sf, e: sf.Lead.create({"Company": "X"}),
              SalesforceMalformedRequest, 400, "REQUIRED_FIELD_MISSING", "error_400_required_field_missing.json",
              ["LastName"]),
    ErrorCase("read-only-field-cannot-be-written", lambda sf, e: sf.Lead.create(ANA | {"Name": "X"}),
              SalesforceMalformedRequest, 400, "INVALID_FIELD_FOR_INSERT_UPDATE", None, ["Name"]),
    ErrorCase("task-on-a-lead-cannot-have-a-what-id", lambda sf, e: sf.Task.create(
              {"WhoId": _lead(sf), "WhatId": sf.Account.create({"Name": "A"})["id"]}),
              SalesforceMalformedRequest, 400, "FIELD_INTEGRITY_EXCEPTION", None, ["WhatId"]),
    ErrorCase("reference-to-nothing-is-refused", lambda sf, e: sf.Task.create({"WhoId": "00Q5e00000Hk7PaEAJ"}),
              SalesforceMalformedRequest, 400, "INVALID_CROSS_REFERENCE_KEY", None, ["WhoId"]),
    ErrorCase("malformed-query", lambda sf, e: sf.query("SELECT FROM Lead"),
              SalesforceMalformedRequest, 400, "MALFORMED_QUERY"),
    ErrorCase("unknown-record-is-not-found", lambda sf, e: sf.Lead.get("00Q5e00000Hk7PaEAJ"),
              SalesforceResourceNotFound, 404, "NOT_FOUND"),
    ErrorCase("unknown-resource-is-not-found", lambda sf, e: sf.restful("nothing/here"),
              SalesforceResourceNotFound, 404, "NOT_FOUND", "error_404_not_found.json"),
    ErrorCase("expired-session-is-401", lambda sf, e: (e.expire_sessions(), sf.query("SELECT Id FROM Lead")),
              SalesforceExpiredSession, 401, "INVALID_SESSION_ID", "error_401_invalid_session.json"),
    ErrorCase("spent-budget-is-403", lambda sf, e: (e.set_api_budget(limit=5, used=5), sf.Lead.create(ANA)),
              SalesforceRefusedRequest, 403, "REQUEST_LIMIT_EXCEEDED", "error_403_request_limit.json"),
    ErrorCase("injected-outage-is-503", lambda sf, e: (e.fail_next(1), sf.Lead.create(ANA)),
              SalesforceGeneralError, 503, "SERVER_UNAVAILABLE"),
]  # fmt: skip


@pytest.mark.parametrize("case", ERRORS, ids=lambda c: c.id)
def test_errors_reach_simple_salesforce_as_its_exceptions(
    case: ErrorCase, sf: Salesforce, emulator: SalesforceEmulator
) -> None:
    with pytest.raises(case.raises) as caught:
        case.call(sf, emulator)
    assert caught.value.status == case.status
    body = caught.value.content
    assert isinstance(body, list) and body[0]["errorCode"] == case.code
    if case.sample:
        reference = sample(case.sample)[0]
        assert set(reference) <= set(body[0]), "the error carries every key the real one does"
        if "fields" not in reference:
            assert case.fields is None
    if case.fields is not None:
        assert body[0]["fields"] == case.fields
