"""XML bombs and oversized bodies at the SOAP Outbound Message endpoint (and the other hooks' size limits): each is
refused with a short 4xx, no entity is expanded, no file or URL is fetched, and nothing is stored.

Already shown in tests/crm/test_ingest_hooks.py and not repeated: billion laughs, an external entity, malformed
XML, and a body over the limit with a Content-Length; tests/sms/twilio/test_hooks_harness.py gives every Twilio
hook an oversized-body case.
"""

from __future__ import annotations

import io
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from connector.crm.salesforce.ingest import outbound_message_key
from connector.settings import load_settings
from connector.store.tables import Event
from connector.web import MAX_CONTENT_LENGTH, create_app

ROOT = Path(__file__).resolve().parents[2]
OM = (ROOT / "tests" / "crm" / "samples" / "outbound_message_lead.xml").read_bytes()
SECRET = "callout-secret-for-xml-0123456789"
ORG = "00D5e000000KQ2eEAG"
PATH = "/hooks/salesforce/outbound-message"
QUERY = {"key": outbound_message_key(SECRET)}
HEAD = b'<?xml version="1.0" encoding="UTF-8"?>\n'


@pytest.fixture
def app(db_url: str) -> Flask:
    return create_app(load_settings({
        "DATABASE_URL": db_url, "SALESFORCE_ORG_ID": ORG, "SMSFLOW_CALLOUT_SECRET": SECRET,
        "TWILIO_AUTH_TOKEN": "0123456789abcdef0123456789abcdef", "SMSFLOW_PUBLIC_URL": "https://c.example.com",
        "SMSFLOW_FLOWS_DIR": str(ROOT / "flows"), "SMSFLOW_MAPPINGS_DIR": str(ROOT / "mappings"),
        "SMSFLOW_MANIFEST": str(ROOT / "manifest.yaml"),
    }), upgrade_db=False)  # fmt: skip


def stored(app: Flask) -> list[dict[str, object]]:
    with app.extensions["smsflow.container"].store.unit_of_work() as uow:
        return [e.payload for e in uow.events.pending(1000)]


def events(app: Flask) -> int:
    with app.extensions["smsflow.container"].store.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(Event)) or 0


@pytest.fixture
def listener() -> Iterator[tuple[str, list[bytes]]]:
    """A TCP port on loopback that records whoever connects: an XML parser fetching a DTD or entity would."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.1)
    seen: list[bytes] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            with conn:
                seen.append(conn.recv(1024) or b"connected")

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}", seen
    stop.set()
    thread.join()
    server.close()


def envelope(notification_fields: bytes) -> bytes:
    """The sample message with these fields in its sObject instead of the sample's."""
    start, end = OM.index(b"<sf:Id>"), OM.index(b"</sObject>")
    return OM[:start] + notification_fields + OM[end:]


BOMBS = [
    pytest.param(HEAD + b'<!DOCTYPE x [<!ENTITY a "' + b"A" * 10_000 + b'">]><x>' + b"&a;" * 20_000 + b"</x>",
                 id="quadratic-blowup"),
    pytest.param(HEAD + b"<!DOCTYPE x SYSTEM '{url}/evil.dtd'><x/>", id="external-dtd"),
    pytest.param(HEAD + b"<!DOCTYPE x [<!ENTITY % p SYSTEM '{url}/p.dtd'> %p;]><x/>", id="parameter-entity"),
    pytest.param(HEAD + b"<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>", id="local-file-entity"),
    pytest.param(HEAD + b'<!DOCTYPE x PUBLIC "-//X//EN" "{url}/public.dtd"><x/>', id="public-dtd"),
    pytest.param(OM.replace(b"<soapenv:Envelope", b"<!DOCTYPE soapenv:Envelope [<!ENTITY n 'Ana'>]>\n<soapenv:Envelope")
                 .replace(b"<sf:FirstName>Ana<", b"<sf:FirstName>&n;<"),
                 id="an-otherwise-genuine-message-with-an-internal-entity"),
    pytest.param(HEAD.replace(b"UTF-8", b"UTF-7") + b"+ADw-x+AD4-", id="a-utf-7-declaration"),
    pytest.param(HEAD.replace(b"UTF-8", b"bogus") + b"<x/>", id="an-unknown-encoding"),
    pytest.param(b"\xff\xfe" + OM.decode().encode("utf-16-le"), id="utf-16-with-a-utf-8-declaration"),
    pytest.param(HEAD + b"<a>" * 30_000 + b"</a>" * 30_000, id="30000-levels-deep"),
    pytest.param(OM, id="control-the-genuine-sample-is-stored"),
]  # fmt: skip


