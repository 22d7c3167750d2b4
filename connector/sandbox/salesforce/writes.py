"""How a create or update body becomes a stored record: field checks, defaults, derived fields, references."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from connector.sandbox.salesforce import ids
from connector.sandbox.salesforce.errors import ApiError, malformed_id, no_such_column
from connector.sandbox.salesforce.schema import FieldDef, ObjectDef
from connector.sandbox.salesforce.standard import CLOSED_TASK_STATUS
from connector.sandbox.salesforce.values import check_value

# Resolves an 18-character id to the object name of a live record, or None.
Resolver = Callable[[str], str | None]


def _not_writable(names: list[str]) -> ApiError:
    return ApiError(
        400,
        "INVALID_FIELD_FOR_INSERT_UPDATE",
        f"Unable to create/update fields: {', '.join(names)}. Please check the security settings of this field and "
        "verify that it is read/write for your profile or permission set.",
        names,
    )


def _reference(f: FieldDef, value: str, resolve: Resolver) -> str:
    full = ids.to18(value)
    if full is None:
        raise malformed_id(value, f.label or f.name, [f.name])
    target = resolve(full)
    if target is None or target not in f.reference_to:
        raise ApiError(400, "INVALID_CROSS_REFERENCE_KEY", f"invalid cross reference id: {value}", [f.name])
    return full


def apply_fields(
    obj: ObjectDef, body: Mapping[str, Any], resolve: Resolver, *, creating: bool, extra_writable: frozenset[str]
) -> dict[str, Any]:
    """Checked values for the fields in `body` (by canonical name); raises ApiError as the REST API would."""
    out: dict[str, Any] = {}
    not_writable = []
    for key, value in body.items():
        if key == "attributes":
            continue
        f = obj.field(key)
        if f is None:
            raise no_such_column(key, obj.name)
        allowed = f.createable if creating else f.updateable
        if not allowed and f.name not in extra_writable:
            not_writable.append(f.name)
            continue
        stored = check_value(f, value)
        if stored is not None and f.type == "reference":
            stored = _reference(f, stored, resolve)
        out[f.name] = stored
    if not_writable:
        raise _not_writable(not_writable)
    return out


def new_record(obj: ObjectDef, values: Mapping[str, Any]) -> dict[str, Any]:
    """A full record: every field, defaults filled in, then `values`; raises REQUIRED_FIELD_MISSING."""
    record: dict[str, Any] = {name: f.default for name, f in obj.fields.items()}
    record.update(values)
    missing = [f.name for f in obj.fields.values() if f.required and record.get(f.name) in (None, "")]
    if missing:
        raise ApiError(400, "REQUIRED_FIELD_MISSING", f"Required fields are missing: [{', '.join(missing)}]", missing)
    return record


def derive(obj: ObjectDef, record: dict[str, Any], now: str) -> None:
    """Fill the fields Salesforce computes: Name, IsClosed, IsHighPriority, CompletedDateTime, false checkboxes."""
    for f in obj.fields.values():
        if f.type == "boolean" and record.get(f.name) is None:
            record[f.name] = False
    if "Name" in obj.fields and not obj.fields["Name"].createable:
        record["Name"] = " ".join(p for p in (record.get("FirstName"), record.get("LastName")) if p) or None
    if obj.name == "Task":
        closed = record.get("Status") in CLOSED_TASK_STATUS
        if closed and not record.get("IsClosed"):
            record["CompletedDateTime"] = now
        record["IsClosed"] = closed
        record["IsHighPriority"] = record.get("Priority") == "High"
    if obj.name in ("Task", "Event") and record.get("WhatId") and ids.prefix(record.get("WhoId") or "") == "00Q":
        # Object Reference (Task): "If the WhoId refers to a lead, the WhatId field must be empty."
        raise ApiError(
            400, "FIELD_INTEGRITY_EXCEPTION", "Related To ID: WhatId must be empty when Name ID is a Lead", ["WhatId"]
        )
