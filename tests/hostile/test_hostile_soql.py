"""SOQL injection through record data, ids, phone fields and SMS replies: every query the Salesforce emulator parses
keeps hostile text inside an escaped string literal, or (as here) never sees it at all.

Hostile strings carry a marker; a spy on the emulator's SOQL entry point records every query it is sent while
record changes arrive through the real hooks, are processed through the real adapter, a reply is saved to the
record and written back. Each query must parse, and the marker may appear only inside a string literal that
decodes back to the exact hostile value.

Already shown in tests/crm/salesforce/test_adapter_salesforce_soql.py and not repeated: quoting and LIKE escaping
per Salesforce's rules, hostile values matching only themselves in the emulator, and hostile ids, field names,
object names and phone numbers given to the adapter (nothing is sent).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from xml.sax.saxutils import escape, quoteattr

import pytest
from flask import Flask
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from connector.crm.salesforce import SalesforceConfig, SalesforceCrm
from connector.crm.salesforce.ingest import outbound_message_key
from connector.sandbox.salesforce import SalesforceEmulator, rest_query
from connector.sandbox.salesforce.soql_parser import decode_string, parse, tokenize
from connector.services.ingest import Ingest, process_pending
from connector.services.writeback import flush_writebacks
from connector.settings import load_settings
from connector.store.tables import Run
from connector.web import create_app

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "0123456789abcdef0123456789abcdef"
PUBLIC = "https://connector.example.com"
SECRET = "callout-secret-for-soql-0123456789"
MARK = "Zq9x"
HOSTILE = [
    f"' OR Name != '{MARK}",
    f"\\' OR Id != null OR Name = '{MARK}",
    f"') OR (Id != '{MARK}",
    f"{MARK}%' OR Name LIKE '%",
    f"x\nOR Id != null {MARK}",
    f"{MARK}\\",
    f"'; DELETE FROM Lead; --{MARK}",
    f"{MARK}' LIMIT 1 OFFSET '1",
]
ADDRESS = f"12 Market Street' OR Name != '{MARK}"  # a reply the address flow saves to MailingStreet


@dataclass
class Stack:
    org: SalesforceEmulator
    app: Flask
    ingest: Ingest
    crm: SalesforceCrm
    queries: list[str]

    @property
    def store(self) -> Any:
        return self.app.extensions["smsflow.container"].store

    def notify(self, obj: str, fields: dict[str, str], notification_id: str) -> int:
        """Deliver an Outbound Message for one record, as Salesforce would, to the connector's hook."""
        body = "".join(f"<sf:{k}>{escape(v)}</sf:{k}>" for k, v in fields.items())
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/'
            'envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><notifications '
            f'xmlns="http://soap.sforce.com/2005/09/outbound"><OrganizationId>{self.org.org_id}</OrganizationId>'
            f"<Notification><Id>{notification_id}</Id><sObject xsi:type={quoteattr('sf:' + obj)} "
            f'xmlns:sf="urn:sobject.enterprise.soap.sforce.com">{body}</sObject></Notification>'
            "</notifications></soapenv:Body></soapenv:Envelope>"
        )
        query = {"key": outbound_message_key(SECRET)}
        response = self.app.test_client().post("/hooks/salesforce/outbound-message", query_string=query, data=xml)
        return response.status_code

    def process(self) -> Any:
        return process_pending(self.store, self.ingest, now=datetime.now(UTC))

    def runs(self, flow: str) -> list[str]:
        with self.store.unit_of_work() as uow:
            return list(uow.session.scalars(select(Run.id).where(Run.flow == flow)))


