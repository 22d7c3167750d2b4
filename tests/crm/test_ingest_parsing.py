"""Parsing Salesforce notifications: Outbound Message SOAP into RecordChanges, callout signatures and JSON."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connector.crm.salesforce.ingest import (
    ACK,
    Rejected,
    callout_change,
    outbound_message_key,
    parse_callout,
    parse_outbound_message,
    same_org,
    sign_callout,
    verify_callout,
)

SAMPLES = Path(__file__).with_name("samples")
SECRET = "callout-secret-for-tests-0123456789"
T0 = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def test_the_reference_outbound_message_parses_into_one_lead_change() -> None:
    message = parse_outbound_message(sample("outbound_message_lead.xml"))
    assert message.organization_id == "00D5e000000KQ2eEAG"
    assert message.action_id == "04k5e000000CaRkAAK"
    [change] = message.changes
    assert (change.source, change.event_id, change.object, change.record_id, change.kind) == (
        "outbound_message",
        "04l5e00000Gx7QzAAJ",
        "Lead",
        "00Q5e00000Hk7PaEAJ",
        "updated",
    )
    assert change.fields["MobilePhone"] == "+14155550123"
    assert change.fields["CreatedDate"] == "2026-11-23T14:05:11.000Z"


def test_a_call_task_notification_is_a_logged_call_with_typed_checkboxes() -> None:
    [change] = parse_outbound_message(sample("outbound_message_task_call.xml")).changes
    assert change.object == "Task" and change.kind == "call_logged"
    assert change.fields["CallDisposition"] == "No Answer"
    assert change.fields["IsClosed"] is True and change.fields["WhatId"] is None


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        pytest.param(b"<soapenv:Envelope", "malformed XML", id="truncated-xml-is-malformed"),
        pytest.param(b"", "malformed XML", id="empty-body-is-malformed"),
        pytest.param(sample("billion_laughs.xml"), "DTD", id="entity-bomb-is-refused-before-expanding"),
        pytest.param(sample("external_entity.xml"), "DTD", id="external-entity-is-refused"),
        pytest.param(b"<a><b/></a>", "not a Salesforce Outbound Message", id="other-xml-is-not-an-outbound-message"),
    ],
)
def test_hostile_or_foreign_xml_is_rejected_with_400(body: bytes, reason: str) -> None:
    with pytest.raises(Rejected) as exc:
        parse_outbound_message(body)
    assert exc.value.status == 400 and reason in exc.value.reason


def test_more_than_100_notifications_is_rejected() -> None:
    one = sample("outbound_message_lead.xml").decode()
    start, end = one.index("<Notification>"), one.index("</Notification>") + len("</Notification>")
    body = one[:start] + one[start:end] * 101 + one[end:]
    with pytest.raises(Rejected, match="1 to 100"):
        parse_outbound_message(body.encode())


@pytest.mark.parametrize(
    ("given", "configured", "same"),
    [
        pytest.param("00D5e000000KQ2eEAG", "00D5e000000KQ2eEAG", True, id="same-18-char-org"),
        pytest.param("00D5e000000KQ2eEAG", "00D5e000000KQ2e", True, id="18-char-matches-its-15-char-form"),
        pytest.param("00D5e000000KQ2fEAG", "00D5e000000KQ2eEAG", False, id="other-org-differs"),
        pytest.param("00d5e000000kq2eEAG", "00D5e000000KQ2eEAG", False, id="org-ids-are-case-sensitive"),
        pytest.param("00D5e000000KQ2eEAG", None, False, id="no-configured-org-matches-nothing"),
    ],
)
def test_org_ids_compare_on_their_15_characters(given: str, configured: str | None, same: bool) -> None:
    assert same_org(given, configured) is same


def test_the_ack_is_what_salesforce_expects() -> None:
    assert ACK.replace(b"\n", b"") == sample("outbound_message_ack.xml").replace(b"\n", b"")


def test_the_url_key_is_derived_from_the_secret_not_the_secret_itself() -> None:
    key = outbound_message_key(SECRET)
    assert key == outbound_message_key(SECRET) and SECRET not in key and len(key) == 32


def signed(body: bytes, at: datetime = T0, secret: str = SECRET) -> dict[str, str | None]:
    stamp = int(at.timestamp())
    return {"signature": sign_callout(secret, stamp, body), "timestamp": str(stamp)}


@pytest.mark.parametrize(
    ("headers", "now", "status"),
    [
        pytest.param(signed(b"{}"), T0, None, id="signed-now-passes"),
        pytest.param(signed(b"{}"), T0 + timedelta(minutes=4, seconds=59), None, id="signed-within-5-minutes-passes"),
        pytest.param({"signature": None, "timestamp": None}, T0, 401, id="unsigned-is-401"),
        pytest.param(signed(b"{}", secret="another-secret-0123456789"), T0, 403, id="wrong-secret-is-403"),
        pytest.param(signed(b"{}"), T0 + timedelta(minutes=6), 403, id="stale-timestamp-is-403"),
        pytest.param(signed(b"{}"), T0 - timedelta(minutes=6), 403, id="future-timestamp-is-403"),
        pytest.param(signed(b'{"x": 1}'), T0, 403, id="signature-of-another-body-is-403"),
        pytest.param({"signature": "sha256=00", "timestamp": "soon"}, T0, 400, id="non-numeric-timestamp-is-400"),
    ],
)
def test_callout_signatures(headers: dict[str, str | None], now: datetime, status: int | None) -> None:
    if status is None:
        verify_callout(b"{}", secret=SECRET, now=now, **headers)
        return
    with pytest.raises(Rejected) as exc:
        verify_callout(b"{}", secret=SECRET, now=now, **headers)
    assert exc.value.status == status


def test_a_callout_becomes_a_change_with_old_values() -> None:
    change = callout_change(parse_callout(sample("callout_lead_updated.json")))
    assert (change.source, change.event_id, change.kind) == ("callout", "cl-0001", "updated")
    assert change.changed == ("Status",) and change.old == {"Status": "Open - Not Contacted"}
    assert change.fields["Id"] == change.record_id == "00Q5e00000Hk7PaEAJ"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"not json", id="not-json"),
        pytest.param(b'{"id": "x"}', id="missing-object-and-record"),
        pytest.param(b'{"schema": "v9", "id": "x", "object": "Lead", "record_id": "00Q5e00000Hk7PaEAJ"}', id="v9"),
        pytest.param(
            b'{"id": "x", "object": "Lead", "record_id": "00Q5e00000Hk7PaEAJ", "fields": {"FirstName": "\\ud800"}}',
            id="lone-surrogate-no-database-can-store",
        ),
        pytest.param(
            b'{"id": "x", "object": "Lead", "record_id": "00Q5e00000Hk7PaEAJ", "fields": {"A": ["\\u0000"]}}',
            id="nul-postgresql-cannot-store",
        ),
    ],
)
def test_a_callout_that_is_not_the_documented_json_is_400(body: bytes) -> None:
    with pytest.raises(Rejected) as exc:
        parse_callout(body)
    assert exc.value.status == 400
