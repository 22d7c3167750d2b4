"""Record changes pushed out: Outbound Messages resent until acknowledged, signed JSON callouts, trigger rules."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from xml.etree.ElementTree import Element

import pytest
from defusedxml import ElementTree
from sf_emulator_support import ROOT, Listener, sample

from connector.sandbox.salesforce import RetryPolicy, SalesforceEmulator
from connector.sandbox.salesforce.errors import ApiError

OM = "{http://soap.sforce.com/2005/09/outbound}"
SF = "{urn:sobject.enterprise.soap.sforce.com}"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
SECRET = "a-shared-secret-of-some-length"
ACK_FALSE = sample("outbound_message_ack.xml").replace(b"<Ack>true</Ack>", b"<Ack>false</Ack>")
ANA = {"FirstName": "Ana", "LastName": "Ruiz", "Company": "Ruiz Roofing", "MobilePhone": "+14155550123"}


def _notifications(body: bytes) -> Element:
    found = ElementTree.fromstring(body).find(f".//{OM}notifications")
    assert found is not None
    return found


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def test_outbound_message_is_resent_until_acknowledged(emulator: SalesforceEmulator, listener: Listener) -> None:
    listener.answers = [(500, b"down"), (200, ACK_FALSE), (200, sample("outbound_message_ack.xml"))]
    emulator.deliveries.add_outbound_message("Lead", listener.url, fields=["FirstName", "LastName", "MobilePhone"])
    lead = emulator.seed("Lead", ANA)
    assert emulator.deliveries.wait_for(lambda attempts: any(a.delivered for a in attempts))
    attempts = emulator.deliveries.attempts
    assert [(a.number, a.status, a.delivered) for a in attempts] == [(1, 500, False), (2, 200, False), (3, 200, True)]
    bodies = [_notifications(body) for _, body in listener.requests]
    ids = {b.findtext(f"{OM}Notification/{OM}Id") for b in bodies}
    assert len(ids) == 1, "a resend carries the same notification id, for the listener to dedupe"
    first = bodies[0]
    assert first.findtext(f"{OM}OrganizationId") == emulator.org_id
    record = first.find(f"{OM}Notification/{OM}sObject")
    assert record is not None and record.get(XSI_TYPE) == "sf:Lead"
    assert {_local(f.tag): f.text for f in record} == {"Id": lead, **{k: v for k, v in ANA.items() if k != "Company"}}
    headers = listener.requests[0][0]
    assert headers["Content-Type"].startswith("text/xml") and "Soapaction" in {k.title() for k in headers}
    assert emulator.deliveries.wait_idle()


def test_outbound_message_has_the_samples_structure(emulator: SalesforceEmulator, listener: Listener) -> None:
    listener.default = (200, sample("outbound_message_ack.xml"))
    emulator.deliveries.add_outbound_message("Lead", listener.url)
    emulator.seed("Lead", ANA)
    assert emulator.deliveries.wait_idle()
    ours, theirs = _notifications(listener.requests[0][1]), _notifications(sample("outbound_message_lead.xml"))
    assert [_local(e.tag) for e in ours] == [_local(e.tag) for e in theirs]
    nil = "{http://www.w3.org/2001/XMLSchema-instance}nil"
    assert ours.find(f"{OM}SessionId").get(nil) == "true"  # type: ignore[union-attr]
    sent = {_local(f.tag): f.text for f in ours.find(f"{OM}Notification/{OM}sObject")}  # type: ignore[union-attr]
    assert sent["CreatedDate"].endswith("Z") and sent["IsConverted"] == "false"
    assert "Email" not in sent, "null fields are left out"


def test_a_resend_carries_the_records_current_values(emulator: SalesforceEmulator, listener: Listener) -> None:
    emulator.deliveries.pause()
    emulator.deliveries.add_outbound_message("Lead", listener.url, on=("created",), fields=["Status"])
    lead = emulator.seed("Lead", ANA)
    emulator.update("Lead", lead, Status="Working - Contacted")
    listener.default = (200, sample("outbound_message_ack.xml"))
    emulator.deliveries.resume()
    assert emulator.deliveries.wait_idle()
    sent = _notifications(listener.requests[0][1]).find(f".//{SF}Status")
    assert sent is not None and sent.text == "Working - Contacted"


def test_notifications_of_one_action_share_messages_of_up_to_100(
    emulator: SalesforceEmulator, listener: Listener
) -> None:
    listener.default = (200, sample("outbound_message_ack.xml"))
    emulator.deliveries.add_outbound_message("Lead", listener.url, fields=["LastName"])
    emulator.deliveries.pause()
    for n in range(150):
        emulator.seed("Lead", LastName=f"Lead {n}", Company="Acme")
    emulator.deliveries.resume()
    assert emulator.deliveries.wait_idle()
    assert sorted(len(a.ids) for a in emulator.deliveries.attempts) == [50, 100]


def test_outbound_message_is_dropped_after_the_retry_window(listener: Listener) -> None:
    listener.default = (500, b"down")
    retry = RetryPolicy(base=0.01, cap=0.02, give_up_after=0.1, timeout=5.0)
    with SalesforceEmulator(manifest=ROOT / "manifest.yaml", retry=retry) as emulator:
        emulator.deliveries.add_outbound_message("Lead", listener.url)
        emulator.seed("Lead", ANA)
        assert emulator.deliveries.wait_for(lambda attempts: any(a.dropped for a in attempts))
        assert emulator.deliveries.wait_idle() and not any(a.delivered for a in emulator.deliveries.attempts)


def test_callout_is_signed_over_timestamp_and_body(emulator: SalesforceEmulator, listener: Listener) -> None:
    listener.answers = [(503, b"")]
    emulator.deliveries.add_callout("Lead", listener.url, SECRET, name="lead_status", on=("updated",),
                                    changed_fields=("Status",), fields=("FirstName", "Status"))  # fmt: skip
    lead = emulator.seed("Lead", ANA)
    emulator.update("Lead", lead, Status="Working - Contacted")
    assert emulator.deliveries.wait_for(lambda attempts: any(a.delivered for a in attempts))
    (first_headers, first_body), (headers, body) = listener.requests
    assert first_body == body and first_headers["X-Smsflow-Event-Id"] == headers["X-Smsflow-Event-Id"]
    stamp = headers["X-Smsflow-Timestamp"]
    expected = hmac.new(SECRET.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert headers["X-Smsflow-Signature"] == f"sha256={expected}"
    assert abs(int(stamp) - datetime.now(UTC).timestamp()) < 3600
    payload = json.loads(body)
    assert payload == {
        "schema": "smsflow.callout.v1",
        "id": headers["X-Smsflow-Event-Id"],
        "org_id": emulator.org_id,
        "rule": "lead_status",
        "object": "Lead",
        "event": "updated",
        "record_id": lead,
        "occurred_at": payload["occurred_at"],
        "fields": {"Id": lead, "FirstName": "Ana", "Status": "Working - Contacted"},
        "changed_fields": ["Status"],
        "old_values": {"Status": "Open - Not Contacted"},
    }


def test_callouts_verify_with_the_connectors_ingest_checks(emulator: SalesforceEmulator, listener: Listener) -> None:
    from connector.crm.salesforce.ingest import callout_change, parse_callout, verify_callout

    emulator.deliveries.add_standard_rules("callout", listener.url, SECRET)
    lead = emulator.seed("Lead", ANA)
    emulator.seed("Task", WhoId=lead, TaskSubtype="Call", CallDisposition="No Answer", Status="Completed")
    assert emulator.deliveries.wait_idle()
    changes = []
    for headers, body in listener.requests:
        verify_callout(body, signature=headers["X-Smsflow-Signature"], timestamp=headers["X-Smsflow-Timestamp"],
                       secret=SECRET, now=datetime.now(UTC))  # fmt: skip
        changes.append(callout_change(parse_callout(body)))
    assert sorted((c.object, c.kind) for c in changes) == [("Lead", "created"), ("Task", "call_logged")]


@dataclass(frozen=True)
class RuleCase:
    id: str
    obj: str
    options: dict[str, Any]
    action: Callable[[SalesforceEmulator], Any]
    fires: int


def _lead(e: SalesforceEmulator) -> str:
    return e.seed("Lead", ANA)


RULES = [
    RuleCase("lead-created-fires", "Lead", {}, _lead, 1),
    RuleCase("lead-created-and-updated-fire-twice", "Lead", {}, lambda e: e.update("Lead", _lead(e), Phone="1"), 2),
    RuleCase("created-only-rule-ignores-updates", "Lead", {"on": ("created",)},
             lambda e: e.update("Lead", _lead(e), Phone="1"), 1),
    RuleCase("field-change-rule-fires-on-its-field", "Lead", {"on": ("updated",), "changed_fields": ("Status",)},
             lambda e: e.update("Lead", _lead(e), Status="Working - Contacted"), 1),
    RuleCase("field-change-rule-ignores-other-fields", "Lead", {"on": ("updated",), "changed_fields": ("Status",)},
             lambda e: e.update("Lead", _lead(e), Phone="1"), 0),
    RuleCase("condition-must-hold", "Lead", {"when": "LeadSource = 'Web' AND DoNotCall = false"},
             lambda e: (e.seed("Lead", ANA | {"LeadSource": "Web"}), e.seed("Lead", ANA | {"LeadSource": "Other"})), 1),
    RuleCase("task-call-log-fires", "Task", {"on": ("created",), "when": "TaskSubtype = 'Call'"},
             lambda e: e.seed("Task", TaskSubtype="Call", CallDisposition="No Answer"), 1),
    RuleCase("task-that-is-not-a-call-does-not-fire", "Task", {"on": ("created",), "when": "TaskSubtype = 'Call'"},
             lambda e: e.seed("Task", Subject="SMS sent"), 0),
    RuleCase("other-objects-do-not-fire", "Contact", {}, _lead, 0),
    RuleCase("rolled-back-writes-do-not-fire", "Lead", {}, lambda e: e.seed("Lead", {"Company": "no last name"}), 0),
]  # fmt: skip


@pytest.mark.parametrize("case", RULES, ids=lambda c: c.id)
@pytest.mark.parametrize("kind", ["outbound_message", "callout"])
def test_rules_fire_for_their_object_event_and_condition(
    case: RuleCase, kind: str, emulator: SalesforceEmulator, listener: Listener
) -> None:
    emulator.deliveries.pause()  # the count is known the moment the change commits; nothing needs to be sent
    if kind == "callout":
        emulator.deliveries.add_callout(case.obj, listener.url, SECRET, **case.options)
    else:
        emulator.deliveries.add_outbound_message(case.obj, listener.url, **case.options)
    with contextlib.suppress(ApiError):  # the rollback case: the write itself fails
        case.action(emulator)
    assert emulator.deliveries.enqueued == case.fires


def test_a_rule_with_a_bad_condition_is_refused(emulator: SalesforceEmulator, listener: Listener) -> None:
    with pytest.raises(Exception, match="No such column"):
        emulator.deliveries.add_outbound_message("Lead", listener.url, when="Nope = 1")
