"""Salesforce change notifications in: Outbound Messages (SOAP, parsed with defusedxml) and HMAC-signed JSON callouts.

Both become RecordChange values; nothing here touches the store or the network.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from connector.crm.port import RecordChange

SOAP = "{http://schemas.xmlsoap.org/soap/envelope/}"
OM = "{http://soap.sforce.com/2005/09/outbound}"
XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
MAX_NOTIFICATIONS = 100  # SOAP API guide: an Outbound Message carries 1 to 100 notifications
SIGNATURE_HEADER = "X-Smsflow-Signature"
TIMESTAMP_HEADER = "X-Smsflow-Timestamp"
REPLAY_WINDOW_S = 300
CALLOUT_SCHEMA = "smsflow.callout.v1"

# What Salesforce expects back; anything else (false, a fault, non-2xx) makes it resend for up to 24 hours.
ACK = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">\n'
    b" <soapenv:Body>\n"
    b'  <notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound">\n'
    b"   <Ack>true</Ack>\n"
    b"  </notificationsResponse>\n"
    b" </soapenv:Body>\n"
    b"</soapenv:Envelope>\n"
)


class Rejected(Exception):
    """A notification we refuse: `status` is the HTTP status to answer, `reason` a short, secret-free text."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


@dataclass(frozen=True)
class OutboundMessage:
    """One SOAP notifications element: the sending org and a change per Notification."""

    organization_id: str
    action_id: str | None
    changes: list[RecordChange]


def same_org(given: str | None, configured: str | None) -> bool:
    """Org ids match on their 15 case-sensitive characters (the 18-character form only adds a suffix)."""
    # Compared as bytes: compare_digest raises TypeError for a str with non-ASCII characters, and `given` is input.
    return bool(given and configured) and hmac.compare_digest(str(given)[:15].encode(), str(configured)[:15].encode())


def parse_outbound_message(body: bytes) -> OutboundMessage:
    """Parse an Outbound Message; raises Rejected(400) for bad XML, DTDs or entities, or another document."""
    try:
        root = fromstring(body, forbid_dtd=True)
    except DefusedXmlException:
        raise Rejected(400, "XML with a DTD or entities is refused") from None
    except (ParseError, LookupError, ValueError):  # expat: LookupError for an unknown encoding, ValueError for UTF-7
        raise Rejected(400, "malformed XML") from None
    notifications = root.find(f"{SOAP}Body/{OM}notifications")
    org = _text(notifications, f"{OM}OrganizationId") if notifications is not None else None
    if notifications is None or not org:
        raise Rejected(400, "not a Salesforce Outbound Message")
    items = notifications.findall(f"{OM}Notification")
    if not 1 <= len(items) <= MAX_NOTIFICATIONS:
        raise Rejected(400, f"expected 1 to {MAX_NOTIFICATIONS} notifications, got {len(items)}")
    changes = [_notification(item) for item in items]
    return OutboundMessage(org, _text(notifications, f"{OM}ActionId"), changes)


def _notification(item: Element) -> RecordChange:
    notification_id, sobject = _text(item, f"{OM}Id"), item.find(f"{OM}sObject")
    if not notification_id or sobject is None:
        raise Rejected(400, "a Notification without an Id or an sObject")
    obj = (sobject.get(XSI_TYPE) or "").rpartition(":")[2]
    fields = {_local(child.tag): _value(child) for child in sobject}
    record_id = fields.get("Id")
    if not obj or not isinstance(record_id, str):
        raise Rejected(400, "an sObject without a type or an Id")
    # Outbound Messages say neither what kind of change it was nor what the fields were before: the event is
    # kept as "updated" and processing works out created vs updated, and what changed, from what it saw last.
    return RecordChange("outbound_message", notification_id, obj, record_id, _kind(obj, fields), fields)


def _kind(obj: str, fields: dict[str, Any]) -> Literal["updated", "call_logged"]:
    return "call_logged" if obj == "Task" and fields.get("TaskSubtype") == "Call" else "updated"


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _text(parent: Element, tag: str) -> str | None:
    child = parent.find(tag)
    return None if child is None or child.text is None else child.text.strip()


