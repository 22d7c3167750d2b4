"""Example records for "try it" when the store has seen none of a flow's object yet (fictional 555 numbers)."""

from __future__ import annotations

from typing import Any

_OWNER = {"Name": "Anna Clarke", "FirstName": "Anna", "Phone": "+14155550100"}

RECORDS: dict[str, dict[str, Any]] = {
    "Lead": {
        "Id": "00Q5e00000Hk7PbEAJ",
        "FirstName": "Ben",
        "LastName": "Okafor",
        "Name": "Ben Okafor",
        "Company": "Okafor Dental",
        "MobilePhone": "+12025550143",
        "LeadSource": "Web",
        "Status": "Booking Offered",
        "OwnerId": "0055e000004TqRzAAK",
        "Owner": _OWNER,
        "DoNotCall": False,
        "IsConverted": False,
        "SMS_Opt_Out__c": False,
        "SMS_Marketing_Opt_In__c": True,
        "SMS_Time_Zone__c": "America/New_York",
        "Booking_Time__c": "2026-11-25T15:30:00.000+0000",
    },
    "Contact": {
        "Id": "0035e00000Bc4QfAAJ",
        "FirstName": "Chloé",
        "LastName": "Martin",
        "MobilePhone": "+447700900123",
        "OwnerId": "0055e000004TqRzAAK",
        "Owner": {**_OWNER, "Phone": "+442079460000"},
        "Account": {"Name": "Martin & Fils"},
        "DoNotCall": False,
        "SMS_Opt_Out__c": False,
        "SMS_Time_Zone__c": "Europe/London",
        "SMS_Request__c": "Address",
    },
}

CALL: dict[str, Any] = {"Id": "00T5e00000jW3xQEAS", "Subject": "Call", "CallDisposition": "No Answer"}


def record_for(obj: str | None) -> dict[str, Any]:
    """An example record of `obj` (a Lead when the flow has no trigger or the object is unknown)."""
    return dict(RECORDS.get(obj or "Lead", RECORDS["Lead"]))
