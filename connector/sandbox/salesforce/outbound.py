"""Outbound Messages: the SOAP `notifications` a workflow or Flow action POSTs, and reading the listener's Ack.

Shape per the SOAP API guide (outbound messaging WSDL) and samples/outbound_message_lead.xml: OrganizationId,
ActionId, SessionId (nil unless "Send Session ID"), EnterpriseUrl, PartnerUrl, then 1-100 Notification elements,
each an Id and an sObject with the selected, non-null fields.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC
from typing import Any
from xml.sax.saxutils import escape

from defusedxml import ElementTree

from connector.sandbox.salesforce.schema import ObjectDef
from connector.sandbox.salesforce.values import parse_datetime

MAX_NOTIFICATIONS = 100
_NS = "http://soap.sforce.com/2005/09/outbound"


def _wire(f_type: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if f_type == "datetime":
        stamp = parse_datetime(str(value))
        if stamp is not None:  # SOAP uses xsd:dateTime with Z, not the REST "+0000"
            return stamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"
    return escape(str(value))


def notification(obj: ObjectDef, notification_id: str, record: Mapping[str, Any], fields: Sequence[str] | None) -> str:
    """One <Notification> element: Id first, then the chosen fields that have a value."""
    names = ["Id", *[n for n in (fields or sorted(obj.fields)) if n != "Id"]]
    parts = []
    for name in names:
        f = obj.field(name)
        value = record.get(f.name) if f else None
        if f is not None and value is not None:
            parts.append(f"<sf:{f.name}>{_wire(f.type, value)}</sf:{f.name}>")
    return (
        f"<Notification><Id>{notification_id}</Id>"
        f'<sObject xsi:type="sf:{obj.name}" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">'
        f"{''.join(parts)}</sObject></Notification>"
    )


def envelope(
    *, org_id: str, action_id: str, session_id: str | None, base_url: str, version: str, notifications: Sequence[str]
) -> bytes:
    """The full SOAP message for up to 100 notifications of one action."""
    session = f"<SessionId>{escape(session_id)}</SessionId>" if session_id else '<SessionId xsi:nil="true"/>'
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f'<soapenv:Body><notifications xmlns="{_NS}">'
        f"<OrganizationId>{org_id}</OrganizationId><ActionId>{action_id}</ActionId>{session}"
        f"<EnterpriseUrl>{base_url}/services/Soap/c/{version}/{org_id[:15]}</EnterpriseUrl>"
        f"<PartnerUrl>{base_url}/services/Soap/u/{version}/{org_id[:15]}</PartnerUrl>"
        f"{''.join(notifications)}</notifications></soapenv:Body></soapenv:Envelope>"
    ).encode()


def acknowledged(status: int | None, body: bytes) -> bool:
    """Whether the listener answered 2xx with notificationsResponse/Ack = true (anything else is retried)."""
    if status is None or not 200 <= status < 300:
        return False
    try:
        root = ElementTree.fromstring(body)
    except Exception:  # defusedxml raises several types for hostile or broken XML; either way, no Ack
        return False
    ack = next((node for node in root.iter() if str(node.tag).rpartition("}")[2] == "Ack"), None)
    return ack is not None and (ack.text or "").strip().lower() == "true"
