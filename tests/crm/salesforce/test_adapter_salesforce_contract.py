"""One contract, two implementations: FakeCrm (for service tests) and SalesforceCrm on the emulator agree."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from connector.crm.fake import FakeCrm
from connector.crm.port import CrmPort, WriteOp

T0 = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
MISSING_LEAD = "00Q5e00000Hk7PaEAJ"


@dataclass
class Backend:
    crm: CrmPort
    seed: Callable[..., str]
    calls: Callable[[], int]
    at: Callable[[datetime], None]


@pytest.fixture(params=["fake", "salesforce"])
def backend(request: pytest.FixtureRequest) -> Backend:
    if request.param == "fake":
        fake = FakeCrm()
        return Backend(fake, fake.put, lambda: fake.total_calls, lambda moment: setattr(fake, "now", moment))
    emulator = request.getfixturevalue("salesforce_emulator")
    crm = request.getfixturevalue("salesforce_crm")

    def at(moment: datetime) -> None:
        emulator.set_clock(lambda: moment)

    return Backend(crm, emulator.seed, lambda: len(emulator.api_calls), at)


def _owner(b: Backend) -> str:
    return b.seed("User", Username="dana@example.com", FirstName="Dana", LastName="Reyes", Alias="dana",
                  Email="dana@example.com", Phone="+14155550100")  # fmt: skip


def test_get_returns_the_fields_with_relationships_nested(backend: Backend) -> None:
    lead = backend.seed("Lead", LastName="Ruiz", FirstName="Ana", Company="Acme", OwnerId=_owner(backend))
    record = backend.crm.get("Lead", lead, ["FirstName", "Owner.FirstName", "Owner.Phone"])
    assert record == {"Id": lead, "FirstName": "Ana", "Owner": {"FirstName": "Dana", "Phone": "+14155550100"}}


def test_get_of_a_missing_record_is_none(backend: Backend) -> None:
    assert backend.crm.get("Lead", MISSING_LEAD, ["FirstName"]) is None


def test_get_many_returns_the_records_asked_for_and_leaves_out_the_missing(backend: Backend) -> None:
    owner = _owner(backend)
    leads = [backend.seed("Lead", LastName=f"Lee {n}", Company="Acme", OwnerId=owner) for n in range(201)]
    before = backend.calls()
    found = backend.crm.get_many("Lead", [*leads, MISSING_LEAD, leads[0]], ["LastName", "Owner.FirstName"])
    assert backend.calls() - before == 2, "200 ids a call"
    assert sorted(found) == sorted(leads)
    assert found[leads[7]] == {"Id": leads[7], "LastName": "Lee 7", "Owner": {"FirstName": "Dana"}}


@pytest.mark.parametrize("typed", ["(415) 555-0188", "+1 415 555 0188", "415.555.0188", "+14155550188"])
def test_find_by_phone_matches_however_the_number_was_typed(backend: Backend, typed: str) -> None:
    lead = backend.seed("Lead", LastName="Lee", Company="Acme", Phone=typed)
    backend.seed("Lead", LastName="Other", Company="Acme", Phone="+14155550123")
    found = backend.crm.find_by_phone("Lead", ["MobilePhone", "Phone"], "+14155550188", ["LastName"])
    assert [(r["Id"], r["LastName"]) for r in found] == [(lead, "Lee")]


def test_changed_since_is_oldest_first_after_the_stamp(backend: Backend) -> None:
    since = T0 + timedelta(hours=1)
    backend.at(since - timedelta(minutes=30))
    backend.seed("Lead", LastName="Before", Company="Acme")
    backend.at(since + timedelta(minutes=1))
    first = backend.seed("Lead", LastName="First", Company="Acme")
    backend.at(since + timedelta(minutes=2))
    second = backend.seed("Lead", LastName="Second", Company="Acme")
    seen = list(backend.crm.changed_since("Lead", ["LastName"], since))
    assert [(r["Id"], r["LastName"]) for r in seen] == [(first, "First"), (second, "Second")]
    assert seen[0]["SystemModstamp"] < seen[1]["SystemModstamp"]


def test_writes_go_200_records_a_call(backend: Backend) -> None:
    lead = backend.seed("Lead", LastName="Ruiz", Company="Acme")
    before = backend.calls()
    ops = [WriteOp(f"t{n}", "Task", "create", {"WhoId": lead, "Subject": f"SMS {n}"}) for n in range(201)]
    results = backend.crm.write(ops)
    assert [r.key for r in results] == [op.key for op in ops] and all(r.ok and r.record_id for r in results)
    assert backend.calls() - before == 2
    usage = backend.crm.usage()
    assert usage is not None and usage.used >= 2


def test_update_of_a_missing_record_is_not_found(backend: Backend) -> None:
    result = backend.crm.write([WriteOp("x", "Lead", "update", {"Status": "Open"}, record_id=MISSING_LEAD)])[0]
    assert not result.ok and result.error is not None
    assert (result.error.code, result.error.retryable) == ("not_found", False)


def test_upsert_creates_then_updates_the_same_record(backend: Backend) -> None:
    def op(status: str) -> WriteOp:
        fields = {"SMS_Message_Id__c": "SM1", "SMS_Status__c": status, "Subject": "SMS sent"}
        return WriteOp(status, "Task", "upsert", fields, external_id_field="SMS_Message_Id__c")

    created = backend.crm.write([op("Sent")])[0]
    updated = backend.crm.write([op("Delivered")])[0]
    assert created.ok and updated.ok and created.record_id == updated.record_id
    record = backend.crm.get("Task", str(created.record_id), ["SMS_Status__c"])
    assert record is not None and record["SMS_Status__c"] == "Delivered"
