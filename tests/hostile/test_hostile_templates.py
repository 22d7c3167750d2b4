"""Template injection through record fields and replies: whatever a lead types into a name, a date field or a reply
reaches texts, tasks, record updates and CRM activities as the text it is, never evaluated.

The flows' templates run in Jinja2's sandbox; record values are merge values, so "{{ 7*7 }}" must stay those nine
characters everywhere it is copied, and a payload that would run code or loop forever must do nothing. Already shown
in tests/engine/test_templates.py and not repeated: the filters, a merge value "{{ 7*7 }}" rendering as itself, and
the sandbox refusing ''.__class__ in a template (which only admins write).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from connector.crm.fake import FakeCrm
from connector.services.runs import start_run
from connector.services.writeback import flush_writebacks
from connector.settings import load_settings
from connector.store.tables import Message
from connector.web import create_app

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "0123456789abcdef0123456789abcdef"
PUBLIC = "https://connector.example.com"
PHONE = "+12025550143"
T0 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
CONTACT = "0035e00000Bc4QgAAJ"
PWNED = Path("/tmp/smsflow-template-injection-was-evaluated")
PAYLOADS = [
    "{{ 7*7 }}",
    "{{7*'7'}}",
    "{% for i in range(10**9) %}x{% endfor %}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    f"{{{{ lipsum.__globals__['os'].system('touch {PWNED}') }}}}",
    "{{ self._TemplateReference__context }}",
    "{{ config.items() }} {{ request.environ }}",
    "{% raw %}{{ record.Id }}",
    "{{ owner.phone }}{{ sender }}",
    "{#", "{{", "{%", "}}", "${7*7} #{7*7} <%= 7*7 %>",
]  # fmt: skip


@pytest.fixture
def app(db_url: str) -> Flask:
    app = create_app(load_settings({
        "DATABASE_URL": db_url, "SMSFLOW_PUBLIC_URL": PUBLIC, "TWILIO_AUTH_TOKEN": TOKEN,
        "SMSFLOW_FLOWS_DIR": str(ROOT / "flows"), "SMSFLOW_MAPPINGS_DIR": str(ROOT / "mappings"),
        "SMSFLOW_MANIFEST": str(ROOT / "manifest.yaml"),
    }), upgrade_db=False)  # fmt: skip
    app.extensions["smsflow.container"].clock = lambda: T0
    return app


def start(app: Flask, flow_id: str, record: str, **fields: Any) -> list[str]:
    """Start a flow for the sample record with these fields; returns the bodies of the texts it queued."""
    container = app.extensions["smsflow.container"]
    values = json.loads((ROOT / f"tests/flows/records/{record}.json").read_text(encoding="utf-8"))
    values.pop("attributes")
    values.update({"MobilePhone": PHONE, "SMS_Time_Zone__c": "America/New_York", **fields})
    with container.store.unit_of_work() as uow:
        flow = container.registry.flows[flow_id]
        started = start_run(uow, container.registry, flow, obj=flow.trigger.object if flow.trigger else "Lead",
                            record_id=values["Id"], fields=values, cause="t", at=T0)  # fmt: skip
        uow.commit()
        assert started.step is not None, started.reason
        return [m.body for m in uow.messages.for_run(started.step.state.run_id)]


def reply(app: Flask, body: str, sid: str = "SM" + "9" * 32) -> int:
    form = {"MessageSid": sid, "From": PHONE, "To": "+14155550100", "Body": body}
    signature = RequestValidator(TOKEN).compute_signature(f"{PUBLIC}/hooks/twilio/inbound", form)
    response = app.test_client().post(
        "/hooks/twilio/inbound", data=urlencode(form), headers={"X-Twilio-Signature": signature},
        content_type="application/x-www-form-urlencoded",
    )  # fmt: skip
    return response.status_code


def texts(app: Flask) -> list[str]:
    """Every text queued to the contact, oldest first."""
    with app.extensions["smsflow.container"].store.unit_of_work() as uow:
        stmt = select(Message.body).where(Message.direction == "out").order_by(Message.id)
        return list(uow.session.scalars(stmt))


def written(app: Flask, *records: tuple[str, str]) -> FakeCrm:
    """Flush the write-back queue into a fake org holding these (object, id) records, and return it."""
    crm = FakeCrm()
    for obj, record_id in records:
        crm.records.setdefault(obj, {})[record_id] = {"Id": record_id}
    container = app.extensions["smsflow.container"]
    report = flush_writebacks(container.store, container.registry, crm, now=T0 + timedelta(minutes=1))
    assert report.failed == 0, report.errors
    return crm


@pytest.mark.parametrize("payload", PAYLOADS)
def test_record_fields_that_look_like_templates_are_texted_as_they_are(app: Flask, payload: str) -> None:
    # Booking_Time__c goes through the datetime filter; a value that is no date is shown as it is.
    (offer,) = start(app, "booking-confirm", "lead-booking", FirstName=payload, Booking_Time__c=payload,
                     Owner={"Name": payload, "FirstName": payload, "Phone": payload})  # fmt: skip
    assert payload[:20].strip() in offer and payload in offer
    assert "49" not in offer and "7777777" not in offer and "<class" not in offer and "uid=" not in offer
    (intro,) = start(app, "intro-text", "lead-web", Id="00Q5e00000Hk7PzEAJ", FirstName=payload,
                     Owner={"Name": payload, "FirstName": payload, "Phone": payload})  # fmt: skip
    assert payload[:20].strip() in intro
    assert not PWNED.exists()


@pytest.mark.parametrize("payload", PAYLOADS)
def test_replies_that_look_like_templates_reach_tasks_records_and_the_crm_as_text(app: Flask, payload: str) -> None:
    start(app, "booking-confirm", "lead-booking")
    assert reply(app, f"can we move it? {payload}") == 200  # no YES or NO: the run asks a person
    start(app, "address-request", "contact-customer", Id=CONTACT, SMS_Request__c="Address")
    address = f"12 Market Street {payload}"
    assert reply(app, address, sid="SM" + "8" * 32) == 200
    noted = texts(app)[-1].split("we've noted: ", 1)[1]
    assert address.startswith(noted.removesuffix("...")), "the saved answer is echoed as text (truncated to 60)"

    org = written(app, ("Lead", "00Q5e00000Hk7PbEAJ"), ("Contact", CONTACT))
    tasks = list(org.records.get("Task", {}).values())
    person = [t for t in tasks if t.get("Subject", "").startswith("SMS reply needs a person")]
    assert person and all(payload in t["Subject"] + t.get("Description", "") for t in person)
    activities = [t for t in tasks if t.get("SMS_Direction__c") == "Inbound"]
    descriptions = "\n".join(t["Description"] for t in activities)
    assert f"can we move it? {payload}" in descriptions and address in descriptions, "activities carry the replies"
    contact = org.records["Contact"][CONTACT]
    assert contact.get("MailingStreet") == address, "saved to the record exactly as typed"
    assert not PWNED.exists()


@pytest.mark.parametrize(
    ("booking", "zone"),
    [
        pytest.param("9999-12-31T23:30:00.000+0000", "Asia/Tokyo", id="the-last-day-seen-from-tokyo"),
        pytest.param("0001-01-01T00:00:00.000+0000", "America/New_York", id="the-first-day-seen-from-new-york"),
        pytest.param("9999-12-31", "Pacific/Kiritimati", id="a-date-only-at-the-end-of-the-calendar"),
        pytest.param("0001-01-01", "Asia/Tokyo", id="a-date-only-at-the-start-of-the-calendar"),
    ],
)
def test_a_date_off_the_calendar_in_the_contacts_zone_is_shown_not_crashed_on(app: Flask, booking: str, zone: str):
    (offer,) = start(app, "booking-confirm", "lead-booking", Booking_Time__c=booking, SMS_Time_Zone__c=zone)
    assert any(shown in offer for shown in (booking, "31 Dec", "1 Jan")), "as it is when no zone can hold it"
    assert reply(app, "YES") == 200, "the reply is taken, whatever the record's date"
    # The reminder waits until a day before the booking: the date must be one the run can wait for, or none.
    start(app, "appointment-reminder", "lead-booked", Booking_Time__c=booking, SMS_Time_Zone__c=zone)
