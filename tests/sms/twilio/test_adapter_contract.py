"""One contract for every SmsPort: the fake and the Twilio adapter on the emulator must agree, so fakes cannot drift."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from connector.sandbox.twilio import TwilioEmulator
from connector.sms.fake import FakeSms
from connector.sms.port import ErrorCode, OutboundSms, SendError, SmsPort
from connector.sms.segments import count
from connector.sms.twilio.adapter import TwilioSms

TO = "+12025550143"


@dataclass(frozen=True)
class Refusal:
    """A failure both backends can be made to produce: how the real one gets there, what the port must say."""

    id: str
    code: ErrorCode
    retryable: bool
    to: str = TO
    provoke: Callable[[TwilioEmulator], None] = lambda emulator: None


REFUSALS = [
    Refusal("stop-is-opted-out-never-retried", "opted_out", False, provoke=lambda e: e.phone(TO).reply("STOP")),
    Refusal("an-invalid-number-is-never-retried", "invalid_number", False, to="+1202555014"),
    Refusal("a-disabled-region-is-an-invalid-number", "invalid_number", False, to="+15005550003"),
    Refusal("an-unroutable-recipient-is-rejected", "rejected", False, to="+15005550002"),
    Refusal("429-is-throttled-and-retried", "throttled", True, provoke=lambda e: e.inject("429")),
    Refusal("500-is-unavailable-and-retried", "unavailable", True, provoke=lambda e: e.inject("500")),
]


@dataclass
class Backend:
    port: SmsPort
    refuse: Callable[[Refusal], None]


@pytest.fixture(params=["fake", "twilio"])
def backend(request: pytest.FixtureRequest) -> Backend:
    if request.param == "fake":
        fake = FakeSms()
        return Backend(fake, lambda r: fake.fail_next.append(SendError(r.code, r.retryable, r.id)))
    emulator: TwilioEmulator = request.getfixturevalue("twilio_emulator")
    adapter: TwilioSms = request.getfixturevalue("twilio_sms")
    return Backend(adapter, lambda r: r.provoke(emulator))


def text(body: str = "Hi Ana, Sam will call you today from +1 202 555 0100.", to: str = TO) -> OutboundSms:
    return OutboundSms(to=to, body=body, key="outbox-1", status_callback=None)


def a_moment_ago() -> datetime:
    return datetime.now(UTC) - timedelta(seconds=2)


def test_send_returns_the_provider_id_first_status_and_segments(backend: Backend) -> None:
    msg = text()
    result = backend.port.send(msg)
    assert result.provider_id.startswith("SM") and len(result.provider_id) == 34
    assert result.status in ("queued", "accepted")
    assert result.segments == count(msg.body).segments


def test_find_sent_finds_the_text_it_sent(backend: Backend) -> None:
    since, msg = a_moment_ago(), text()
    result = backend.port.send(msg)
    [found] = backend.port.find_sent(TO, msg.body, since)
    assert (found.provider_id, found.to, found.body) == (result.provider_id, TO, msg.body)
    assert found.created_at is not None and found.created_at >= since.replace(microsecond=0)


def test_find_sent_finds_every_copy_of_a_repeated_text(backend: Backend) -> None:
    since, msg = a_moment_ago(), text("Same words twice")
    ids = {backend.port.send(msg).provider_id, backend.port.send(msg).provider_id}
    assert len(ids) == 2
    assert {m.provider_id for m in backend.port.find_sent(TO, msg.body, since)} == ids


def test_find_sent_ignores_other_bodies_and_other_recipients(backend: Backend) -> None:
    since = a_moment_ago()
    backend.port.send(text("Hello there"))
    backend.port.send(text("Hello", to="+12025550144"))
    assert backend.port.find_sent(TO, "Hello", since) == []
    assert backend.port.find_sent(TO, "Hello there ", since) == []


def test_find_sent_ignores_texts_from_before_since(backend: Backend) -> None:
    msg = text()
    backend.port.send(msg)
    assert backend.port.find_sent(TO, msg.body, datetime.now(UTC) + timedelta(seconds=2)) == []


@pytest.mark.parametrize("refusal", REFUSALS, ids=lambda r: r.id)
def test_a_refused_send_raises_the_ports_error_and_sends_nothing(refusal: Refusal, backend: Backend) -> None:
    since, msg = a_moment_ago(), text(to=refusal.to)
    backend.refuse(refusal)
    with pytest.raises(SendError) as caught:
        backend.port.send(msg)
    assert (caught.value.code, caught.value.retryable) == (refusal.code, refusal.retryable)
    assert backend.port.find_sent(refusal.to, msg.body, since) == []
