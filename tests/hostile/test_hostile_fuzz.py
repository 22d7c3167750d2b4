"""Fuzz every endpoint: whatever arrives, the app answers 2xx/3xx/4xx, never 500, and keeps serving.

The admin JSON API is driven by schemathesis from its own /api/openapi.json (the Flask app as WSGI, offline);
the webhooks by hypothesis strategies that mostly produce correctly signed, well-formed requests, so the fuzz
reaches past the signature checks into parsing, storing and processing; after each request /healthz must answer
and /metrics must still be well-formed. Last, every route of the app (admin pages included) gets random requests
from a signed-in admin.
"""

from __future__ import annotations

import base64
import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode
from xml.sax.saxutils import escape

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode, checks
from twilio.request_validator import RequestValidator
from werkzeug.security import generate_password_hash

from connector.crm.fake import FakeCrm
from connector.crm.salesforce.ingest import SIGNATURE_HEADER, TIMESTAMP_HEADER, outbound_message_key, sign_callout
from connector.services.ingest import Ingest, process_pending
from connector.services.messages import InboundSms, receive_sms
from connector.services.runs import start_run
from connector.settings import load_settings
from connector.web import create_app
from connector.web.admin.openapi import document

ROOT = Path(__file__).resolve().parents[2]
ADMIN, PASSWORD = "ana", "correct horse battery"
T0 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
# No 500, and every answer is one the document lists, with the body it describes.
API_CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.response_schema_conformance]
# SMSFLOW_FUZZ_SCALE=25 runs 25 times the examples, to hunt for a rare failure (and with the "explore" profile).
SCALE = max(1, int(os.environ.get("SMSFLOW_FUZZ_SCALE", "1")))
BASIC = {"Authorization": "Basic " + base64.b64encode(f"{ADMIN}:{PASSWORD}".encode()).decode()}


def build(db_url: str) -> Flask:
    app = create_app(load_settings({
        "DATABASE_URL": db_url, "SMSFLOW_FLOWS_DIR": str(ROOT / "flows"),
        "SMSFLOW_MAPPINGS_DIR": str(ROOT / "mappings"), "SMSFLOW_MANIFEST": str(ROOT / "manifest.yaml"),
        "SMSFLOW_ADMIN_USERS": f"{ADMIN}:{generate_password_hash(PASSWORD, method='pbkdf2:sha256:1000')}",
        "SMSFLOW_SECRET_KEY": "k" * 40,
    }), upgrade_db=False)  # fmt: skip
    app.extensions["smsflow.container"].clock = lambda: T0
    return app


@pytest.fixture
def api_app(db_url: str) -> Flask:
    app = build(db_url)
    container = app.extensions["smsflow.container"]
    fields = {"Id": "00Q5e00000Hk7PbEAJ", "FirstName": "Ben", "LastName": "Ruiz", "MobilePhone": "+12025550143",
              "Status": "Booking Offered", "Booking_Time__c": "2026-11-25T15:30:00.000+0000"}  # fmt: skip
    with container.store.unit_of_work() as uow:
        flow = container.registry.flows["booking-confirm"]
        start_run(uow, container.registry, flow, obj="Lead", record_id=fields["Id"], fields=fields, cause="c", at=T0)
        receive_sms(uow, container.registry, InboundSms("SM" + "1" * 32, "+12025550199", "who is this?"), T0)
        uow.commit()
    return app


# schemathesis' own pytest plugin (from_fixture) does not run under pytest 9, so each operation is a case here.
DOC = document()
OPERATIONS = [(path, method.upper()) for path, ops in DOC["paths"].items() for method in ops]


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[f"{m} {p}" for p, m in OPERATIONS])
def test_the_admin_api_never_fails_on_hostile_input(api_app: Flask, path: str, method: str) -> None:
    operation = schemathesis.openapi.from_wsgi("/api/openapi.json", api_app)[path][method]
    documented = DOC["paths"][path][method.lower()]
    takes_input = bool(documented.get("parameters") or documented.get("requestBody"))
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE) if takes_input else (GenerationMode.POSITIVE,):

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=40 * SCALE, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def fuzz(case: Any) -> None:
            response = case.call(headers=BASIC)
            case.validate_response(response, checks=API_CHECKS)

        fuzz()


# ---- the webhooks, /healthz, /metrics and every other route ---------------------------------------------------

TOKEN = "0123456789abcdef0123456789abcdef"
ACCOUNT = "AC0123456789abcdef0123456789abcdef"
PUBLIC = "https://connector.example.com"
SECRET = "callout-secret-for-fuzzing-0123456789"
ORG = "00D5e000000KQ2eEAG"
LEAD = "00Q5e00000Hk7PbEAJ"
SID = "SM" + "4f0c8e3b2a1d4c5e9f7a6b5c4d3e2f10"
FUZZ = settings(max_examples=60 * SCALE, deadline=None, suppress_health_check=list(HealthCheck), database=None)
# A Prometheus text-format line: a comment, or a sample with optional labels and a number.
METRIC = re.compile(r'^(#.*|[a-z_]+(\{([a-z_]+="([^"\\]|\\.)*",?)*\})? -?[0-9.e+]+)$')


