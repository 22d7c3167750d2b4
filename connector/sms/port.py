"""The SMS provider port: what the connector needs from any SMS provider, in our words, not the provider's.

Provider failures map onto a short vocabulary (nyaruka/courier's SendError): the dispatcher decides from
`retryable` whether to try again, and from `code` what to tell the run and the contact record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

ErrorCode = Literal[
    "opted_out",  # 21610: the handset sent STOP; never retry, record the opt-out
    "invalid_number",  # 21211, 21614 (not a mobile), 21408 (region not enabled): never retry this number
    "unreachable",  # 30003-30008: carrier could not deliver
    "rejected",  # any other permanent 4xx: bad request, content refused
    "auth",  # 20003: our credentials are wrong; retrying will not help until an admin fixes them
    "throttled",  # 429 / 20429: slow down and retry
    "unavailable",  # 5xx, timeouts, connection errors: retry with backoff
    "blocked",  # never reached the provider: the contact policy dropped it (consent, the record, no allowed time)
]


@dataclass(frozen=True)
class OutboundSms:
    """One text to send. `key` is the outbox idempotency key, carried on the status callback URL."""

    to: str
    body: str
    key: str
    status_callback: str | None = None


@dataclass(frozen=True)
class SendResult:
    """The provider accepted the text: its id and first status (accepted, queued, ...)."""

    provider_id: str
    status: str
    segments: int | None = None


@dataclass(frozen=True)
class SentMessage:
    """A message as the provider lists it, for reconciling a send whose outcome we did not record."""

    provider_id: str
    to: str
    body: str
    status: str
    created_at: datetime | None


class SendError(Exception):
    """A send the provider refused or that did not complete; `provider_code` is the provider's own code."""

    def __init__(self, code: ErrorCode, retryable: bool, reason: str, provider_code: str | None = None) -> None:
        super().__init__(f"{code}: {reason}")
        self.code, self.retryable, self.reason, self.provider_code = code, retryable, reason, provider_code


class SmsPort(Protocol):
    def send(self, msg: OutboundSms) -> SendResult:
        """Send one text; raises SendError."""

    def find_sent(self, to: str, body: str, since: datetime) -> list[SentMessage]:
        """Messages to `to` with exactly this body created since `since` (reconciling an in-flight send)."""
