"""Status callbacks: signed like Twilio's, in order by default, duplicated or shuffled when asked, stopped on stop."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio_support import Hit, Sink, client_for, eventually
from werkzeug.wrappers import Request, Response

from connector.sandbox.twilio import Step, TwilioEmulator, wsgi_transport

TO, FROM = "+12025550143", "+12025550100"
SAMPLES = Path(__file__).parents[3] / ".." / "shared" / "reference" / "twilio" / "samples"


def statuses(hits: list[Hit]) -> list[str | None]:
    return [h.get("MessageStatus") for h in hits]


def send(client: Client, sink: Sink, to: str = TO, **kwargs: str) -> str:
    sender = {"from_": FROM} if "messaging_service_sid" not in kwargs else {}
    return client.messages.create(to=to, body="hi", status_callback=sink.url("/status?key=k1"), **sender, **kwargs).sid


def test_callbacks_arrive_signed_in_order_with_twilio_params(
    twilio_client: Client, twilio_emulator: TwilioEmulator, webhook_sink: Sink
) -> None:
    sid = send(twilio_client, webhook_sink)
    hits = webhook_sink.wait_for(3)
    assert statuses(hits) == ["sending", "sent", "delivered"]
    validator = RequestValidator(twilio_emulator.auth_token)
    for hit in hits:
        assert hit.url == webhook_sink.url("/status?key=k1")
        assert hit.headers["Content-Type"] == "application/x-www-form-urlencoded"
        assert validator.validate(hit.url, dict(hit.form), hit.headers["X-Twilio-Signature"])
        assert (hit.get("MessageSid"), hit.get("SmsSid"), hit.get("SmsStatus")) == (sid, sid, hit.get("MessageStatus"))
        assert (hit.get("To"), hit.get("From"), hit.get("ApiVersion")) == (TO, FROM, "2010-04-01")
        assert hit.get("AccountSid") == twilio_emulator.account_sid
    assert len({h.headers["I-Twilio-Idempotency-Token"] for h in hits}) == 3
    assert hits[-1].get("RawDlrDoneDate") is not None and hits[-1].get("ErrorCode") is None


def test_delivered_callback_has_the_sample_parameter_names(twilio_client: Client, webhook_sink: Sink) -> None:
    sample = SAMPLES / "status_callback_delivered.form.txt"
    if not sample.is_file():
        pytest.skip(f"reference samples not found at {SAMPLES.resolve()}")
    send(twilio_client, webhook_sink)
    delivered = webhook_sink.wait_for(3)[-1]
    assert {k for k, _ in delivered.form} == {k for k, _ in parse_qsl(sample.read_text().strip())}


def test_a_messaging_service_message_reports_queued_first(twilio_client: Client, webhook_sink: Sink) -> None:
    send(twilio_client, webhook_sink, messaging_service_sid="MG" + "2" * 32)
    hits = webhook_sink.wait_for(4)
    assert statuses(hits) == ["queued", "sending", "sent", "delivered"]
    assert {h.get("MessagingServiceSid") for h in hits} == {"MG" + "2" * 32}


def test_duplicate_rate_one_posts_every_callback_twice_with_one_token(
    twilio_client: Client, twilio_emulator: TwilioEmulator, webhook_sink: Sink
) -> None:
    twilio_emulator.set_knobs(duplicate_rate=1.0)
    send(twilio_client, webhook_sink)
    hits = webhook_sink.wait_for(6)
    assert statuses(hits) == ["sending", "sending", "sent", "sent", "delivered", "delivered"]
    tokens = [h.headers["I-Twilio-Idempotency-Token"] for h in hits]
    assert tokens[0::2] == tokens[1::2]


def test_out_of_order_rate_one_posts_the_statuses_shuffled(
    twilio_client: Client, twilio_emulator: TwilioEmulator, webhook_sink: Sink
) -> None:
    twilio_emulator.set_knobs(out_of_order_rate=1.0)
    send(twilio_client, webhook_sink)
    got = statuses(webhook_sink.wait_for(3))
    assert sorted(got, key=str) == ["delivered", "sending", "sent"] and got != ["sending", "sent", "delivered"]


@pytest.mark.parametrize(
    ("knobs", "expected", "codes"),
    [
        pytest.param(
            {"undelivered_rate": 1.0},
            ["sending", "sent", "undelivered"],
            range(30003, 30009),
            id="undelivered-carries-3000x",
        ),
        pytest.param({"failure_rate": 1.0}, ["failed"], (30007, 30008), id="failed-never-reports-sending"),
        pytest.param(
            {"failure_rate": 1.0, "failed_codes": [30005]}, ["failed"], (30005,), id="failed-codes-are-a-knob"
        ),
    ],
)
def test_failure_knobs_end_messages_with_twilio_error_codes(
    knobs: dict[str, object], expected: list[str], codes: range | tuple[int, ...],
    twilio_client: Client, twilio_emulator: TwilioEmulator, webhook_sink: Sink,
) -> None:  # fmt: skip
    twilio_emulator.set_knobs(**knobs)
    sid = send(twilio_client, webhook_sink)
    hits = webhook_sink.wait_for(len(expected))
    assert statuses(hits) == expected
    assert int(hits[-1].get("ErrorCode") or 0) in codes
    message = twilio_client.messages(sid).fetch()
    assert message.status == expected[-1] and message.error_code == int(hits[-1].get("ErrorCode") or 0)
    assert message.error_message


def test_a_landline_is_undelivered_with_30006(twilio_client: Client, webhook_sink: Sink) -> None:
    send(twilio_client, webhook_sink, to="+441632960123")  # Ofcom drama range, fixed line
    assert webhook_sink.wait_for(3)[-1].get("ErrorCode") == "30006"


def test_a_handset_can_be_told_how_its_texts_end(
    twilio_client: Client, twilio_emulator: TwilioEmulator, webhook_sink: Sink
) -> None:
    twilio_emulator.phone(TO).fail_with = Step("undelivered", 30003)
    send(twilio_client, webhook_sink)
    hits = webhook_sink.wait_for(3)
    assert (hits[-1].get("MessageStatus"), hits[-1].get("ErrorCode")) == ("undelivered", "30003")
    assert twilio_emulator.phone(TO).inbox == []


def test_without_a_status_callback_the_message_still_moves_on(
    twilio_client: Client, twilio_emulator: TwilioEmulator
) -> None:
    sid = twilio_client.messages.create(to=TO, from_=FROM, body="hi").sid
    assert twilio_emulator.wait_idle()
    assert twilio_client.messages(sid).fetch().status == "delivered" and twilio_emulator.deliveries == []


def test_a_failing_webhook_is_logged_not_retried(
    twilio_client: Client, twilio_emulator: TwilioEmulator, webhook_sink: Sink
) -> None:
    webhook_sink.status = 500
    sid = send(twilio_client, webhook_sink)
    assert twilio_emulator.wait_idle()
    assert [d.status for d in twilio_emulator.status_callbacks(sid)] == [500, 500, 500]


def test_stopping_drops_pending_callbacks(webhook_sink: Sink) -> None:
    emulator = TwilioEmulator(seed=3).start()
    emulator.set_knobs(callback_delay=60.0)
    send(client_for(emulator), webhook_sink)
    emulator.stop()
    assert emulator.deliveries == [] and webhook_sink.hits == []


def test_wsgi_transport_delivers_into_an_app_in_process() -> None:
    received: list[tuple[str, dict[str, str], str]] = []

    def app(environ, start_response):  # type: ignore[no-untyped-def]
        request = Request(environ)
        received.append((request.url, dict(request.form), request.headers["X-Twilio-Signature"]))
        return Response("<Response/>", content_type="text/xml")(environ, start_response)

    with TwilioEmulator(seed=4, transport=wsgi_transport(app)) as emulator:
        client = client_for(emulator)
        client.messages.create(to=TO, from_=FROM, body="hi", status_callback="https://hooks.example.com/status?k=1")
        assert eventually(lambda: len(received) == 3)
        validator = RequestValidator(emulator.auth_token)
        assert all(url == "https://hooks.example.com/status?k=1" for url, _, _ in received)
        assert all(validator.validate(url, form, signature) for url, form, signature in received)
