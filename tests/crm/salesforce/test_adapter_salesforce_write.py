"""write(): sObject Collections in chunks of 200, per-record outcomes in the port's vocabulary."""

from __future__ import annotations

import pytest

from connector.crm.port import CrmPort, WriteOp
from connector.sandbox.salesforce import SalesforceEmulator

COLLECTION = "/services/data/v61.0/composite/sobjects"


@pytest.fixture
def lead(salesforce_emulator: SalesforceEmulator) -> str:
    return salesforce_emulator.seed("Lead", LastName="Ruiz", Company="Acme", MobilePhone="+14155550123")


def _task(n: int, lead: str, **extra: object) -> WriteOp:
    fields = {"WhoId": lead, "Subject": f"SMS sent: {n}", "Status": "Completed", "TaskSubtype": "Task", **extra}
    return WriteOp(key=f"t{n}", object="Task", op="create", fields=fields)


def test_450_records_take_three_collection_calls(
    salesforce_crm: CrmPort, salesforce_emulator: SalesforceEmulator, lead: str
) -> None:
    results = salesforce_crm.write([_task(n, lead) for n in range(450)])
    assert [c.path for c in salesforce_emulator.api_calls] == [COLLECTION] * 3
    assert [r.key for r in results] == [f"t{n}" for n in range(450)]
    assert all(r.ok and r.record_id and r.record_id.startswith("00T") for r in results)
    assert len(salesforce_emulator.tasks(who_id=lead)) == 450


def test_upsert_by_message_id_creates_once_then_updates(
    salesforce_crm: CrmPort, salesforce_emulator: SalesforceEmulator, lead: str
) -> None:
    def status(sid: str, value: str) -> WriteOp:
        fields = {"SMS_Message_Id__c": sid, "SMS_Status__c": value, "WhoId": lead, "Subject": "SMS sent"}
        return WriteOp(f"{sid}-{value}", "Task", "upsert", fields, external_id_field="SMS_Message_Id__c")

    first = salesforce_crm.write([status("SM1", "Sent"), status("SM2", "Sent")])
    later = salesforce_crm.write([status("SM1", "Delivered")])
    assert all(r.ok for r in first + later) and later[0].record_id == first[0].record_id
    assert {t["SMS_Message_Id__c"]: t["SMS_Status__c"] for t in salesforce_emulator.tasks(who_id=lead)} == {
        "SM1": "Delivered",
        "SM2": "Sent",
    }
    paths = [c.path for c in salesforce_emulator.api_calls]
    assert paths == [f"{COLLECTION}/Task/SMS_Message_Id__c"] * 2


def test_two_statuses_of_one_message_in_one_write_apply_in_order(
    salesforce_crm: CrmPort, salesforce_emulator: SalesforceEmulator, lead: str
) -> None:
    def status(value: str) -> WriteOp:
        fields = {"SMS_Message_Id__c": "SM1", "SMS_Status__c": value, "WhoId": lead}
        return WriteOp(value, "Task", "upsert", fields, external_id_field="SMS_Message_Id__c")

    results = salesforce_crm.write([status("Sent"), status("Delivered")])
    assert [r.ok for r in results] == [True, True] and results[0].record_id == results[1].record_id
    assert [t["SMS_Status__c"] for t in salesforce_emulator.tasks(who_id=lead)] == ["Delivered"]
    assert len(salesforce_emulator.api_calls) == 2, "the second status waits for the next call"


def test_mixed_ops_are_grouped_by_kind_and_object_and_keep_their_order(
    salesforce_crm: CrmPort, salesforce_emulator: SalesforceEmulator, lead: str
) -> None:
    other = salesforce_emulator.seed("Lead", LastName="Okafor", Company="Acme")
    ops = [
        WriteOp("opt-out", "Lead", "update", {"SMS_Opt_Out__c": True}, record_id=lead),
        _task(1, lead),
        WriteOp("reply", "Lead", "update", {"SMS_Last_Reply__c": "STOP"}, record_id=other),
        _task(2, lead),
    ]
    results = salesforce_crm.write(ops)
    assert [(r.key, r.ok) for r in results] == [("opt-out", True), ("t1", True), ("reply", True), ("t2", True)]
    assert (results[0].record_id, results[2].record_id) == (lead, other)
    assert len(salesforce_emulator.api_calls) == 2
    assert salesforce_emulator.record("Lead", lead)["SMS_Opt_Out__c"] is True  # type: ignore[index]
    assert salesforce_emulator.record("Lead", other)["SMS_Last_Reply__c"] == "STOP"  # type: ignore[index]


FAILURES = [
    pytest.param(lambda lead: _task(1, lead, TaskSubtype="SMS"), "invalid", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                 id="restricted-picklist-is-invalid"),
    pytest.param(lambda lead: _task(1, lead, Nope__c=1), "invalid", "INVALID_FIELD", id="unknown-field-is-invalid"),
    pytest.param(lambda lead: WriteOp("x", "Lead", "update", {"Status": "x"}, record_id="00Q5e00000Hk7PaEAJ"),
                 "not_found", "NOT_FOUND", id="update-of-a-missing-record-is-not-found"),
    pytest.param(lambda lead: _task(1, "00Q5e00000Hk7PaEAJ"), "not_found", "INVALID_CROSS_REFERENCE_KEY",
                 id="task-on-a-missing-lead-is-not-found"),
    pytest.param(lambda lead: WriteOp("x", "Lead", "update", {"Status": "x"}), "invalid", "update needs a record id",
                 id="update-without-id-is-refused-before-any-call"),
    pytest.param(lambda lead: WriteOp("x", "Task", "upsert", {"Subject": "x"}, external_id_field="SMS_Message_Id__c"),
                 "invalid", "upsert needs", id="upsert-without-its-key-is-refused-before-any-call"),
    pytest.param(lambda lead: WriteOp("x", "Task; DROP", "create", {}), "invalid", "not a Salesforce API name",
                 id="hostile-object-name-is-refused"),
]  # fmt: skip


@pytest.mark.parametrize(("make", "code", "reason"), FAILURES)
def test_a_failing_record_fails_alone(
    salesforce_crm: CrmPort, salesforce_emulator: SalesforceEmulator, lead: str, make, code: str, reason: str
) -> None:
    results = salesforce_crm.write([_task(0, lead), make(lead), _task(2, lead)])
    assert [r.ok for r in results] == [True, False, True]
    error = results[1].error
    assert error is not None and (error.code, error.retryable) == (code, False) and error.reason.startswith(reason)
    assert len(salesforce_emulator.tasks(who_id=lead)) == 2


def test_nothing_to_write_costs_nothing(salesforce_crm: CrmPort, salesforce_emulator: SalesforceEmulator) -> None:
    assert salesforce_crm.write([]) == []
    assert salesforce_emulator.api_calls == []
