"""What only the Twilio adapter does: senders, status callbacks, day-wide lookups filtered exactly, clean logs."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr

from connector.sandbox.twilio import ManualClock, TwilioEmulator
from connector.settings import Settings, load_settings
from connector.sms.port import OutboundSms, SendError
from connector.sms.twilio import adapter as adapter_module
from connector.sms.twilio import build_sms
from connector.sms.twilio.adapter import TwilioSms

TO, FROM = "+12025550143", "+12025550100"
SERVICE = "MG" + "5" * 32


def test_a_messaging_service_sender_is_used_when_configured(twilio_emulator: TwilioEmulator) -> None:
    adapter = TwilioSms(
        twilio_emulator.account_sid,
        twilio_emulator.auth_token,
        messaging_service_sid=SERVICE,
        api_base=twilio_emulator.url,
    )
    result = adapter.send(OutboundSms(to=TO, body="hi", key="k1"))
    assert (result.status, result.segments) == ("accepted", None)  # Twilio counts segments once a sender is picked
    assert twilio_emulator.wait_idle()
    assert twilio_emulator.phone(TO).inbox[0].from_ == twilio_emulator.number


def test_the_status_callback_url_is_passed_through(twilio_emulator: TwilioEmulator, twilio_sms: TwilioSms) -> None:
    callback = "http://127.0.0.1:9/hooks/twilio/status?key=outbox-7"
    result = twilio_sms.send(OutboundSms(to=TO, body="hi", key="outbox-7", status_callback=callback))
    assert twilio_emulator.wait_idle()
    assert {d.url for d in twilio_emulator.status_callbacks(result.provider_id)} == {callback}


def test_the_text_reaches_the_handset_once(twilio_emulator: TwilioEmulator, twilio_sms: TwilioSms) -> None:
    twilio_sms.send(OutboundSms(to=TO, body="Hi Ana", key="k1"))
    assert [t.body for t in twilio_emulator.phone(TO).wait_for_texts(1)] == ["Hi Ana"]


def test_find_sent_filters_within_the_day_twilio_returns() -> None:
    clock = ManualClock(datetime(2026, 11, 23, 9, tzinfo=UTC))
    with TwilioEmulator(seed=5, clock=clock) as emulator:
        adapter = TwilioSms(emulator.account_sid, emulator.auth_token, from_number=FROM, api_base=emulator.url)
        early = adapter.send(OutboundSms(to=TO, body="same", key="k1"))
        clock.set(datetime(2026, 11, 23, 15, tzinfo=UTC))
        late = adapter.send(OutboundSms(to=TO, body="same", key="k2"))
        noon = datetime(2026, 11, 23, 12, tzinfo=UTC)
        assert [m.provider_id for m in adapter.find_sent(TO, "same", noon)] == [late.provider_id]
        assert [m.provider_id for m in adapter.find_sent(TO, "same", noon - timedelta(hours=4))] == [
            early.provider_id,
            late.provider_id,
        ]
        naive_noon = noon.replace(tzinfo=None)  # read as UTC
        assert [m.provider_id for m in adapter.find_sent(TO, "same", naive_noon)] == [late.provider_id]


def test_find_sent_counts_a_text_from_the_same_second_as_since(
    twilio_emulator: TwilioEmulator, twilio_sms: TwilioSms
) -> None:
    result = twilio_sms.send(OutboundSms(to=TO, body="hi", key="k1"))
    [found] = twilio_sms.find_sent(TO, "hi", datetime.now(UTC) - timedelta(seconds=1))
    assert found.created_at is not None
    assert twilio_sms.find_sent(TO, "hi", found.created_at + timedelta(microseconds=999_999))[0] == found
    assert found.provider_id == result.provider_id


def test_find_sent_reads_every_page(
    twilio_emulator: TwilioEmulator, twilio_sms: TwilioSms, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(adapter_module, "PAGE_SIZE", 2)
    sent = {twilio_sms.send(OutboundSms(to=TO, body="again", key=f"k{i}")).provider_id for i in range(5)}
    assert {m.provider_id for m in twilio_sms.find_sent(TO, "again", datetime.now(UTC) - timedelta(minutes=1))} == sent


def test_find_sent_ignores_the_phones_own_replies(twilio_emulator: TwilioEmulator, twilio_sms: TwilioSms) -> None:
    twilio_emulator.phone(TO).reply("hi")  # inbound: From is the phone, To is us
    assert twilio_sms.find_sent(TO, "hi", datetime.now(UTC) - timedelta(minutes=1)) == []


def test_a_timed_out_send_is_found_when_reconciling(twilio_emulator: TwilioEmulator) -> None:
    since = datetime.now(UTC)
    twilio_emulator.set_knobs(slow_seconds=30.0)
    twilio_emulator.inject("slow")
    adapter = TwilioSms(
        twilio_emulator.account_sid,
        twilio_emulator.auth_token,
        from_number=FROM,
        api_base=twilio_emulator.url,
        timeout=0.5,
    )
    with pytest.raises(SendError):
        adapter.send(OutboundSms(to=TO, body="Your booking is confirmed", key="k1"))
    assert len(adapter.find_sent(TO, "Your booking is confirmed", since)) == 1


def test_logs_mask_numbers_and_never_show_the_token(
    twilio_emulator: TwilioEmulator, twilio_sms: TwilioSms, caplog: pytest.LogCaptureFixture
) -> None:
    # Our loggers, including the one twilio-python's HTTP client logs to, the emulator's request log, all at DEBUG.
    # (urllib3's own DEBUG lines carry raw URLs; masking those is the app's log handler's job, not the adapter's.)
    caplog.set_level(logging.DEBUG, logger="connector")
    twilio_sms.send(OutboundSms(to=TO, body="hi", key="k1"))
    twilio_sms.find_sent(TO, "hi", datetime.now(UTC) - timedelta(minutes=1))
    twilio_emulator.phone(TO).reply("STOP")
    with pytest.raises(SendError):
        twilio_sms.send(OutboundSms(to=TO, body="hi", key="k2"))
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "+1202*****43" in logged and "twilio send key=k1" in logged
    assert "Query Params: {'To': '+1202*****43'" in logged  # twilio-python's own request log, masked
    assert TO not in logged and TO.replace("+", "%2B") not in logged
    assert twilio_emulator.auth_token not in logged


def settings(**env: str) -> Settings:
    return load_settings(env=env)


def test_build_sms_reads_the_twilio_settings(twilio_emulator: TwilioEmulator, twilio_settings: Settings) -> None:
    port = build_sms(twilio_settings)
    assert port.send(OutboundSms(to=TO, body="from settings", key="k1")).status == "queued"
    assert twilio_settings.twilio_auth_token == SecretStr(twilio_emulator.auth_token)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        pytest.param({}, "TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN", id="no-credentials-names-both"),
        pytest.param(
            {"TWILIO_ACCOUNT_SID": "AC" + "1" * 32, "TWILIO_AUTH_TOKEN": "t" * 32},
            "TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER",
            id="no-sender-names-both-options",
        ),
    ],
)
def test_build_sms_names_missing_settings_without_values(env: dict[str, str], named: str) -> None:
    with pytest.raises(ValueError, match=named) as caught:
        build_sms(settings(**env))
    assert "t" * 32 not in str(caught.value)
