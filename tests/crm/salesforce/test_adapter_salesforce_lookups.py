"""SalesforceCrm lookups against the emulator: records with mapped fields, and contacts found by phone number."""

from __future__ import annotations

import pytest

from connector.crm.port import CrmError, CrmPort
from connector.sandbox.salesforce import SalesforceEmulator

LEAD_FIELDS = [
    "FirstName",
    "LastName",
    "Company",
    "MobilePhone",
    "Phone",
    "Status",
    "OwnerId",
    "Owner.Name",
    "Owner.FirstName",
    "Owner.Phone",
    "DoNotCall",
    "IsConverted",
    "SMS_Opt_Out__c",
    "SMS_Time_Zone__c",
]
E164 = "+14155550188"


@pytest.fixture
def dana(salesforce_emulator: SalesforceEmulator) -> str:
    return salesforce_emulator.seed("User", Username="dana@example.com", FirstName="Dana", LastName="Reyes",
                                    Alias="dana", Email="dana@example.com", Phone="+14155550100")  # fmt: skip


def test_get_returns_mapped_fields_with_owner_nested(
    salesforce_crm: CrmPort, salesforce_emulator: SalesforceEmulator, dana: str
) -> None:
    lead = salesforce_emulator.seed("Lead", FirstName="Ana", LastName="Ruiz", Company="Ruiz Roofing", OwnerId=dana,
                                    MobilePhone=E164, SMS_Time_Zone__c="America/Chicago")  # fmt: skip
    record = salesforce_crm.get("Lead", lead, LEAD_FIELDS)
    assert record is not None and "attributes" not in record
    assert record["Owner"] == {"Name": "Dana Reyes", "FirstName": "Dana", "Phone": "+14155550100"}
    assert (record["Id"], record["FirstName"], record["SMS_Opt_Out__c"], record["SMS_Time_Zone__c"]) == (
        lead,
        "Ana",
        False,
        "America/Chicago",
    )


def test_get_of_a_contact_nests_the_account(salesforce_crm: CrmPort, salesforce_emulator: SalesforceEmulator) -> None:
    account = salesforce_emulator.seed("Account", Name="Acme Solar")
    contact = salesforce_emulator.seed("Contact", LastName="Okafor", AccountId=account)
    record = salesforce_crm.get("Contact", contact, ["Account.Name", "SMS_Request__c"])
    assert record == {"Id": contact, "Account": {"Name": "Acme Solar"}, "SMS_Request__c": None}


def test_get_of_a_deleted_or_unknown_record_is_none(
    salesforce_crm: CrmPort, salesforce_emulator: SalesforceEmulator
) -> None:
    lead = salesforce_emulator.seed("Lead", LastName="Gone", Company="Acme")
    salesforce_emulator.delete("Lead", lead)
    assert salesforce_crm.get("Lead", lead, ["LastName"]) is None
    assert salesforce_crm.get("Lead", "00Q5e00000Hk7PaEAJ", ["LastName"]) is None


def test_get_with_an_unknown_field_is_invalid(salesforce_crm: CrmPort, salesforce_emulator: SalesforceEmulator) -> None:
    lead = salesforce_emulator.seed("Lead", LastName="Ruiz", Company="Acme")
    with pytest.raises(CrmError) as caught:
        salesforce_crm.get("Lead", lead, ["Mobile"])
    assert (caught.value.code, caught.value.retryable) == ("invalid", False)
    assert caught.value.reason.startswith("INVALID_FIELD")


