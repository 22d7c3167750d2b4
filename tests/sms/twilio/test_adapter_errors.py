"""Every Twilio failure becomes the port's SendError(code, retryable): the table, then the wire, then the network."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from connector.sandbox.twilio import TwilioEmulator
from connector.sms.port import ErrorCode, OutboundSms, SendError
from connector.sms.twilio.adapter import TwilioSms
from connector.sms.twilio.errors import classify

TO = "+12025550143"
T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        pytest.param(400, 21610, ("opted_out", False), id="21610-is-opted-out"),
        pytest.param(400, 21211, ("invalid_number", False), id="21211-is-invalid-number"),
        pytest.param(400, 21614, ("invalid_number", False), id="21614-not-mobile-is-invalid-number"),
        pytest.param(400, 21408, ("invalid_number", False), id="21408-region-disabled-is-invalid-number"),
        *(pytest.param(400, code, ("unreachable", False), id=f"{code}-is-unreachable") for code in range(30003, 30009)),
        pytest.param(401, 20003, ("auth", False), id="20003-is-auth"),
        pytest.param(401, None, ("auth", False), id="a-bare-401-is-auth"),
        pytest.param(429, 20429, ("throttled", True), id="20429-is-throttled-and-retryable"),
        pytest.param(429, None, ("throttled", True), id="a-bare-429-is-throttled"),
        pytest.param(500, 20500, ("unavailable", True), id="500-is-unavailable-and-retryable"),
        pytest.param(503, None, ("unavailable", True), id="503-is-unavailable-and-retryable"),
        pytest.param(None, None, ("unavailable", True), id="no-answer-is-unavailable-and-retryable"),
        pytest.param(400, 21602, ("rejected", False), id="21602-no-body-is-rejected"),
        pytest.param(400, 21612, ("rejected", False), id="21612-unroutable-is-rejected"),
        pytest.param(400, 21606, ("rejected", False), id="21606-bad-sender-is-rejected"),
        pytest.param(404, 20404, ("rejected", False), id="20404-is-rejected"),
        pytest.param(400, 30409, ("rejected", False), id="other-4xx-codes-are-rejected"),
    ],
)
def test_classify_maps_twilio_errors_onto_the_port_vocabulary(
    status: int | None, code: int | None, expected: tuple[ErrorCode, bool]
) -> None:
    assert classify(status, code) == expected


@dataclass(frozen=True)
class WireCase:
    """A send the emulator refuses, and the SendError the adapter must raise for it."""

    id: str
    code: ErrorCode
    retryable: bool
    provider_code: str
    to: str = TO
    body: str = "Hi there"
    provoke: Callable[[TwilioEmulator], None] = field(default=lambda emulator: None)


WIRE = [
    WireCase("stop-gives-21610-opted-out", "opted_out", False, "21610", provoke=lambda e: e.phone(TO).reply("STOP")),
    WireCase("a-short-number-gives-21211-invalid-number", "invalid_number", False, "21211", to="+1202555014"),
    WireCase("magic-21408-is-invalid-number", "invalid_number", False, "21408", to="+15005550003"),
    WireCase("magic-21614-is-invalid-number", "invalid_number", False, "21614", to="+15005550009"),
    WireCase("magic-21612-is-rejected", "rejected", False, "21612", to="+15005550002"),
    WireCase("an-empty-body-gives-21602-rejected", "rejected", False, "21602", body=""),
    WireCase("a-too-long-body-gives-21617-rejected", "rejected", False, "21617", body="x" * 1601),
    WireCase("rate-limit-gives-20429-throttled", "throttled", True, "20429", provoke=lambda e: e.inject("429")),
    WireCase("a-transient-500-is-unavailable", "unavailable", True, "20500", provoke=lambda e: e.inject("500")),
]


@pytest.mark.parametrize("case", WIRE, ids=lambda c: c.id)
def test_emulator_refusals_become_send_errors(
    case: WireCase, twilio_emulator: TwilioEmulator, twilio_sms: TwilioSms
) -> None:
    case.provoke(twilio_emulator)
    with pytest.raises(SendError) as caught:
        twilio_sms.send(OutboundSms(to=case.to, body=case.body, key="k1"))
    error = caught.value
    assert (error.code, error.retryable, error.provider_code) == (case.code, case.retryable, case.provider_code)
    assert case.to not in error.reason  # reasons end up in logs and the outbox; numbers stay masked


def test_wrong_credentials_are_auth_and_not_retried(twilio_emulator: TwilioEmulator) -> None:
    adapter = TwilioSms(twilio_emulator.account_sid, "0" * 32, from_number="+12025550100", api_base=twilio_emulator.url)
    with pytest.raises(SendError) as caught:
        adapter.send(OutboundSms(to=TO, body="hi", key="k1"))
    assert (caught.value.code, caught.value.retryable, caught.value.provider_code) == ("auth", False, "20003")


def test_a_timeout_is_unavailable_and_says_the_text_may_have_gone(twilio_emulator: TwilioEmulator) -> None:
    twilio_emulator.set_knobs(slow_seconds=30.0)
    twilio_emulator.inject("slow")
    adapter = TwilioSms(
        twilio_emulator.account_sid, twilio_emulator.auth_token, from_number="+12025550100",
        api_base=twilio_emulator.url, timeout=0.5,
    )  # fmt: skip
    with pytest.raises(SendError) as caught:
        adapter.send(OutboundSms(to=TO, body="did it go?", key="k1"))
    assert (caught.value.code, caught.value.retryable) == ("unavailable", True)
    assert "may have been accepted" in caught.value.reason


def test_nobody_listening_is_unavailable_for_send_and_find_sent() -> None:
    emulator = TwilioEmulator(seed=2).start()
    url = emulator.url
    emulator.stop()  # the port is closed now: connection refused
    adapter = TwilioSms(emulator.account_sid, emulator.auth_token, from_number="+12025550100", api_base=url)
    with pytest.raises(SendError) as sending:
        adapter.send(OutboundSms(to=TO, body="hi", key="k1"))
    with pytest.raises(SendError) as finding:
        adapter.find_sent(TO, "hi", T0)
    for caught in (sending, finding):
        assert (caught.value.code, caught.value.retryable) == ("unavailable", True)


def test_find_sent_failures_use_the_same_vocabulary(twilio_emulator: TwilioEmulator, twilio_sms: TwilioSms) -> None:
    twilio_emulator.inject("500")
    with pytest.raises(SendError) as caught:
        twilio_sms.find_sent(TO, "hi", T0)
    assert (caught.value.code, caught.value.retryable) == ("unavailable", True)
