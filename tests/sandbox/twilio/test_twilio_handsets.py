"""The phone simulator: signed inbound replies, Twilio's STOP/START handling in both modes, inboxes."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio_support import Sink

from connector.sandbox.twilio import OPT_OUT_WORDS, TwilioEmulator

PHONE, FROM = "+12025550143", "+12025550100"
SERVICE = "MG" + "3" * 32
SAMPLES = Path(__file__).parents[3] / ".." / "shared" / "reference" / "twilio" / "samples"


def test_a_reply_is_posted_signed_with_twilios_inbound_params(
    twilio_emulator: TwilioEmulator, webhook_sink: Sink, twilio_client: Client
) -> None:
    twilio_emulator.inbound_url = webhook_sink.url("/inbound")
    delivery = twilio_emulator.phone(PHONE).reply("Yes, tomorrow at 3pm works for me")
    assert delivery.status == 200
    [hit] = webhook_sink.wait_for(1)
    assert RequestValidator(twilio_emulator.auth_token).validate(
        hit.url, dict(hit.form), hit.headers["X-Twilio-Signature"]
    )
    assert (hit.get("From"), hit.get("To"), hit.get("Body")) == (PHONE, twilio_emulator.number, delivery.get("Body"))
    assert (hit.get("SmsStatus"), hit.get("NumSegments"), hit.get("FromCountry")) == ("received", "1", "US")
    assert hit.get("MessageSid") == hit.get("SmsSid") == hit.get("SmsMessageSid")
    assert hit.headers["I-Twilio-Idempotency-Token"]
    [stored] = twilio_client.messages.list(from_=PHONE)
    assert (stored.sid, stored.direction, stored.status) == (hit.get("MessageSid"), "inbound", "received")


def test_a_stop_to_a_messaging_service_has_the_sample_params_and_opt_out_type(
    twilio_emulator: TwilioEmulator, webhook_sink: Sink, twilio_client: Client
) -> None:
    sample = SAMPLES / "inbound_sms_stop.form.txt"
    if not sample.is_file():
        pytest.skip(f"reference samples not found at {SAMPLES.resolve()}")
    twilio_emulator.inbound_url = webhook_sink.url("/inbound")
    twilio_client.messages.create(to=PHONE, messaging_service_sid=SERVICE, body="Reply STOP to opt out")
    assert twilio_emulator.wait_idle()
    twilio_emulator.phone(PHONE).reply("STOP")
    [hit] = webhook_sink.wait_for(1)
    assert {k for k, _ in hit.form} == {k for k, _ in parse_qsl(sample.read_text().strip())}
    assert (hit.get("MessagingServiceSid"), hit.get("OptOutType")) == (SERVICE, "STOP")
    assert hit.get("To") == twilio_emulator.number


def test_a_reply_goes_to_whoever_texted_the_phone_last(
    twilio_emulator: TwilioEmulator, webhook_sink: Sink, twilio_client: Client
) -> None:
    twilio_emulator.inbound_url = webhook_sink.url("/inbound")
    twilio_client.messages.create(to=PHONE, from_="+12025550188", body="Reply YES to confirm")
    assert twilio_emulator.wait_idle()
    twilio_emulator.phone(PHONE).reply("YES")
    [hit] = webhook_sink.wait_for(1)
    assert (hit.get("To"), hit.get("MessagingServiceSid"), hit.get("OptOutType")) == ("+12025550188", None, None)


def test_a_reply_without_an_inbound_url_is_kept_and_reported(twilio_emulator: TwilioEmulator) -> None:
    delivery = twilio_emulator.phone(PHONE).reply("STOP")
    assert delivery.status is None and delivery.error == "no inbound_url configured"
    assert twilio_emulator.phone(PHONE).opted_out


@pytest.mark.parametrize(
    ("texts", "opted_out"),
    [
        *(pytest.param([word], True, id=f"{word.lower()}-opts-out") for word in sorted(OPT_OUT_WORDS)),
        pytest.param(["  stop "], True, id="keywords-ignore-case-and-spaces"),
        pytest.param(["STOP please"], False, id="a-sentence-with-stop-is-not-the-keyword"),
        pytest.param(["STOP", "START"], False, id="start-opts-back-in"),
        pytest.param(["STOP", "unstop"], False, id="unstop-opts-back-in"),
        pytest.param(["STOP", "YES"], True, id="yes-does-not-opt-back-in-by-default"),
        pytest.param(["HELP"], False, id="help-does-not-opt-out"),
    ],
)
def test_twilio_default_opt_out_keywords(texts: list[str], opted_out: bool, twilio_emulator: TwilioEmulator) -> None:
    phone = twilio_emulator.phone(PHONE)
    for text in texts:
        phone.reply(text)
    assert phone.opted_out is opted_out


def test_after_stop_a_send_is_refused_with_21610(twilio_emulator: TwilioEmulator, twilio_client: Client) -> None:
    twilio_emulator.phone(PHONE).reply("STOP")
    with pytest.raises(TwilioRestException) as caught:
        twilio_client.messages.create(to=PHONE, from_=FROM, body="hi")
    assert (caught.value.status, caught.value.code) == (400, 21610)
    twilio_emulator.phone(PHONE).reply("START")
    assert twilio_client.messages.create(to=PHONE, from_=FROM, body="hi").status == "queued"


def test_after_stop_in_callback_mode_a_send_is_accepted_then_failed_21610(
    twilio_emulator: TwilioEmulator, twilio_client: Client, webhook_sink: Sink
) -> None:
    twilio_emulator.set_knobs(opt_out_mode="callback")
    twilio_emulator.phone(PHONE).reply("STOP")
    m = twilio_client.messages.create(to=PHONE, from_=FROM, body="hi", status_callback=webhook_sink.url("/status"))
    assert m.status == "queued"
    [hit] = webhook_sink.wait_for(1)
    assert (hit.get("MessageStatus"), hit.get("ErrorCode")) == ("failed", "21610")
    assert twilio_emulator.wait_idle()
    fetched = twilio_client.messages(m.sid).fetch()
    assert (fetched.status, fetched.error_code) == ("failed", 21610)
    assert twilio_emulator.phone(PHONE).inbox == []


def test_a_phone_receives_each_delivered_text_exactly_once_despite_duplicate_callbacks(
    twilio_emulator: TwilioEmulator, twilio_client: Client, webhook_sink: Sink
) -> None:
    twilio_emulator.set_knobs(duplicate_rate=1.0, out_of_order_rate=1.0)
    for body in ("one", "two"):
        twilio_client.messages.create(to=PHONE, from_=FROM, body=body, status_callback=webhook_sink.url())
    assert twilio_emulator.wait_idle()
    phone = twilio_emulator.phone(PHONE)
    assert phone.texts() == ["one", "two"]
    assert [t.from_ for t in phone.inbox] == [FROM, FROM]
    assert len(webhook_sink.hits) == 12


def test_wait_for_texts_polls_until_they_arrive(twilio_emulator: TwilioEmulator, twilio_client: Client) -> None:
    twilio_emulator.set_knobs(callback_delay=0.05)
    twilio_client.messages.create(to=PHONE, from_=FROM, body="soon")
    assert [t.body for t in twilio_emulator.phone(PHONE).wait_for_texts(1)] == ["soon"]