def _value(element: Element) -> Any:
    # SOAP sends every value as text; checkboxes as "true"/"false", which conditions must see as booleans.
    if element.get(XSI_NIL) == "true":
        return None
    text = element.text or ""
    return {"true": True, "false": False}.get(text, text)


# ---- JSON callouts ----------------------------------------------------------------------------------------------


class Callout(BaseModel):
    """One change as a record-triggered Flow's HTTP callout sends it (schema smsflow.callout.v1).

    {"schema": "smsflow.callout.v1", "id": "<stable across retries>", "org_id": "00D...", "rule": "...",
     "object": "Lead", "event": "created" | "updated", "record_id": "00Q...",
     "occurred_at": "2026-11-23T14:05:11.000Z", "fields": {...}, "changed_fields": [...], "old_values": {...}}
    """

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    schema_: Literal["smsflow.callout.v1"] = Field(default=CALLOUT_SCHEMA, alias="schema")
    id: str = Field(min_length=1, max_length=255, pattern=r"^[^\x00]+$")  # PostgreSQL text cannot hold NUL
    org_id: str | None = None
    object: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    event: Literal["created", "updated", "call_logged"] = "updated"
    record_id: str = Field(min_length=15, max_length=18, pattern=r"^[A-Za-z0-9]+$")
    occurred_at: datetime | None = None
    fields: dict[str, Any] = Field(default_factory=dict)
    changed_fields: list[str] = Field(default_factory=list)
    old_values: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _storable(self) -> Callout:
        # JSON may escape what no database text can hold: NUL (PostgreSQL) and lone surrogates ("\ud800").
        for value in _strings((self.fields, self.changed_fields, self.old_values, self.org_id, self.object)):
            if "\x00" in value or any(0xD800 <= ord(ch) <= 0xDFFF for ch in value):
                raise ValueError("a value holds a NUL or a lone surrogate, which no record field can")
        return self


def _strings(value: Any) -> Iterator[str]:
    """Every string in a JSON value, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def sign_callout(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header value: HMAC-SHA256 over "<timestamp>." + body, as hex, prefixed "sha256="."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_callout(body: bytes, *, signature: str | None, timestamp: str | None, secret: str, now: datetime) -> None:
    """Raise Rejected unless the body is signed with `secret` within REPLAY_WINDOW_S of `now`."""
    if not signature or not timestamp:
        raise Rejected(401, f"missing {SIGNATURE_HEADER} or {TIMESTAMP_HEADER}")
    try:
        sent = int(timestamp)
    except ValueError:
        raise Rejected(400, f"{TIMESTAMP_HEADER} must be Unix seconds") from None
    # Signed timestamps bound how long a captured request stays usable; event ids make a replay inside the
    # window a no-op.
    if abs(int(now.timestamp()) - sent) > REPLAY_WINDOW_S:  # in ints: a 400-digit stamp overflows a float
        raise Rejected(403, "timestamp outside the replay window")
    if not hmac.compare_digest(sign_callout(secret, sent, body).encode(), signature.strip().encode()):
        raise Rejected(403, "bad signature")


def parse_callout(body: bytes) -> Callout:
    """The change in a verified callout body; raises Rejected(400) when it is not smsflow.callout.v1 JSON."""
    try:
        return Callout.model_validate_json(body)
    except ValidationError:
        raise Rejected(400, "not an smsflow.callout.v1 change") from None


def callout_change(callout: Callout) -> RecordChange:
    """The callout as a RecordChange; a Task with TaskSubtype Call is a logged call, whatever the event says."""
    fields = {"Id": callout.record_id, **callout.fields}
    kind = "call_logged" if _kind(callout.object, fields) == "call_logged" else callout.event
    return RecordChange(
        source="callout",
        event_id=callout.id,
        object=callout.object,
        record_id=callout.record_id,
        kind=kind,
        fields=fields,
        changed=tuple(callout.changed_fields),
        old=callout.old_values,
        at=callout.occurred_at,
    )


def outbound_message_key(secret: str) -> str:
    """The `?key=` the Outbound Message endpoint URL carries: derived from the callout secret, never the secret.

    A URL ends up in Salesforce setup screens and access logs; deriving it means a leaked URL cannot sign callouts.
    """
    return hmac.new(secret.encode(), b"salesforce-outbound-message", hashlib.sha256).hexdigest()[:32]
