"""Fixtures for the Twilio emulator tests: the emulator, the unmodified twilio client on it, a webhook sink."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from twilio.rest import Client
from twilio_support import Sink, client_for

from connector.sandbox.twilio import TwilioEmulator


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # requests honours HTTP(S)_PROXY; loopback traffic must never go through one (NOTES.md section 3).
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


@pytest.fixture
def twilio_emulator() -> Iterator[TwilioEmulator]:
    """A running emulator on a free loopback port, seeded so SIDs and fates repeat from run to run."""
    with TwilioEmulator(seed=7) as emulator:
        yield emulator


@pytest.fixture
def twilio_client(twilio_emulator: TwilioEmulator) -> Client:
    return client_for(twilio_emulator)


@pytest.fixture
def webhook_sink() -> Iterator[Sink]:
    sink = Sink()
    yield sink
    sink.close()
