"""The Salesforce hooks store each change once, then answer; anything unauthenticated or malformed stores nothing.

Runs on SQLite, and on PostgreSQL when SMSFLOW_TEST_DATABASE_URL is set (the `db_url` fixture).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from connector.bootstrap import Container
from connector.crm.salesforce.ingest import ACK, SIGNATURE_HEADER, TIMESTAMP_HEADER, outbound_message_key, sign_callout
from connector.settings import load_settings
from connector.web import create_app

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = Path(__file__).with_name("samples")
SECRET = "callout-secret-for-tests-0123456789"
ORG = "00D5e000000KQ2eEAG"
T0 = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
OM_PATH = "/hooks/salesforce/outbound-message"
CALLOUT_PATH = "/hooks/salesforce/callout"


def build_app(db_url: str, **env: str) -> Flask:
    values = {
        "DATABASE_URL": db_url,
        "SALESFORCE_ORG_ID": ORG,
        "SMSFLOW_CALLOUT_SECRET": SECRET,
        "SMSFLOW_FLOWS_DIR": str(ROOT / "flows"),
        "SMSFLOW_MAPPINGS_DIR": str(ROOT / "mappings"),
        "SMSFLOW_MANIFEST": str(ROOT / "manifest.yaml"),
        **env,
    }
    app = create_app(load_settings({k: v for k, v in values.items() if v}))
    container(app).clock = lambda: T0
    return app


def container(app: Flask) -> Container:
    found: Container = app.extensions["smsflow.container"]
    return found


@pytest.fixture
def app(db_url: str) -> Flask:
    return build_app(db_url)


def events(app: Flask) -> list[tuple[str, str, str, str]]:
    with container(app).store.unit_of_work() as uow:
        found = uow.events.pending(1000)
    return [(e.source, e.source_event_id, e.object, e.kind) for e in found]


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


LEAD_EVENT = ("outbound_message", "04l5e00000Gx7QzAAJ", "Lead", "updated")
CALL_EVENT = ("outbound_message", "04l5e00000Gx7R0AAJ", "Task", "call_logged")


@dataclass(frozen=True)
class OmCase:
    id: str
    bodies: list[bytes]
    key: str | None = outbound_message_key(SECRET)
    http: int = 200
    stored: list[tuple[str, str, str, str]] = field(default_factory=list)


OM_CASES = [
    OmCase("lead-notification-is-stored-then-acked", [sample("outbound_message_lead.xml")], stored=[LEAD_EVENT]),
    OmCase(
        "resent-notification-is-acked-and-stored-once",
        [sample("outbound_message_lead.xml")] * 3,
        stored=[LEAD_EVENT],
    ),
    OmCase("call-log-is-stored-as-call-logged", [sample("outbound_message_task_call.xml")], stored=[CALL_EVENT]),
    OmCase(
        "wrong-org-is-403",
        [sample("outbound_message_lead.xml").replace(b"00D5e000000KQ2eEAG", b"00D5e000000ZZZZEAG")],
        http=403,
    ),
    OmCase("missing-key-is-403", [sample("outbound_message_lead.xml")], key=None, http=403),
    OmCase("the-raw-secret-is-not-the-key", [sample("outbound_message_lead.xml")], key=SECRET, http=403),
    OmCase("malformed-xml-is-400", [b"<soapenv:Envelope><broken"], http=400),
    OmCase("entity-bomb-is-400", [sample("billion_laughs.xml")], http=400),
    OmCase("external-entity-is-400", [sample("external_entity.xml")], http=400),
    OmCase("oversized-body-is-413", [b"<x>" + b"a" * (300 * 1024) + b"</x>"], http=413),
]


@pytest.mark.parametrize("case", OM_CASES, ids=lambda c: c.id)
def test_outbound_message_hook(case: OmCase, app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    client = app.test_client()
    query = {} if case.key is None else {"key": case.key}
    with caplog.at_level(logging.DEBUG):
        responses = [
            client.post(OM_PATH, query_string=query, data=body, content_type="text/xml") for body in case.bodies
        ]
    for response in responses:
        assert response.status_code == case.http
        if case.http == 200:
            assert response.data == ACK and response.content_type.startswith("text/xml")
        else:
            assert len(response.data) < 100 and SECRET.encode() not in response.data
    assert events(app) == case.stored
    assert SECRET not in caplog.text and outbound_message_key(SECRET) not in caplog.text


def test_outbound_messages_are_refused_when_no_secret_is_configured(db_url: str) -> None:
    app = build_app(db_url, SMSFLOW_CALLOUT_SECRET="")
    response = app.test_client().post(OM_PATH, query_string={"key": ""}, data=sample("outbound_message_lead.xml"))
    assert response.status_code == 403 and events(app) == []


def callout_body(event_id: str = "cl-0001", org: str = ORG) -> bytes:
    data = json.loads(sample("callout_lead_updated.json"))
    return json.dumps({**data, "id": event_id, "org_id": org}).encode()


def signed(body: bytes, at: datetime = T0, secret: str = SECRET) -> dict[str, str]:
    stamp = int(at.timestamp())
    return {TIMESTAMP_HEADER: str(stamp), SIGNATURE_HEADER: sign_callout(secret, stamp, body)}


CALLOUT_EVENT = ("callout", "cl-0001", "Lead", "updated")


@dataclass(frozen=True)
class CalloutCase:
    id: str
    requests: list[tuple[bytes, dict[str, str]]]
    http: int = 200
    stored: list[tuple[str, str, str, str]] = field(default_factory=list)


CALLOUT_CASES = [
    CalloutCase("signed-callout-is-stored", [(callout_body(), signed(callout_body()))], stored=[CALLOUT_EVENT]),
    CalloutCase(
        "replayed-callout-is-accepted-and-stored-once",
        [(callout_body(), signed(callout_body()))] * 2,
        stored=[CALLOUT_EVENT],
    ),
    CalloutCase(
        "retry-re-signed-later-is-stored-once",
        [(callout_body(), signed(callout_body())), (callout_body(), signed(callout_body(), T0 + timedelta(minutes=1)))],
        stored=[CALLOUT_EVENT],
    ),
    CalloutCase("unsigned-callout-is-401", [(callout_body(), {})], http=401),
    CalloutCase("stale-callout-is-403", [(callout_body(), signed(callout_body(), T0 - timedelta(minutes=10)))], 403),
    CalloutCase(
        "callout-signed-with-another-secret-is-403",
        [(callout_body(), signed(callout_body(), secret="not-our-secret-0123456789"))],
        http=403,
    ),
    CalloutCase("tampered-body-is-403", [(callout_body("cl-0002"), signed(callout_body()))], http=403),
    CalloutCase(
        "callout-from-another-org-is-403",
        [(callout_body(org="00D5e000000ZZZZEAG"), signed(callout_body(org="00D5e000000ZZZZEAG")))],
        http=403,
    ),
    CalloutCase("signed-garbage-is-400", [(b"[1, 2]", signed(b"[1, 2]"))], http=400),
]


@pytest.mark.parametrize("case", CALLOUT_CASES, ids=lambda c: c.id)
def test_callout_hook(case: CalloutCase, app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    client: FlaskClient = app.test_client()
    with caplog.at_level(logging.DEBUG):
        for body, headers in case.requests:
            response = client.post(CALLOUT_PATH, data=body, headers=headers, content_type="application/json")
            assert response.status_code == case.http, response.data
    assert events(app) == case.stored
    assert SECRET not in caplog.text
