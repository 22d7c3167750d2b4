"""Field values on the wire: date and datetime formats, and the checks Salesforce applies to each written value."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from connector.sandbox.salesforce.errors import ApiError
from connector.sandbox.salesforce.schema import NUMBER_TYPES, TEXT_TYPES, FieldDef

_DATETIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?"
    r"(Z|[+-]\d{2}:?\d{2})?)?$"
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def format_datetime(value: datetime) -> str:
    """The REST API's datetime form: "2026-11-23T14:05:11.000+0000" (always UTC)."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"


def parse_datetime(text: str) -> datetime | None:
    """A datetime from the forms Salesforce accepts (ISO 8601 with Z, +hhmm or +hh:mm; date alone = midnight UTC)."""
    match = _DATETIME.match(text) if isinstance(text, str) else None
    if not match:
        return None
    y, mo, d, h, mi, s, frac, tz = match.groups()
    try:
        value = datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0), tzinfo=UTC)
    except ValueError:
        return None
    if frac:
        value = value.replace(microsecond=int(frac[:6].ljust(6, "0")))
    if tz and tz != "Z":
        sign = 1 if tz[0] == "+" else -1
        digits = tz[1:].replace(":", "")
        offset = sign * (int(digits[:2]) * 60 + int(digits[2:]))
        value -= timedelta(minutes=offset)
    return value


def parse_date(text: str) -> date | None:
    """A date from "YYYY-MM-DD"."""
    if not isinstance(text, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _deserialize_error(f: FieldDef, value: Any, java: str) -> ApiError:
    shown = value if isinstance(value, str) else repr(value)
    return ApiError(
        400, "JSON_PARSER_ERROR", f"Cannot deserialize instance of {java} from value {shown} for field {f.name}"
    )


def check_value(f: FieldDef, value: Any) -> Any:
    """The value to store for a write of `value` to `f`, or ApiError as Salesforce would answer."""
    if value is None or (value == "" and f.type not in TEXT_TYPES):
        if not f.nillable and f.type == "boolean":
            return False  # a cleared checkbox is unchecked
        return None
    if f.type in TEXT_TYPES:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise _deserialize_error(f, value, "string")
        text = str(value)
        if text == "":
            return None  # Salesforce stores an empty string as null
        if f.length and len(text) > f.length:
            raise ApiError(
                400,
                "STRING_TOO_LONG",
                f"{f.label or f.name}: data value too large: {text[:20]}... (max length={f.length})",
                [f.name],
            )
        if f.type == "email" and not _EMAIL.match(text):
            raise ApiError(400, "INVALID_EMAIL_ADDRESS", f"{f.name}: invalid email address: {text}", [f.name])
        if f.restricted and f.type == "picklist" and text not in f.picklist:
            raise ApiError(
                400,
                "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                f"bad value for restricted picklist field: {text}",
                [f.name],
            )
        return text
    if f.type == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise _deserialize_error(f, value, "boolean")
    if f.type in NUMBER_TYPES:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _deserialize_error(f, value, "double" if f.type != "int" else "int")
        return int(value) if f.type == "int" else float(value)
    if f.type == "date":
        parsed = parse_date(value) if isinstance(value, str) else None
        stamp = parse_datetime(value) if parsed is None and isinstance(value, str) else None
        parsed = stamp.date() if stamp is not None else parsed
        if parsed is None:
            raise _deserialize_error(f, value, "date")
        return parsed.isoformat()
    if f.type == "datetime":
        stamp = parse_datetime(value) if isinstance(value, str) else None
        if stamp is None:
            raise _deserialize_error(f, value, "datetime")
        return format_datetime(stamp)
    if f.type in ("reference", "id"):
        if not isinstance(value, str):
            raise _deserialize_error(f, value, "id")
        return value  # existence and type are checked by the org, which knows the records
    return value
