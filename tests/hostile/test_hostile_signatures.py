"""Forged and replayed signatures on both providers' hooks: a captured genuine request, bent any way, is refused
and changes nothing; one replayed whole changes nothing either.

Already shown elsewhere, and not repeated: for every Twilio hook, unsigned, wrong-token, signed-for-another-URL,
unknown-account and oversized requests (tests/sms/twilio/test_hooks_harness.py generic cases), redeliveries and
reused idempotency tokens (test_hooks_inbound.py, test_hooks_status.py); for Salesforce, a missing or raw-secret
Outbound Message key, another org, and unsigned, stale, wrongly keyed, tampered and replayed-in-window callouts
(tests/crm/test_ingest_hooks.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from connector.crm.salesforce.ingest import SIGNATURE_HEADER, TIMESTAMP_HEADER, outbound_message_key, sign_callout
from connector.services.runs import start_run
from connector.settings import load_settings
from connector.store.tables import Event, Outbox
from connector.web import create_app

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "tests" / "crm" / "samples"
TOKEN = "0123456789abcdef0123456789abcdef"
ACCOUNT = "AC0123456789abcdef0123456789abcdef"
PUBLIC = "https://connector.example.com"
SECRET = "callout-secret-for-signatures-0123456789"
ORG = "00D5e000000KQ2eEAG"
T0 = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
PHONE = "+14155550123"
SID = "SM4f0c8e3b2a1d4c5e9f7a6b5c4d3e2f10"
REPLY_SID = "SM" + "7" * 32


@dataclass
class World:
    app: Flask
    key: str  # the outbox key of the text the run sent and waits on a reply to
    now: list[datetime]

    @property
    def client(self) -> FlaskClient:
        return self.app.test_client()

    def snapshot(self) -> dict[str, Any]:
        """Everything a hook may change."""
        with self.app.extensions["smsflow.container"].store.unit_of_work() as uow:
            text = uow.messages.by_action_id(self.key)
            run = uow.runs.get(self.key.split(":", 1)[0])
            contact = uow.contacts.by_phone(PHONE)
            assert text is not None and run is not None and contact is not None
            return {
                "text": (text.status, text.provider_id, tuple(s for s, _, _ in uow.messages.status_history(text.id))),
                "run": (run.status, run.seq),
                "opted_out": contact.opted_out,
                "events": uow.session.scalar(select(func.count()).select_from(Event)),
                "outbox": uow.session.scalar(select(func.count()).select_from(Outbox)),
                "messages": len(uow.messages.for_run(run.run_id)),
            }


@pytest.fixture
def world(db_url: str) -> World:
    """A booking run waiting for a reply to its first text, which Twilio accepted as SID."""
    app = create_app(load_settings({
        "DATABASE_URL": db_url, "SMSFLOW_PUBLIC_URL": PUBLIC, "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_ACCOUNT_SID": ACCOUNT,
        "SALESFORCE_ORG_ID": ORG, "SMSFLOW_CALLOUT_SECRET": SECRET, "SMSFLOW_FLOWS_DIR": str(ROOT / "flows"),
        "SMSFLOW_MAPPINGS_DIR": str(ROOT / "mappings"), "SMSFLOW_MANIFEST": str(ROOT / "manifest.yaml"),
    }), upgrade_db=False)  # fmt: skip
    now = [T0]
    container = app.extensions["smsflow.container"]
    container.clock = lambda: now[0]
    fields = json.loads((ROOT / "tests/flows/records/lead-booking.json").read_text(encoding="utf-8"))
    fields.pop("attributes")
    fields["MobilePhone"] = PHONE
    with container.store.unit_of_work() as uow:
        flow = container.registry.flows["booking-confirm"]
        started = start_run(uow, container.registry, flow, obj="Lead", record_id=fields["Id"], fields=fields,
                            cause="e", at=T0)  # fmt: skip
        assert started.step is not None
        key = started.step.state.sent[0]
        text = uow.messages.by_action_id(key)
        assert text is not None
        uow.messages.record_status(text.id, "in_flight", at=T0)
        uow.messages.mark_sent(text.id, provider_id=SID, status="queued", at=T0)
        uow.commit()
    return World(app, key, now)


# ---- Twilio ------------------------------------------------------------------------------------------------------

INBOUND = {"MessageSid": REPLY_SID, "AccountSid": ACCOUNT, "From": PHONE, "To": "+14155550100", "Body": "Yes"}
DELIVERED = {"MessageSid": SID, "AccountSid": ACCOUNT, "MessageStatus": "delivered", "To": PHONE}


@dataclass(frozen=True)
class Capture:
    """A genuine request as captured, then bent: `signed_*` is what Twilio signed, the rest is what is sent."""

    id: str
    signed_path: str
    signed_form: dict[str, str]
    path: str | None = None  # default: the signed path
    form: list[tuple[str, str]] | None = None  # default: the signed form
    signed_query: str = ""
    query: str | None = None
    header: Callable[[str], str] = lambda genuine: genuine


def key_query(key: str) -> str:
    return urlencode({"k": key})


TWILIO = [
    Capture("a-changed-body-keeps-a-genuine-signature", "inbound", INBOUND,
            form=list({**INBOUND, "Body": "STOP"}.items())),
    Capture("an-added-parameter-breaks-the-signature", "status", DELIVERED,
            form=[*DELIVERED.items(), ("ErrorCode", "21610")]),
    Capture("a-second-value-of-a-signed-parameter-is-refused", "inbound", INBOUND,
            form=[*INBOUND.items(), ("Body", "STOP")]),
    Capture("an-inbound-signature-replayed-on-the-status-hook", "inbound", {**INBOUND, **DELIVERED}, path="status"),
    Capture("a-callback-for-one-text-replayed-for-another", "status", DELIVERED, signed_query=key_query("run_x:1:sms"),
            query="{key}"),
    Capture("a-signature-with-trailing-space", "status", DELIVERED, header=lambda s: s + " "),
    Capture("a-signature-in-lower-case", "status", DELIVERED, header=str.lower),
    Capture("a-signature-without-its-padding", "status", DELIVERED, header=lambda s: s.rstrip("=")),
    Capture("a-10-kib-signature", "status", DELIVERED, header=lambda s: s * 400),
    Capture("a-non-ascii-signature", "status", DELIVERED, header=lambda s: s[:-2] + "\u00e9="),
]  # fmt: skip


@pytest.mark.parametrize("capture", TWILIO, ids=lambda c: c.id)
def test_a_bent_twilio_request_is_refused_and_changes_nothing(world: World, capture: Capture) -> None:
    signed_query = f"?{capture.signed_query}" if capture.signed_query else ""
    signed_url = f"{PUBLIC}/hooks/twilio/{capture.signed_path}{signed_query}"
    genuine = RequestValidator(TOKEN).compute_signature(signed_url, capture.signed_form)
    query = capture.signed_query if capture.query is None else capture.query.replace("{key}", key_query(world.key))
    path = f"/hooks/twilio/{capture.path or capture.signed_path}" + (f"?{query}" if query else "")
    form = capture.form if capture.form is not None else list(capture.signed_form.items())
    before = world.snapshot()
    response = world.client.post(
        path, data=urlencode(form), headers={"X-Twilio-Signature": capture.header(genuine)},
        content_type="application/x-www-form-urlencoded",
    )  # fmt: skip
    assert response.status_code == 403, response.get_data(as_text=True)
    assert world.snapshot() == before


def test_a_genuine_request_replayed_later_changes_nothing_more(world: World) -> None:
    """Twilio signs no timestamp: a replay is stopped by the message id and the idempotency token instead."""
    url = f"{PUBLIC}/hooks/twilio/inbound"
    headers = {"X-Twilio-Signature": RequestValidator(TOKEN).compute_signature(url, INBOUND)}
    post = lambda: world.client.post("/hooks/twilio/inbound", data=INBOUND, headers=headers)  # noqa: E731
    assert post().status_code == 200
    after_first = world.snapshot()
    assert after_first["run"][0] == "ended" and after_first["outbox"] == 2, "the reply confirmed the booking"
    world.now[0] = T0 + timedelta(days=3)
    assert post().status_code == 200, "answered, so Twilio stops resending"
    assert world.snapshot() == after_first


# ---- Salesforce callouts -----------------------------------------------------------------------------------------


def callout(event_id: str = "cl-0001") -> bytes:
    data = json.loads((SAMPLES / "callout_lead_updated.json").read_text(encoding="utf-8"))
    return json.dumps({**data, "id": event_id, "org_id": ORG}).encode()


def stamp(at: datetime) -> str:
    return str(int(at.timestamp()))


@dataclass(frozen=True)
class Callout:
    id: str
    body: bytes = field(default_factory=callout)
    headers: Callable[[bytes], dict[str, str]] = lambda body: {}
    http: int = 403


def signed(at: datetime = T0, **override: str) -> Callable[[bytes], dict[str, str]]:
    def headers(body: bytes) -> dict[str, str]:
        genuine = {TIMESTAMP_HEADER: stamp(at), SIGNATURE_HEADER: sign_callout(SECRET, int(at.timestamp()), body)}
        return {**genuine, **override}

    return headers


def resigned(body: bytes, change: Callable[[str], str]) -> Callable[[bytes], dict[str, str]]:
    def headers(_: bytes) -> dict[str, str]:
        return {TIMESTAMP_HEADER: stamp(T0), SIGNATURE_HEADER: change(sign_callout(SECRET, int(T0.timestamp()), body))}

    return headers


REORDERED = json.dumps(dict(reversed(json.loads(callout()).items()))).encode()
CALLOUTS = [
    Callout("signed-in-the-future-beyond-the-window", headers=signed(T0 + timedelta(minutes=10))),
    Callout("the-header-timestamp-is-not-the-signed-one",
            headers=lambda b: {**signed()(b), TIMESTAMP_HEADER: stamp(T0 + timedelta(seconds=1))}),
    Callout("a-signature-without-its-prefix", headers=resigned(callout(), lambda s: s.removeprefix("sha256="))),
    Callout("a-signature-in-upper-case-hex", headers=resigned(callout(), lambda s: "sha256=" + s[7:].upper())),
    Callout("a-non-ascii-signature", headers=signed(**{SIGNATURE_HEADER: "sha256=\u00e9"})),
    Callout("a-400-digit-timestamp", headers=signed(**{TIMESTAMP_HEADER: "1" + "0" * 400})),
    Callout("a-timestamp-that-is-no-number", headers=signed(**{TIMESTAMP_HEADER: "1e9"}), http=400),
    Callout("the-same-json-reordered-is-another-body", body=REORDERED, headers=resigned(callout(), str)),
]  # fmt: skip


@pytest.mark.parametrize("case", CALLOUTS, ids=lambda c: c.id)
def test_a_bent_callout_is_refused_and_stores_nothing(world: World, case: Callout) -> None:
    before = world.snapshot()
    response = world.client.post(
        "/hooks/salesforce/callout", data=case.body, headers=case.headers(case.body), content_type="application/json"
    )
    assert response.status_code == case.http, response.get_data(as_text=True)
    assert world.snapshot() == before


def test_a_callout_replayed_after_the_window_is_refused(world: World) -> None:
    body = callout()
    headers = signed()(body)
    assert world.client.post("/hooks/salesforce/callout", data=body, headers=headers).status_code == 200
    stored = world.snapshot()
    world.now[0] = T0 + timedelta(minutes=6)
    assert world.client.post("/hooks/salesforce/callout", data=body, headers=headers).status_code == 403
    assert world.snapshot() == stored


# ---- Salesforce Outbound Messages --------------------------------------------------------------------------------

OM = (SAMPLES / "outbound_message_lead.xml").read_bytes()
KEY = outbound_message_key(SECRET)


@pytest.mark.parametrize(
    ("query", "body", "http"),
    [
        pytest.param({"key": outbound_message_key("another-secret-0123")}, OM, 403, id="the-key-of-another-secret"),
        pytest.param({"key": KEY.upper()}, OM, 403, id="the-key-in-upper-case"),
        pytest.param([("key", "wrong"), ("key", KEY)], OM, 403, id="a-wrong-key-before-the-right-one"),
        pytest.param({"key": KEY[:-1] + "\u00e9"}, OM, 403, id="a-non-ascii-key"),
        pytest.param({"KEY": KEY}, OM, 403, id="the-key-under-another-name"),
        pytest.param({"key": KEY}, OM.replace(ORG.encode(), ORG.lower().encode()), 403, id="the-org-id-in-lower-case"),
        pytest.param({"key": KEY}, OM.replace(ORG.encode(), "00D5e000000KQ2\u00e9".encode()), 403,
                     id="a-non-ascii-org-id"),
        pytest.param({"key": KEY}, OM.replace(ORG.encode(), ORG[:15].encode()), 200,
                     id="control-the-15-character-org-id-is-the-same-org"),
    ],
)  # fmt: skip
def test_a_bent_outbound_message_is_refused_and_stores_nothing(world: World, query: Any, body: bytes, http: int):
    before = world.snapshot()
    response = world.client.post("/hooks/salesforce/outbound-message", query_string=query, data=body)
    assert response.status_code == http, response.get_data(as_text=True)
    assert world.snapshot()["events"] == before["events"] + (1 if http == 200 else 0)