@pytest.fixture
def hooks_app(db_url: str) -> Flask:
    """The app with both providers configured, and a text in flight whose SID is not recorded yet."""
    app = create_app(load_settings({
        "DATABASE_URL": db_url, "SMSFLOW_PUBLIC_URL": PUBLIC, "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_ACCOUNT_SID": ACCOUNT,
        "SALESFORCE_ORG_ID": ORG, "SMSFLOW_CALLOUT_SECRET": SECRET, "SMSFLOW_FLOWS_DIR": str(ROOT / "flows"),
        "SMSFLOW_MAPPINGS_DIR": str(ROOT / "mappings"), "SMSFLOW_MANIFEST": str(ROOT / "manifest.yaml"),
    }), upgrade_db=False)  # fmt: skip
    container = app.extensions["smsflow.container"]
    container.clock = lambda: T0
    fields = {"Id": LEAD, "FirstName": "Ben", "MobilePhone": "+14155550123", "Status": "Booking Offered",
              "Booking_Time__c": "2026-11-25T15:30:00.000+0000"}  # fmt: skip
    with container.store.unit_of_work() as uow:
        flow = container.registry.flows["booking-confirm"]
        started = start_run(uow, container.registry, flow, obj="Lead", record_id=LEAD, fields=fields, cause="c", at=T0)
        assert started.step is not None
        text = uow.messages.by_action_id(started.step.state.sent[0])
        assert text is not None
        uow.messages.record_status(text.id, "in_flight", at=T0)
        uow.commit()
    app.config["FUZZ_KEY"] = started.step.state.sent[0]
    return app


def still_serving(app: Flask) -> None:
    """The process is up, its database answers, and /metrics is still well-formed Prometheus text."""
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    bad = [line for line in metrics.get_data(as_text=True).splitlines() if line and not METRIC.match(line)]
    assert bad == [], "hostile values broke the exposition format"


words = st.text(max_size=40)
# What an HTTP header can carry: Latin-1 without control characters (servers decode header bytes as Latin-1).
header_words = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, blacklist_characters="\x7f"), max_size=40)