STORED = [
    pytest.param({"MobilePhone": "+14155550188"}, True, id="e164-as-is"),
    pytest.param({"MobilePhone": "(415) 555-0188"}, True, id="us-national-with-punctuation"),
    pytest.param({"MobilePhone": "415.555.0188"}, True, id="dotted"),
    pytest.param({"MobilePhone": "1-415-555-0188"}, True, id="with-trunk-prefix"),
    pytest.param({"MobilePhone": "+1 415 555 0188"}, True, id="international-with-spaces"),
    pytest.param({"MobilePhone": "4155550188 "}, True, id="trailing-space"),
    pytest.param({"Phone": "(415) 555-01 88"}, True, id="fallback-field-with-odd-grouping"),
    pytest.param({"MobilePhone": "(415) 555-0189"}, False, id="one-digit-off-is-no-match"),
    pytest.param({"MobilePhone": "+44 415 555 0188"}, False, id="same-digits-other-country-is-no-match"),
    pytest.param({"MobilePhone": "(212) 555-0188"}, False, id="other-area-code-is-no-match"),
    pytest.param({"MobilePhone": "415-555-0188 ext 12"}, False, id="extension-is-not-textable"),
]


@pytest.mark.parametrize(("fields", "found"), STORED)
def test_find_by_phone_matches_however_the_number_was_typed(
    salesforce_crm: CrmPort, salesforce_emulator: SalesforceEmulator, fields: dict[str, str], found: bool
) -> None:
    lead = salesforce_emulator.seed("Lead", {"LastName": "Ruiz", "Company": "Acme", **fields})
    salesforce_emulator.seed("Lead", LastName="Noise", Company="Acme", MobilePhone="+14155550123")
    matches = salesforce_crm.find_by_phone("Lead", ["MobilePhone", "Phone"], E164, ["LastName"])
    assert [m["Id"] for m in matches] == ([lead] if found else [])


def test_find_by_phone_reads_national_numbers_in_the_searched_numbers_country(
    salesforce_crm: CrmPort, salesforce_emulator: SalesforceEmulator
) -> None:
    contact = salesforce_emulator.seed("Contact", LastName="Martin", MobilePhone="020 7946 0000")
    assert [m["Id"] for m in salesforce_crm.find_by_phone("Contact", ["MobilePhone"], "+442079460000", [])] == [contact]


def test_find_by_phone_returns_every_match_newest_first(
    salesforce_crm: CrmPort, salesforce_emulator: SalesforceEmulator
) -> None:
    first = salesforce_emulator.seed("Lead", LastName="First", Company="Acme", MobilePhone=E164)
    second = salesforce_emulator.seed("Lead", LastName="Second", Company="Acme", Phone="(415) 555-0188")
    salesforce_emulator.update("Lead", first, Status="Working - Contacted")
    matches = salesforce_crm.find_by_phone("Lead", ["MobilePhone", "Phone"], E164, ["LastName", "Owner.Name"])
    assert [m["Id"] for m in matches] == [first, second]
    assert matches[0]["Owner"] == {"Name": "Integration User"}


def test_find_by_phone_with_a_number_that_is_not_e164_finds_nothing_without_a_call(
    salesforce_crm: CrmPort, salesforce_emulator: SalesforceEmulator
) -> None:
    assert salesforce_crm.find_by_phone("Lead", ["MobilePhone"], "not a number", []) == []
    assert salesforce_emulator.api_calls == []


def test_get_many_finds_a_record_asked_for_by_its_15_character_id(
    salesforce_crm: CrmPort, salesforce_emulator: SalesforceEmulator
) -> None:
    lead = salesforce_emulator.seed("Lead", LastName="Ruiz", Company="Acme")
    assert salesforce_crm.get_many("Lead", [lead[:15]], ["LastName"]) == {lead[:15]: {"Id": lead, "LastName": "Ruiz"}}


def test_get_many_refuses_what_is_no_record_id_before_calling(
    salesforce_crm: CrmPort, salesforce_emulator: SalesforceEmulator
) -> None:
    calls = len(salesforce_emulator.api_calls)
    with pytest.raises(CrmError) as refused:
        salesforce_crm.get_many("Lead", ["00Q5e00000Hk7PbEAJ", "x' OR Name != '"], ["LastName"])
    assert refused.value.code == "invalid" and len(salesforce_emulator.api_calls) == calls
