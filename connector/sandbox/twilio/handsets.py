"""The phone simulator: handsets that receive texts, reply through the inbound webhook, and opt out with STOP.

Usage:

    phone = emulator.phone("+12025550143")
    phone.reply("YES")              # POSTs a signed inbound message to the emulator's inbound_url
    phone.wait_for_texts(1)         # what it received, polling up to 10 s
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from connector.sandbox.twilio.callbacks import Delivery
from connector.sandbox.twilio.lifecycle import Step

# (handset, body, to) -> the inbound webhook's Delivery; the emulator supplies it (see inbound.reply).
Replier = Callable[["Handset", str, "str | None"], Delivery]


@dataclass(frozen=True)
class Text:
    """A text a handset received."""

    sid: str
    from_: str
    body: str
    at: datetime


class Handset:
    """A phone, known by its E.164 number; its inbox holds every text delivered to it, once per delivery."""

    def __init__(self, number: str, replier: Replier) -> None:
        self.number = number
        self.opted_out = False
        self.fail_with: Step | None = None  # e.g. Step("undelivered", 30003): every text to it ends so
        self.last_sender: tuple[str, str | None] | None = None  # (number, messaging service) that texted it
        self._replier = replier
        self._inbox: list[Text] = []
        self._lock = threading.Lock()

    @property
    def inbox(self) -> list[Text]:
        with self._lock:
            return list(self._inbox)

    def texts(self) -> list[str]:
        """The bodies received, oldest first."""
        return [t.body for t in self.inbox]

    def receive(self, text: Text, service: str | None) -> None:
        with self._lock:
            self._inbox.append(text)
            self.last_sender = (text.from_, service)

    def reply(self, body: str, to: str | None = None) -> Delivery:
        """Send `body` to `to` (default: whoever last texted this phone); returns the webhook Delivery."""
        return self._replier(self, body, to)

    def wait_for_texts(self, n: int, timeout: float = 10.0) -> list[Text]:
        """Poll until at least `n` texts arrived (or `timeout` passed); returns the inbox either way."""
        deadline = time.monotonic() + timeout
        while len(self.inbox) < n and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.inbox


class Phones:
    """Every handset the emulator has seen, created on first use."""

    def __init__(self, replier: Replier) -> None:
        self._replier = replier
        self._by_number: dict[str, Handset] = {}
        self._lock = threading.Lock()

    def get(self, number: str) -> Handset:
        with self._lock:
            if number not in self._by_number:
                self._by_number[number] = Handset(number, self._replier)
            return self._by_number[number]

    def known(self) -> list[Handset]:
        with self._lock:
            return list(self._by_number.values())