def mostly(valid: st.SearchStrategy[Any], hostile: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Usually the well-formed value, so that the fuzz gets past validation into storing and processing."""
    return st.integers(0, 7).flatmap(lambda n: hostile if n == 7 else valid)


twilio_words = st.one_of(
    words,
    st.sampled_from(["", SID, "SM" + "0" * 32, ACCOUNT, "AC" + "f" * 32, "+14155550123", "+14155550100", "STOP",
                     "START", "HELP", "YES", "no", "queued", "sent", "delivered", "undelivered", "failed", "read",
                     "21610", "21211", "30003", "30008", "-1", "1" * 40]),
)  # fmt: skip
twilio_forms = st.builds(
    lambda base, extra: {**extra, **base},
    st.fixed_dictionaries(
        {
            "MessageSid": mostly(st.builds(lambda n: f"SM{n:032x}", st.integers(0, 2**128 - 1)), twilio_words),
            "AccountSid": mostly(st.just(ACCOUNT), twilio_words),
        },
        optional={
            "From": mostly(st.sampled_from(["+14155550123", "+12025550143"]), twilio_words),
            "Body": twilio_words,
            "NumSegments": mostly(st.sampled_from(["1", "2"]), twilio_words),
            "MessageStatus": mostly(st.sampled_from(["queued", "sent", "delivered", "undelivered", "failed"]),
                                    twilio_words),
            "ErrorCode": mostly(st.sampled_from(["21610", "21211", "30003", "30008"]), twilio_words),
        },
    ),
    st.dictionaries(st.text(min_size=1, max_size=12), twilio_words, max_size=3),
)  # fmt: skip


@given(
    path=st.sampled_from(["/hooks/twilio/inbound", "/hooks/twilio/status"]),
    form=twilio_forms,
    query=st.one_of(st.just(""), st.builds(lambda v: urlencode({"k": v}), st.one_of(words, st.just("{key}")))),
    signing=mostly(st.just("valid"), st.one_of(st.just("none"), header_words)),
)
@FUZZ
def test_twilio_hooks_never_fail_on_hostile_forms(
    hooks_app: Flask, path: str, form: dict[str, str], query: str, signing: str
) -> None:
    query = query.replace("%7Bkey%7D", quote(hooks_app.config["FUZZ_KEY"], safe=""))
    target = path + (f"?{query}" if query else "")
    headers = {}
    if signing == "valid":
        headers["X-Twilio-Signature"] = RequestValidator(TOKEN).compute_signature(PUBLIC + target, form)
    elif signing != "none":
        headers["X-Twilio-Signature"] = signing
    response = hooks_app.test_client().post(
        target, data=urlencode(form), headers=headers, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code in (200, 204, 400, 403), response.get_data(as_text=True)
    still_serving(hooks_app)


def test_a_made_up_status_for_an_unrecorded_text_cannot_forge_metrics(hooks_app: Flask) -> None:
    """The status hook records what Twilio says for a text whose SID it learns from the key; /metrics quotes it."""
    form = {"MessageSid": "SM" + "a" * 32, "AccountSid": ACCOUNT, "MessageStatus": 'x"} 9\n# y'}
    target = "/hooks/twilio/status?" + urlencode({"k": hooks_app.config["FUZZ_KEY"]})
    headers = {"X-Twilio-Signature": RequestValidator(TOKEN).compute_signature(PUBLIC + target, form)}
    response = hooks_app.test_client().post(target, data=form, headers=headers)
    assert response.status_code == 204
    still_serving(hooks_app)


xml_raw = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=30)  # what XML 1.0 can carry
xml_text = xml_raw.map(escape)
field_names = st.one_of(
    st.sampled_from(["Id", "LastName", "MobilePhone", "Phone", "LeadSource", "Status", "TaskSubtype", "WhoId",
                     "CallDisposition", "SMS_Time_Zone__c", "SMS_Opt_Out__c", "CreatedDate", "SystemModstamp"]),
    st.from_regex(r"\A[A-Za-z][A-Za-z0-9_]{0,20}\Z"),
)  # fmt: skip
field_values = st.one_of(
    xml_text, st.sampled_from([LEAD, "00Q5e00000Hk7PaEAJ", "Call", "Web", "true", "false", "+14155550123",
                               "2026-11-23T14:05:11.000Z", "not a date", "00Q' OR Id != '"]),
)  # fmt: skip


@st.composite
def notification(draw: st.DrawFn) -> str:
    obj = draw(mostly(st.sampled_from(["sf:Lead", "sf:Task", "sf:Contact"]), st.one_of(st.just("sf:"), xml_raw)))
    fields = draw(st.dictionaries(field_names, field_values, max_size=6))
    fields["Id"] = draw(mostly(st.just(LEAD), field_values))
    nil = draw(st.sets(st.sampled_from(sorted(fields)), max_size=1) | st.just(set()))
    body = "".join(f'<sf:{k} xsi:nil="true"/>' if k in nil else f"<sf:{k}>{v}</sf:{k}>" for k, v in fields.items())
    nid = draw(mostly(st.builds(lambda n: f"04l5e00000Gx{n:04d}AAJ", st.integers(0, 9999)), xml_text))
    return (f'<Notification><Id>{nid}</Id><sObject xsi:type="{escape(obj, {chr(34): "&quot;"})}" '
            f'xmlns:sf="urn:sobject.enterprise.soap.sforce.com">{body}</sObject></Notification>')  # fmt: skip


@st.composite
def outbound_messages(draw: st.DrawFn) -> bytes:
    org = draw(mostly(st.sampled_from([ORG, ORG[:15]]), xml_text))
    items = "".join(draw(st.lists(notification(), min_size=draw(st.sampled_from([0, 1, 1, 1])), max_size=2)))
    return (
        '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/'
        'envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><notifications '
        f'xmlns="http://soap.sforce.com/2005/09/outbound"><OrganizationId>{org}</OrganizationId>{items}'
        "</notifications></soapenv:Body></soapenv:Envelope>"
    ).encode()


@given(
    body=mostly(outbound_messages(), st.binary(max_size=300)),
    keyed=mostly(st.just(True), st.one_of(st.just(False), words)),
)
@FUZZ
def test_the_outbound_message_hook_never_fails_on_hostile_soap(hooks_app: Flask, body: bytes, keyed: Any) -> None:
    key = outbound_message_key(SECRET) if keyed is True else "" if keyed is False else keyed
    response = hooks_app.test_client().post(
        "/hooks/salesforce/outbound-message", query_string={"key": key}, data=body, content_type="text/xml"
    )
    assert response.status_code in (200, 400, 403), response.get_data(as_text=True)
    still_serving(hooks_app)
    processed(hooks_app)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | words,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(words, inner, max_size=3),
    max_leaves=8,
)
callouts = st.fixed_dictionaries(
    {
        "id": mostly(st.builds(lambda n: f"cl-{n}", st.integers(0, 10**6)), json_values),
        "object": mostly(st.sampled_from(["Lead", "Task", "Contact"]), st.one_of(st.just("Lead WHERE Id != null"),
                                                                                 json_values)),
        "record_id": mostly(st.sampled_from([LEAD, "00Q5e00000Hk7PaEAJ"]),
                            st.one_of(st.sampled_from(["00Q' OR Id != '00", "x" * 18]), json_values)),
    },
    optional={
        "schema": mostly(st.just("smsflow.callout.v1"), json_values),
        "org_id": mostly(st.just(ORG), json_values),
        "event": mostly(st.sampled_from(["created", "updated", "call_logged"]), json_values),
        "occurred_at": mostly(st.just("2026-11-23T14:10:00.000Z"), st.one_of(st.just("9999-99-99"), json_values)),
        "fields": mostly(st.dictionaries(field_names, json_values, max_size=5), json_values),
        "changed_fields": mostly(st.lists(field_names, max_size=3), json_values),
        "old_values": mostly(st.dictionaries(field_names, json_values, max_size=3), json_values),
    },
)  # fmt: skip


@given(
    body=mostly(callouts.map(lambda d: json.dumps(d).encode()), st.binary(max_size=200)),
    stamp=mostly(st.just(str(int(T0.timestamp()))), st.one_of(st.just("1" + "0" * 400), header_words)),
    signed=mostly(st.just(True), header_words),
)
@FUZZ
def test_the_callout_hook_never_fails_on_hostile_json(hooks_app: Flask, body: bytes, stamp: str, signed: Any) -> None:
    headers = {TIMESTAMP_HEADER: stamp}
    if signed is True and stamp.strip().isdigit():
        headers[SIGNATURE_HEADER] = sign_callout(SECRET, int(stamp), body)
    elif signed is not True:
        headers[SIGNATURE_HEADER] = signed
    response = hooks_app.test_client().post(
        "/hooks/salesforce/callout", data=body, headers=headers, content_type="application/json"
    )
    assert response.status_code in (200, 400, 401, 403), response.get_data(as_text=True)
    still_serving(hooks_app)
    processed(hooks_app)


def processed(app: Flask) -> None:
    """What a hook stored is processed without an exception escaping: no poison pill for the worker's job."""
    container = app.extensions["smsflow.container"]
    ingest = Ingest.from_manifest(container.registry, FakeCrm(), ROOT / "manifest.yaml")
    report = process_pending(container.store, ingest, now=T0)
    assert report.deferred == 0


# ---- every route, the admin pages included, signed in and with a valid CSRF token ---------------------------------

form_fields = st.dictionaries(
    st.one_of(st.sampled_from(["body", "key", "note", "enabled", "record", "inputs", "reply", "q", "next", "username",
                               "password", "csrf_token", "from", "to", "flow", "page"]), st.text(max_size=8)),
    st.one_of(words, st.sampled_from(["1", "0", "-1", "9" * 30, "on", "{}", "[]", '{"FirstName": "Ana"}'])),
    max_size=5,
)  # fmt: skip
path_values = {"int": st.integers(min_value=-(2**70), max_value=2**70), "default": words}


@given(data=st.data())
@FUZZ
def test_every_route_survives_random_requests_from_a_signed_in_admin(api_app: Flask, data: st.DataObject) -> None:
    client = signed_in_client(api_app)
    # All but static files and signing out, which would end the session the other examples need.
    rules = [r for r in api_app.url_map.iter_rules() if r.endpoint not in ("static", "admin.logout")]
    rules.sort(key=lambda r: r.rule)
    rule = data.draw(st.sampled_from(rules), label="route")
    method = data.draw(st.sampled_from(sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})), label="method")
    values = {
        name: data.draw(path_values["int" if type(conv).__name__ in ("IntegerConverter", "RowId") else "default"])
        for name, conv in rule._converters.items()
    }
    path = rule.rule
    for name, value in values.items():
        path = re.sub(rf"<[^>]*\b{name}>", quote(str(value), safe=""), path)
    query = data.draw(form_fields, label="query")
    form = data.draw(form_fields, label="form")
    with client.session_transaction() as session:
        token = session.get("csrf_token")
    if data.draw(st.booleans(), label="with the session's CSRF token"):
        form["csrf_token"] = token
    response = client.open(path, method=method, query_string=query, data=form)
    assert response.status_code < 500, f"{method} {path} answered {response.status_code}"


def signed_in_client(app: Flask) -> Any:
    """A client signed in to the admin pages (kept on the app between examples)."""
    client = app.config.get("FUZZ_CLIENT")
    if client is None:
        client = app.test_client()
        page = client.get("/admin/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token is not None
        form = {"username": ADMIN, "password": PASSWORD, "csrf_token": token.group(1)}
        assert client.post("/admin/login", data=form).status_code == 302
        app.config["FUZZ_CLIENT"] = client
    return client
