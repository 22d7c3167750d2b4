"""The standard objects the connector touches (Lead, Contact, Account, Task, Event, User) and their usual fields.

Picklist values and lengths follow a fresh Developer Edition org and the Object Reference; only TaskSubtype,
EventSubtype and CallType are restricted there, the others accept any value, as in most orgs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from connector.sandbox.salesforce.schema import FieldDef, ObjectDef, Schema, custom_field

LEAD_STATUS = ("Open - Not Contacted", "Working - Contacted", "Closed - Converted", "Closed - Not Converted")
LEAD_SOURCE = ("Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other")
TASK_STATUS = ("Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred")
CLOSED_TASK_STATUS = frozenset({"Completed"})
PRIORITY = ("High", "Normal", "Low")
SALUTATION = ("Mr.", "Ms.", "Mrs.", "Dr.", "Prof.")
WHO = ("Contact", "Lead")
WHAT = ("Account", "Opportunity", "Case")


def _f(name: str, type_: str, length: int = 0, **opts: Any) -> FieldDef:
    if type_ == "reference":
        length = 18
    return FieldDef(name=name, type=type_, length=length, **opts)


def _readonly(name: str, type_: str, length: int = 0, **opts: Any) -> FieldDef:
    return _f(name, type_, length, createable=False, updateable=False, **opts)


def _pick(name: str, values: tuple[str, ...], **opts: Any) -> FieldDef:
    return _f(name, "picklist", 255, picklist=values, **opts)


def _system(owned: bool) -> list[FieldDef]:
    fields = [
        _readonly("Id", "id", 18, nillable=False),
        _readonly("IsDeleted", "boolean", nillable=False),
        _readonly("CreatedDate", "datetime", nillable=False),
        _readonly("CreatedById", "reference", reference_to=("User",), relationship_name="CreatedBy"),
        _readonly("LastModifiedDate", "datetime", nillable=False),
        _readonly("LastModifiedById", "reference", reference_to=("User",), relationship_name="LastModifiedBy"),
        _readonly("SystemModstamp", "datetime", nillable=False),
    ]
    if owned:
        fields.append(_f("OwnerId", "reference", reference_to=("User",), relationship_name="Owner", nillable=False))
    return fields


def _person() -> list[FieldDef]:
    return [
        _pick("Salutation", SALUTATION),
        _f("FirstName", "string", 40),
        _f("LastName", "string", 80, nillable=False, required=True),
        _readonly("Name", "string", 121),  # compound: FirstName + LastName
        _f("Title", "string", 128),
        _f("Email", "email", 80),
        _f("Phone", "phone", 40),
        _f("MobilePhone", "phone", 40),
        _pick("LeadSource", LEAD_SOURCE),
        _f("DoNotCall", "boolean", nillable=False, default=False),
        _f("HasOptedOutOfEmail", "boolean", nillable=False, default=False),
        _f("Description", "textarea", 32000),
    ]


def _activity(subtype: tuple[str, ...], subtype_field: str) -> list[FieldDef]:
    return [
        _f("WhoId", "reference", reference_to=WHO, relationship_name="Who"),
        _f("WhatId", "reference", reference_to=WHAT, relationship_name="What"),
        _f("Subject", "combobox", 255),
        _f("ActivityDate", "date"),
        _f("Description", "textarea", 32000),
        _pick("Type", ("Call", "Email", "Meeting", "Other")),
        _readonly("AccountId", "reference", reference_to=("Account",), relationship_name="Account"),
        _pick(subtype_field, subtype, restricted=True, updateable=False, default=subtype[0]),
    ]


def standard_objects() -> list[ObjectDef]:
    """Fresh definitions of the standard objects (each call returns new, independent objects)."""
    lead = [
        *_person(),
        _f("Company", "string", 255, nillable=False, required=True),
        _f("Street", "textarea", 255),
        _f("City", "string", 40),
        _f("State", "string", 80),
        _f("PostalCode", "string", 20),
        _f("Country", "string", 80),
        _f("Website", "url", 255),
        _f("Industry", "string", 40),
        _pick("Rating", ("Hot", "Warm", "Cold")),
        _pick("Status", LEAD_STATUS, nillable=False, default=LEAD_STATUS[0]),
        _f("HasOptedOutOfFax", "boolean", nillable=False, default=False),
        _f("IsConverted", "boolean", nillable=False, default=False, updateable=False),
        _readonly("ConvertedDate", "date"),
        _readonly("ConvertedAccountId", "reference", reference_to=("Account",), relationship_name="ConvertedAccount"),
        _readonly("ConvertedContactId", "reference", reference_to=("Contact",), relationship_name="ConvertedContact"),
        _readonly("ConvertedOpportunityId", "reference", reference_to=("Opportunity",)),
        _readonly("MasterRecordId", "reference", reference_to=("Lead",), relationship_name="MasterRecord"),
        _readonly("LastViewedDate", "datetime"),
        _readonly("LastReferencedDate", "datetime"),
        _f("IsUnreadByOwner", "boolean", nillable=False, default=True),
        _readonly("LastActivityDate", "date"),
    ]
    contact = [
        *_person(),
        _f("AccountId", "reference", reference_to=("Account",), relationship_name="Account"),
        _f("HomePhone", "phone", 40),
        _f("OtherPhone", "phone", 40),
        _f("MailingStreet", "textarea", 255),
        _f("MailingCity", "string", 40),
        _f("MailingState", "string", 80),
        _f("MailingPostalCode", "string", 20),
        _f("MailingCountry", "string", 80),
        _f("Birthdate", "date"),
        _readonly("LastActivityDate", "date"),
    ]
    account = [
        _f("Name", "string", 255, nillable=False, required=True),
        _f("Phone", "phone", 40),
        _f("Website", "url", 255),
        _f("Industry", "string", 40),
        _pick("Type", ("Prospect", "Customer - Direct", "Customer - Channel", "Partner", "Other")),
        _f("BillingStreet", "textarea", 255),
        _f("BillingCity", "string", 40),
        _f("BillingState", "string", 80),
        _f("BillingPostalCode", "string", 20),
        _f("BillingCountry", "string", 80),
        _f("Description", "textarea", 32000),
    ]
    task = [
        *_activity(("Task", "Email", "ListEmail", "Cadence", "Call", "LinkedIn"), "TaskSubtype"),
        _pick("Status", TASK_STATUS, nillable=False, default="Not Started"),
        _pick("Priority", PRIORITY, nillable=False, default="Normal"),
        _readonly("IsClosed", "boolean", nillable=False),
        _readonly("IsHighPriority", "boolean", nillable=False),
        _readonly("CompletedDateTime", "datetime"),
        _f("CallDurationInSeconds", "int"),
        _pick("CallType", ("Inbound", "Outbound", "Internal"), restricted=True),
        _f("CallDisposition", "string", 255),
        _f("CallObject", "string", 255),
        _readonly("IsRecurrence", "boolean", nillable=False),
        _readonly("IsArchived", "boolean", nillable=False),
    ]
    event = [
        *_activity(("Event",), "EventSubtype"),
        _f("ActivityDateTime", "datetime"),
        _f("StartDateTime", "datetime"),
        _f("EndDateTime", "datetime"),
        _f("DurationInMinutes", "int"),
        _f("Location", "string", 255),
        _f("IsAllDayEvent", "boolean", nillable=False, default=False),
        _pick("ShowAs", ("Busy", "OutOfOffice", "Free"), default="Busy"),
    ]
    user = [
        _f("Username", "string", 80, nillable=False, required=True),
        _f("FirstName", "string", 40),
        _f("LastName", "string", 80, nillable=False, required=True),
        _readonly("Name", "string", 121),
        _f("Alias", "string", 8, nillable=False, required=True),
        _f("Email", "email", 128, nillable=False, required=True),
        _f("Phone", "phone", 40),
        _f("MobilePhone", "phone", 40),
        _f("Title", "string", 80),
        _f("IsActive", "boolean", nillable=False, default=True),
        _pick(
            "TimeZoneSidKey",
            ("America/Los_Angeles", "America/Chicago", "America/New_York"),
            default="America/Los_Angeles",
        ),
        _pick("LocaleSidKey", ("en_US", "en_GB"), default="en_US"),
        _pick("LanguageLocaleKey", ("en_US",), default="en_US"),
        _pick("EmailEncodingKey", ("UTF-8",), default="UTF-8"),
        _f("ManagerId", "reference", reference_to=("User",), relationship_name="Manager"),
    ]
    return [
        ObjectDef("Lead", "00Q", "Lead", {f.name: f for f in [*_system(True), *lead]}),
        ObjectDef("Contact", "003", "Contact", {f.name: f for f in [*_system(True), *contact]}),
        ObjectDef("Account", "001", "Account", {f.name: f for f in [*_system(True), *account]}),
        ObjectDef("Task", "00T", "Task", {f.name: f for f in [*_system(True), *task]}),
        ObjectDef("Event", "00U", "Event", {f.name: f for f in [*_system(True), *event]}),
        ObjectDef("User", "005", "User", {f.name: f for f in [*_system(False), *user]}),
    ]


def load_schema(manifest: Path | None) -> Schema:
    """The standard objects, plus the custom fields `manifest` (manifest.yaml) declares, when given."""
    objects = {o.name: o for o in standard_objects()}
    if manifest is not None:
        document = yaml.safe_load(manifest.read_text(encoding="utf-8")) or {}
        for obj_name, spec in (document.get("objects") or {}).items():
            target = objects.get(obj_name)
            if target is None:
                continue
            for custom in (spec or {}).get("custom_fields") or ():
                target.add(custom_field(custom))
    return Schema(objects.values())
