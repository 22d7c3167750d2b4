"""Rate limit (429 / 20429), transient 500s and slow answers, on cue and by rate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from twilio_support import client_for

from connector.sandbox.twilio import Knobs, ManualClock, TwilioEmulator

TO, FROM = "+12025550143", "+12025550100"


def send(client: Client, body: str = "hi") -> str:
    return client.messages.create(to=TO, from_=FROM, body=body).sid


def test_more_messages_per_second_than_allowed_get_429_20429() -> None:
    clock = ManualClock(datetime(2026, 11, 23, 14, tzinfo=UTC))  # frozen: every create falls in one second
    with TwilioEmulator(knobs=Knobs(max_per_second=2), clock=clock) as emulator:
        client = client_for(emulator)
        send(client), send(client)
        with pytest.raises(TwilioRestException) as caught:
            send(client)
        assert (caught.value.status, caught.value.code) == (429, 20429)
        clock.advance(timedelta(seconds=1))
        assert send(client)
        assert len(client.messages.list()) == 3  # the refused one was not created


def test_the_rate_limit_can_be_lifted(twilio_emulator: TwilioEmulator, twilio_client: Client) -> None:
    twilio_emulator.set_knobs(max_per_second=1)
    twilio_emulator.set_knobs(max_per_second=None)
    assert [send(twilio_client) for _ in range(5)]


@pytest.mark.parametrize(
    ("fault", "status", "code"),
    [
        pytest.param("500", 500, 20500, id="injected-500-is-20500"),
        pytest.param("429", 429, 20429, id="injected-429-is-20429"),
    ],
)
def test_an_injected_fault_fails_the_next_request_only(
    fault: str, status: int, code: int, twilio_emulator: TwilioEmulator, twilio_client: Client
) -> None:
    twilio_emulator.inject(fault, times=2)  # type: ignore[arg-type]
    for _ in range(2):
        with pytest.raises(TwilioRestException) as caught:
            send(twilio_client)
        assert (caught.value.status, caught.value.code) == (status, code)
    assert send(twilio_client)
    assert len(twilio_client.messages.list()) == 1


def test_error_rate_one_fails_every_api_request(twilio_emulator: TwilioEmulator, twilio_client: Client) -> None:
    twilio_emulator.set_knobs(error_rate=1.0)
    with pytest.raises(TwilioRestException) as caught:
        send(twilio_client)
    assert caught.value.status == 500
    twilio_emulator.set_knobs(error_rate=0.0)
    assert twilio_client.messages.list() == []


def test_a_slow_answer_times_out_the_client_but_the_message_was_created(twilio_emulator: TwilioEmulator) -> None:
    twilio_emulator.set_knobs(slow_seconds=30.0)
    twilio_emulator.inject("slow")
    impatient = client_for(twilio_emulator)
    impatient.http_client = TwilioHttpClient(timeout=0.5)
    with pytest.raises(requests.exceptions.Timeout):
        send(impatient, body="did it go?")
    assert [m.body for m in client_for(twilio_emulator).messages.list(to=TO)] == ["did it go?"]


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"failure_rate": 1.5}, id="rates-above-one-are-refused"),
        pytest.param({"failure_rate": 0.6, "undelivered_rate": 0.6}, id="failure-plus-undelivered-over-one-is-refused"),
        pytest.param({"max_per_second": 0}, id="a-zero-rate-limit-is-refused"),
        pytest.param({"opt_out_mode": "ignore"}, id="unknown-opt-out-modes-are-refused"),
        pytest.param({"callback_delay": -1}, id="negative-delays-are-refused"),
        pytest.param({"no_such_knob": 1}, id="unknown-knobs-are-refused"),
    ],
)
def test_bad_knob_values_are_refused(changes: dict[str, object], twilio_emulator: TwilioEmulator) -> None:
    before = twilio_emulator.knobs
    with pytest.raises(ValueError):
        twilio_emulator.set_knobs(**changes)
    assert twilio_emulator.knobs == before