@pytest.mark.parametrize("body", BOMBS)
def test_an_xml_bomb_is_refused_quickly_without_fetching_anything(
    app: Flask, body: bytes, listener: tuple[str, list[bytes]], request: pytest.FixtureRequest
) -> None:
    url, seen = listener
    control = "control-" in request.node.callspec.id
    started = time.monotonic()
    response = app.test_client().post(PATH, query_string=QUERY, data=body.replace(b"{url}", url.encode()))
    took = time.monotonic() - started
    assert response.status_code == (200 if control else 400), response.get_data(as_text=True)
    assert len(response.data) < 1000, "a short answer, not an echo"
    assert events(app) == (1 if control else 0)
    assert seen == [], "the parser fetched nothing"
    assert took < 5, f"refused in {took:.1f}s: the parser did not expand or walk the bomb"


def test_an_xinclude_stays_an_inert_element(app: Flask, listener: tuple[str, list[bytes]]) -> None:
    url, seen = listener
    xinclude = (
        b'<sf:Id>00Q5e00000Hk7PaEAJ</sf:Id><sf:LastName xmlns:xi="http://www.w3.org/2001/XInclude">'
        b'<xi:include href="file:///etc/passwd" parse="text"/><xi:include href="' + url.encode() + b'/x"/>'
        b"</sf:LastName>"
    )
    response = app.test_client().post(PATH, query_string=QUERY, data=envelope(xinclude))
    assert response.status_code == 200
    assert seen == []
    (payload,) = stored(app)
    assert "root:" not in json.dumps(payload), "/etc/passwd was not read in"


def test_many_notifications_past_salesforces_100_are_refused(app: Flask) -> None:
    one = OM[OM.index(b"<Notification>") : OM.index(b"</Notification>") + len(b"</Notification>")]
    body = OM.replace(one, one * 101)
    response = app.test_client().post(PATH, query_string=QUERY, data=body)
    assert response.status_code == 400 and events(app) == 0


BIG = MAX_CONTENT_LENGTH + 1024


@pytest.mark.parametrize(
    ("path", "body", "content_type", "refused"),
    [
        pytest.param(PATH, OM[:-30] + b"<!--" + b"a" * BIG + b"-->" + OM[-30:], "text/xml", (413,),
                     id="outbound-message-with-a-comment-past-the-limit"),
        pytest.param("/hooks/salesforce/callout", json.dumps({"id": "x" * BIG}).encode(), "application/json",
                     (401, 413), id="callout"),
        pytest.param("/hooks/twilio/inbound", b"Body=" + b"a" * BIG, "application/x-www-form-urlencoded", (403, 413),
                     id="twilio-inbound"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("chunked", [False, True], ids=["with-content-length", "chunked"])
def test_an_oversized_body_is_refused_and_stores_nothing(
    app: Flask, path: str, body: bytes, content_type: str, refused: tuple[int, ...], chunked: bool
) -> None:
    query = QUERY if path == PATH else {}
    client = app.test_client()
    if chunked:  # no Content-Length: the server terminates the stream (gunicorn and werkzeug's do so for chunked)
        response = client.post(
            path, query_string=query, input_stream=io.BytesIO(body), content_type=content_type,
            headers={"Transfer-Encoding": "chunked"}, environ_overrides={"wsgi.input_terminated": True},
        )  # fmt: skip
    else:
        response = client.post(path, query_string=query, data=body, content_type=content_type)
    assert response.status_code in refused, response.get_data(as_text=True)
    assert events(app) == 0
