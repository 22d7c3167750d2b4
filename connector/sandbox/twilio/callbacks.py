"""Webhooks out of the emulator: a timed queue on one background thread, signed form POSTs, a log of each."""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlencode, urlsplit

from connector.phones import mask_in_text
from connector.sandbox.twilio.signing import signature

log = logging.getLogger(__name__)

# (url, form body, headers, timeout) -> HTTP status; raises OSError when nothing answered.
Transport = Callable[[str, bytes, dict[str, str], float], int]


@dataclass(frozen=True)
class Delivery:
    """One webhook the emulator POSTed (or tried to): what, where, and how it was answered."""

    kind: Literal["status", "inbound"]
    url: str
    params: tuple[tuple[str, str], ...]
    headers: tuple[tuple[str, str], ...]
    status: int | None  # None: no answer (connection refused, timeout)
    error: str | None = None

    def get(self, name: str) -> str | None:
        """The first value of form parameter `name`."""
        return next((v for k, v in self.params if k == name), None)

    @property
    def form(self) -> dict[str, str]:
        return dict(self.params)


def http_transport(url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
    """POST over HTTP, ignoring proxy settings: the emulator talks to the connector directly."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with opener.open(request, timeout=timeout) as response:
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as exc:  # a 4xx/5xx is an answer, not a transport failure
        exc.read()
        return int(exc.code)


def wsgi_transport(app: Callable[..., object]) -> Transport:
    """Deliver webhooks into a WSGI app (e.g. a Flask app) in-process, with the URL's scheme, host and path."""
    from werkzeug.test import Client

    client = Client(app)  # type: ignore[arg-type]

    def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
        parts = urlsplit(url)
        response = client.post(
            parts.path or "/",
            base_url=f"{parts.scheme}://{parts.netloc}",
            query_string=parts.query,
            data=body,
            headers=headers,
        )
        return response.status_code

    return post


class Poster:
    """Signs and POSTs webhooks, and keeps every attempt in `deliveries`."""

    def __init__(self, auth_token: str, transport: Transport) -> None:
        self.auth_token = auth_token
        self.transport = transport
        self.deliveries: list[Delivery] = []
        self._lock = threading.Lock()

    def post(
        self, kind: Literal["status", "inbound"], url: str, params: list[tuple[str, str]], token: str, timeout: float
    ) -> Delivery:
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "User-Agent": "TwilioProxy/1.1",
            "X-Twilio-Signature": signature(self.auth_token, url, params),
            "I-Twilio-Idempotency-Token": token,
        }
        try:
            status, error = self.transport(url, urlencode(params).encode(), headers, timeout), None
        except OSError as exc:  # urllib's URLError and socket timeouts are OSErrors
            status, error = None, f"{type(exc).__name__}: {exc}"
            log.warning("twilio emulator: %s webhook to %s failed: %s", kind, url, mask_in_text(error))
        delivery = Delivery(kind, url, tuple(params), tuple(headers.items()), status, error)
        with self._lock:
            self.deliveries.append(delivery)
        return delivery

    def snapshot(self) -> list[Delivery]:
        with self._lock:
            return list(self.deliveries)


class Scheduler:
    """Runs jobs at their due time, one at a time and in (due, submission) order, on a single thread."""

    def __init__(self) -> None:
        self._jobs: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._busy = False
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="twilio-emulator-callbacks", daemon=True)
        self._thread.start()

    def submit(self, delay: float, job: Callable[[], None]) -> None:
        with self._cond:
            if not self._stopped:
                heapq.heappush(self._jobs, (time.monotonic() + delay, next(self._seq), job))
                self._cond.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no job is queued or running; False if that took longer than `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._jobs or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            return True

    def stop(self) -> None:
        """Drop queued jobs and end the thread once the running job (if any) returns."""
        with self._cond:
            self._stopped = True
            self._jobs.clear()
            self._cond.notify_all()
        self._thread.join()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopped and (not self._jobs or self._jobs[0][0] > time.monotonic()):
                    self._cond.wait(self._jobs[0][0] - time.monotonic() if self._jobs else None)
                if self._stopped:
                    return
                _, _, job = heapq.heappop(self._jobs)
                self._busy = True
            try:
                job()
            except Exception:  # a bug in one job must not stop every later callback
                log.exception("twilio emulator: background job failed")
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()
