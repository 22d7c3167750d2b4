"""Shared fixtures for the Twilio side: the emulator on loopback, settings pointing at it, the adapter on it.

def test_status_hook(twilio_emulator, twilio_settings):
    twilio_emulator.transport = wsgi_transport(create_app(twilio_settings))   # or serve the app on port 0
    twilio_emulator.inbound_url = "http://127.0.0.1:5000/hooks/twilio/inbound"
    twilio_emulator.set_knobs(duplicate_rate=1.0)                           # see connector.sandbox.twilio.Knobs
    twilio_emulator.phone("+12025550143").reply("STOP")
    twilio_emulator.wait_idle()                                             # bounded: 10 s by default
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connector.sandbox.twilio import TwilioEmulator
from connector.settings import Settings, load_settings
from connector.sms.twilio.adapter import TwilioSms

FROM_NUMBER = "+12025550100"  # the emulator's own number, so replies come back to it


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # requests honours HTTP(S)_PROXY; loopback traffic must never go through one.
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


@pytest.fixture
def twilio_emulator() -> Iterator[TwilioEmulator]:
    """A running Twilio emulator on 127.0.0.1:<free port>, seeded; stopped (callbacks and all) after the test.

    It has `url`, `account_sid`, `auth_token`, `api_key`; knobs via `set_knobs(...)` and `inject(fault)`;
    handsets via `phone(number)`; webhooks via `inbound_url`, `transport`, `deliveries`, `wait_idle()`.
    """
    with TwilioEmulator(seed=11, number=FROM_NUMBER) as emulator:
        yield emulator


@pytest.fixture
def twilio_settings(twilio_emulator: TwilioEmulator) -> Settings:
    """Settings for a connector that texts through the emulator (TWILIO_API_BASE is its URL)."""
    return load_settings(
        env={
            "TWILIO_ACCOUNT_SID": twilio_emulator.account_sid,
            "TWILIO_AUTH_TOKEN": twilio_emulator.auth_token,
            "TWILIO_FROM_NUMBER": FROM_NUMBER,
            "TWILIO_API_BASE": twilio_emulator.url,
        }
    )


@pytest.fixture
def twilio_sms(twilio_emulator: TwilioEmulator) -> TwilioSms:
    """The Twilio adapter, sending from FROM_NUMBER through the emulator."""
    return TwilioSms(
        twilio_emulator.account_sid, twilio_emulator.auth_token, from_number=FROM_NUMBER, api_base=twilio_emulator.url
    )
