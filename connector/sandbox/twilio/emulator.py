"""The Twilio emulator: state, knobs, handsets and a threaded HTTP server on loopback, started and stopped here.

Usage:

    with TwilioEmulator(seed=7) as emu:
        client = Client(emu.account_sid, emu.auth_token)
        client.api.base_url = emu.url
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from typing import Any, Literal

from connector.phones import is_mobile_capable
from connector.sandbox.twilio import inbound, lifecycle
from connector.sandbox.twilio.api import Api
from connector.sandbox.twilio.callbacks import Delivery, Poster, Scheduler, Transport, http_transport
from connector.sandbox.twilio.clock import Clock, SystemClock
from connector.sandbox.twilio.handsets import Handset, Phones, Text
from connector.sandbox.twilio.knobs import Fault, Knobs
from connector.sandbox.twilio.messaging import RateLimit
from connector.sandbox.twilio.server import LoopbackServer
from connector.sandbox.twilio.store import Message, MessageStore


@dataclass(frozen=True)
class ApiKey:
    """An API key: HTTP Basic with sid:secret works like AccountSid:AuthToken."""

    sid: str
    secret: str


class TwilioEmulator:
    """A fake api.twilio.com for the unmodified twilio client, with handsets and knobs; see the package docs."""

    def __init__(
        self,
        *,
        account_sid: str | None = None,
        auth_token: str | None = None,
        seed: int = 0,
        knobs: Knobs | None = None,  # wins over `seed` when given
        clock: Clock | None = None,
        transport: Transport | None = None,
        inbound_url: str | None = None,
        number: str = "+12025550100",
    ) -> None:
        self._knobs = knobs or Knobs(seed=seed)
        credentials = random.Random(f"{self._knobs.seed}:credentials")
        self.account_sid = account_sid or f"AC{credentials.getrandbits(128):032x}"
        self.auth_token = auth_token or f"{credentials.getrandbits(128):032x}"
        self.api_key = ApiKey(f"SK{credentials.getrandbits(128):032x}", f"{credentials.getrandbits(128):032x}")
        self.number = number  # the connector's number: From of Messaging Service texts, To of replies
        self.inbound_url = inbound_url
        self.clock: Clock = clock or SystemClock()
        self.store = MessageStore()
        self.rate_limit = RateLimit()
        self.phones = Phones(lambda handset, body, to: inbound.reply(self, handset, body, to))
        self.stopping = threading.Event()
        self._poster = Poster(self.auth_token, transport or http_transport)
        self._scheduler: Scheduler | None = None
        self._server: LoopbackServer | None = None
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._reseed()

    # -- knobs ----------------------------------------------------------------------------------------------
    @property
    def knobs(self) -> Knobs:
        return self._knobs

    def set_knobs(self, **changes: Any) -> Knobs:
        """Change some knobs (checked; see Knobs); a new seed restarts every random sequence."""
        with self._lock:
            self._knobs = self._knobs.replace(**changes)
            if "seed" in changes:
                self._reseed()
            return self._knobs

    def _reseed(self) -> None:
        self._ids = random.Random(f"{self._knobs.seed}:ids")
        self._fault_rng = random.Random(f"{self._knobs.seed}:faults")

    def inject(self, fault: Fault, times: int = 1) -> None:
        """Make the next `times` Messages API requests fail this way, before any random fault."""
        with self._lock:
            self._faults.extend([fault] * times)

    def draw_fault(self) -> Fault | None:
        with self._lock:
            if self._faults:
                return self._faults.pop(0)
            draw = self._fault_rng.random()
        if draw < self._knobs.error_rate:
            return "500"
        return "slow" if draw < self._knobs.error_rate + self._knobs.slow_rate else None

    def new_sid(self, prefix: str = "SM") -> str:
        with self._lock:
            return f"{prefix}{self._ids.getrandbits(128):032x}"

    def credentials(self) -> dict[str, str]:
        return {self.account_sid: self.auth_token, self.api_key.sid: self.api_key.secret}

    # -- handsets and webhooks ------------------------------------------------------------------------------
    def phone(self, number: str) -> Handset:
        """The handset with this E.164 number (created on first use)."""
        return self.phones.get(number)

    @property
    def transport(self) -> Transport:
        """How webhooks are POSTed: over HTTP by default; `wsgi_transport(app)` delivers into an app in-process."""
        return self._poster.transport

    @transport.setter
    def transport(self, transport: Transport) -> None:
        self._poster.transport = transport

    @property
    def deliveries(self) -> list[Delivery]:
        """Every webhook POSTed so far, oldest first."""
        return self._poster.snapshot()

    def post_webhook(
        self, kind: Literal["status", "inbound"], url: str, params: list[tuple[str, str]], token: str
    ) -> Delivery:
        """Sign and POST one webhook now (on the caller's thread), and log it in `deliveries`."""
        return self._poster.post(kind, url, params, token, self._knobs.webhook_timeout)

    def status_callbacks(self, sid: str | None = None) -> list[Delivery]:
        return [d for d in self.deliveries if d.kind == "status" and (sid is None or d.get("MessageSid") == sid)]

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until every queued status change and callback is done; False if `timeout` passed first."""
        return self._scheduler.wait_idle(timeout) if self._scheduler else True

    def start_lifecycle(self, m: Message, opted_out: bool) -> None:
        """Plan the message's fate (from the seed and its SID, so concurrency cannot reorder draws) and queue it."""
        knobs, handset = self._knobs, self.phone(m.to)
        rng = random.Random(f"{knobs.seed}:{m.sid}")
        landline = is_mobile_capable(m.to) is False
        steps = lifecycle.fate(m, knobs, rng, opted_out=opted_out, forced=handset.fail_with, landline=landline)
        plan = lifecycle.Plan(steps, lifecycle.callback_order(steps, knobs, rng))
        scheduler = self._scheduler  # read once: stop() may clear it from another thread
        for i in range(len(steps) if scheduler else 0):
            scheduler.submit(knobs.callback_delay * (i + 1), lambda i=i: self._apply(m.sid, plan, i))  # type: ignore[union-attr]

    def _apply(self, sid: str, plan: lifecycle.Plan, i: int) -> None:
        step, now = plan.steps[i], self.clock.now()
        updated = self.store.advance(sid, step.status, step.error_code, now, self.number)
        if updated is not None and step.status == "delivered":
            self.phone(updated.to).receive(
                Text(sid, updated.from_ or "", updated.body, now), updated.messaging_service_sid
            )
        m = self.store.get(sid)
        if m is None or not m.status_callback:
            return
        for j in plan.deliver_at[i]:
            done = plan.steps[j]
            params = lifecycle.status_params(m, done, now.strftime("%y%m%d%H%M"))
            token = lifecycle.idempotency_token(sid, done)
            self.post_webhook("status", m.status_callback, params, token)

    # -- server ---------------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the emulator is not running; call start() first")
        return f"http://127.0.0.1:{self._server.port}"

    def describe(self) -> dict[str, str]:
        """What a client needs, as the CLI prints it."""
        return {"url": self.url, "account_sid": self.account_sid, "auth_token": self.auth_token}

    def start(self, port: int = 0) -> TwilioEmulator:
        """Serve on 127.0.0.1:`port` (0: any free port) from a background thread."""
        self.stopping.clear()
        self._scheduler = Scheduler()
        try:
            self._server = LoopbackServer(Api(self), port)
        except OSError:
            self._scheduler.stop()
            self._scheduler = None
            raise
        return self

    def stop(self) -> None:
        """Stop serving and drop pending callbacks; slow answers in progress are cut short. Safe to repeat."""
        self.stopping.set()
        if self._server is not None:
            self._server.stop()
        if self._scheduler is not None:
            self._scheduler.stop()
        self._server = self._scheduler = None

    def __enter__(self) -> TwilioEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
