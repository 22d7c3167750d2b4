"""The database briefly unreachable: every webhook answers 503 with Retry-After (never 500, never 200 before its
input is committed), logs no secret, and the sender's redelivery once the store is back is taken exactly once.

The running app's store is pointed at a database that cannot be reached (PostgreSQL: a closed port, with a password
in the URL that must not leak; SQLite: a file in a directory that does not exist), then pointed back.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import pytest
from flask import Flask
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from connector.bootstrap import Container
from connector.crm.salesforce.ingest import SIGNATURE_HEADER, TIMESTAMP_HEADER, outbound_message_key, sign_callout
from connector.settings import load_settings
from connector.store.db import normalize_url
from connector.store.tables import Event, Message
from connector.store.uow import Store
from connector.web import create_app

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "tests" / "crm" / "samples"
TOKEN, ACCOUNT = "0123456789abcdef0123456789abcdef", "AC0123456789abcdef0123456789abcdef"
SECRET, ORG = "callout-secret-for-tests-0123456789", "00D5e000000KQ2eEAG"
PUBLIC = "https://connector.example.com"
PHONE, OURS = "+14155550123", "+14155550100"
SID = "SM" + "7" * 32
PASSWORD = "db-password-never-logged"
T0 = datetime(2026, 11, 23, 14, 5, tzinfo=UTC)


@dataclass(frozen=True)
class Delivery:
    """One webhook request as its sender would repeat it, and how to count what it stored."""

    id: str
    path: str
    body: bytes
    headers: dict[str, str]
    stored: Callable[[Store], int]


def count(model: type, *where: object) -> Callable[[Store], int]:
    def counted(store: Store) -> int:
        with store.unit_of_work() as uow:
            return uow.session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    return counted


def twilio(path: str, form: dict[str, str]) -> tuple[str, bytes, dict[str, str]]:
    signature = RequestValidator(TOKEN).compute_signature(f"{PUBLIC}{path}", form)
    headers = {"X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"}
    return path, urlencode(form).encode(), headers


def deliveries() -> list[Delivery]:
    inbound = {"MessageSid": SID, "AccountSid": ACCOUNT, "From": PHONE, "To": OURS, "Body": "Hello", "NumSegments": "1"}
    callout = json.loads((SAMPLES / "callout_lead_updated.json").read_text(encoding="utf-8"))
    callout_body = json.dumps({**callout, "id": "cl-outage", "org_id": ORG}).encode()
    stamp = int(T0.timestamp())
    om_path = f"/hooks/salesforce/outbound-message?key={outbound_message_key(SECRET)}"
    return [
        Delivery("twilio-inbound", *twilio("/hooks/twilio/inbound", inbound),
                 stored=count(Message, Message.provider_id == SID)),
        Delivery("salesforce-outbound-message", om_path, (SAMPLES / "outbound_message_lead.xml").read_bytes(),
                 {"Content-Type": "text/xml"}, stored=count(Event, Event.source == "outbound_message")),
        Delivery("salesforce-callout", "/hooks/salesforce/callout", callout_body,
                 {TIMESTAMP_HEADER: str(stamp), SIGNATURE_HEADER: sign_callout(SECRET, stamp, callout_body),
                  "Content-Type": "application/json"},
                 stored=count(Event, Event.source_event_id == "cl-outage")),
    ]  # fmt: skip


def unreachable(db_url: str, tmp_path: Path) -> str:
    """A URL of the same kind as `db_url` where no database answers."""
    if not db_url.startswith("postgresql"):
        return f"sqlite:///{tmp_path / 'gone' / 'store.db'}"
    with socket.socket() as s:  # a port nobody listens on once this socket is closed
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = normalize_url(db_url).set(host="127.0.0.1", port=port, password=PASSWORD)
    return url.render_as_string(hide_password=False)


@pytest.fixture
def app(db_url: str) -> Flask:
    env = {
        "DATABASE_URL": db_url,
        "SMSFLOW_PUBLIC_URL": PUBLIC,
        "TWILIO_ACCOUNT_SID": ACCOUNT,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "SALESFORCE_ORG_ID": ORG,
        "SMSFLOW_CALLOUT_SECRET": SECRET,
        "SMSFLOW_FLOWS_DIR": str(ROOT / "flows"),
        "SMSFLOW_MAPPINGS_DIR": str(ROOT / "mappings"),
        "SMSFLOW_MANIFEST": str(ROOT / "manifest.yaml"),
    }
    app = create_app(load_settings(env), upgrade_db=False)
    app.extensions["smsflow.container"].clock = lambda: T0
    return app


@pytest.mark.parametrize("delivery", deliveries(), ids=lambda d: d.id)
def test_hook_answers_503_while_the_store_is_away_and_takes_the_redelivery_once(
    delivery: Delivery, app: Flask, db_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    container: Container = app.extensions["smsflow.container"]
    store, away = container.store, Store(unreachable(db_url, tmp_path))
    client = app.test_client()

    container.store = away
    for _ in range(2):  # the sender retries while the outage lasts
        response = client.post(delivery.path, data=delivery.body, headers=delivery.headers)
        assert response.status_code == 503, response.get_data(as_text=True)
        assert response.headers["Retry-After"].isdigit()
        assert response.get_data(as_text=True) == "store unavailable; retry later\n"
    container.store = store
    away.dispose()
    assert delivery.stored(store) == 0, "nothing was taken while the store was away"
    assert "store unavailable during POST" in caplog.text
    for secret in (PASSWORD, SECRET, TOKEN, PHONE, "INSERT", "SELECT"):
        assert secret not in caplog.text, f"{secret!r} is not logged"

    for _ in range(2):  # back again: the redelivery is taken, and a duplicate of it is a no-op
        response = client.post(delivery.path, data=delivery.body, headers=delivery.headers)
        assert response.status_code == 200, response.get_data(as_text=True)
    assert delivery.stored(store) == 1, "the redelivered input was stored exactly once"


def test_other_database_errors_stay_500s(app: Flask) -> None:
    from sqlalchemy.exc import IntegrityError

    @app.get("/boom")
    def boom() -> str:
        raise IntegrityError("INSERT ...", {}, Exception("duplicate key"))

    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert app.test_client().get("/boom").status_code == 500