@pytest.fixture
def stack(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    queries: list[str] = []
    execute = rest_query.execute

    def spy(text: str, *args: Any, **kwargs: Any) -> Any:
        queries.append(text)
        return execute(text, *args, **kwargs)

    monkeypatch.setattr(rest_query, "execute", spy)
    with SalesforceEmulator(manifest=ROOT / "manifest.yaml") as org:
        app = create_app(load_settings({
            "DATABASE_URL": db_url, "SMSFLOW_PUBLIC_URL": PUBLIC, "TWILIO_AUTH_TOKEN": TOKEN,
            "SALESFORCE_ORG_ID": org.org_id, "SMSFLOW_CALLOUT_SECRET": SECRET, "SMSFLOW_FLOWS_DIR": str(ROOT / "flows"),
            "SMSFLOW_MAPPINGS_DIR": str(ROOT / "mappings"), "SMSFLOW_MANIFEST": str(ROOT / "manifest.yaml"),
        }), upgrade_db=False)  # fmt: skip
        crm = SalesforceCrm(SalesforceConfig(instance_url=org.instance_url, session_id=org.session_id,
                                             ca_bundle=org.ca_bundle))  # fmt: skip
        registry = app.extensions["smsflow.container"].registry
        yield Stack(org, app, Ingest.from_manifest(registry, crm, ROOT / "manifest.yaml"), crm, queries)


def contained(queries: list[str]) -> None:
    """Every query parses, and the marker occurs only in string literals that decode to a whole hostile value."""
    assert queries, "the scenario sent queries to check"
    for query in queries:
        parse(query)
        for token in tokenize(query):
            if MARK not in token.text:
                continue
            assert token.kind == "string", f"hostile text outside a literal: {token.text!r} in {query!r}"
            value, _ = decode_string(token.text[1:-1], query, token.pos + 1)
            assert value in HOSTILE or value == ADDRESS, f"a literal was cut or merged: {value!r}"


def test_hostile_record_data_ids_and_types_stay_out_of_soql(stack: Stack) -> None:
    owner = stack.org.seed("User", Username="dana@example.com", FirstName="Dana", LastName="Reyes", Alias="dana",
                           Email="dana@example.com", Phone="+14155550100")  # fmt: skip
    lead = stack.org.seed(
        "Lead", FirstName=HOSTILE[0][:40], LastName=HOSTILE[1], Company=HOSTILE[2], Street=HOSTILE[3],
        Phone=f"+1 202 555 0143{HOSTILE[4]}", MobilePhone="+12025550143", LeadSource="Web", OwnerId=owner,
        SMS_Time_Zone__c="America/New_York",
    )  # fmt: skip
    # The new lead by Outbound Message with its Id only, so processing reads the rest through the adapter.
    assert stack.notify("Lead", {"Id": lead}, "04l5e00000Gx0001AAJ") == 200
    # Hostile ids and types in notifications: a record id, a logged call's WhoId, an sObject type.
    for n, value in enumerate(HOSTILE[5:], start=2):
        assert stack.notify("Lead", {"Id": value}, f"04l5e00000Gx000{n}AAJ") == 200
        call = {"Id": "00T5e00000AbCdEAAZ", "WhoId": f"00Q{value}", "TaskSubtype": "Call",
                "CallDisposition": "No Answer"}  # fmt: skip
        assert stack.notify("Task", call, f"04l5e00000Gy000{n}AAJ") == 200
    assert stack.notify(f"Lead WHERE Name != '{MARK}'", {"Id": lead}, "04l5e00000Gz0001AAJ") == 200

    report = stack.process()
    assert report.deferred == 0 and len(report.started) == 1, report
    contained(stack.queries)
    assert not any(MARK in q for q in stack.queries), "in fact no hostile value reached SOQL at all"
    with stack.store.unit_of_work() as uow:
        (text,) = uow.messages.for_run(stack.runs("intro-text")[0])
    assert text.body.startswith(f"Hi {HOSTILE[0][:20]}"), "the hostile first name went into the text as text"


def test_a_reply_saved_to_the_record_is_written_back_verbatim_and_never_queried(stack: Stack) -> None:
    contact = stack.org.seed("Contact", FirstName="Chloe", LastName="Martin", MobilePhone="+12025550177",
                             SMS_Time_Zone__c="America/New_York")  # fmt: skip
    assert stack.notify("Contact", {"Id": contact}, "04l5e00000Gx0100AAJ") == 200
    stack.process()  # first sight of a new record: created, which no flow here wants
    stack.org.update("Contact", contact, SMS_Request__c="Address")
    assert stack.notify("Contact", {"Id": contact, "SMS_Request__c": "Address"}, "04l5e00000Gx0101AAJ") == 200
    assert len(stack.process().started) == 1, "the address flow asked for the address"

    form = {"MessageSid": "SM" + "5" * 32, "From": "+12025550177", "To": "+14155550100", "Body": ADDRESS}
    signature = RequestValidator(TOKEN).compute_signature(f"{PUBLIC}/hooks/twilio/inbound", form)
    response = stack.app.test_client().post(
        "/hooks/twilio/inbound", data=urlencode(form), headers={"X-Twilio-Signature": signature},
        content_type="application/x-www-form-urlencoded",
    )  # fmt: skip
    assert response.status_code == 200
    container = stack.app.extensions["smsflow.container"]
    report = flush_writebacks(container.store, container.registry, stack.crm, now=datetime.now(UTC))
    assert report.failed == 0, report.errors
    record = stack.org.record("Contact", contact)
    assert record is not None and record["MailingStreet"] == ADDRESS, "saved exactly as typed"

    # The org tells us about the change; processing reads the record back through the adapter.
    changed = {"Id": contact, "SMS_Request__c": "Address", "MailingStreet": ADDRESS}
    assert stack.notify("Contact", changed, "04l5e00000Gx0102AAJ") == 200
    assert stack.process().deferred == 0
    contained(stack.queries)
