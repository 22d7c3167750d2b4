"""The org's daily API budget (reported in Sforce-Limit-Info and enforced) and injected outages."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import Literal

from connector.sandbox.salesforce.errors import ApiError, request_limit

FaultKind = Literal["unavailable", "timeout"]
DEFAULT_DAILY_LIMIT = 15000  # Developer Edition's DailyApiRequests


@dataclass(frozen=True)
class ApiCall:
    """One REST call charged to the budget."""

    method: str
    path: str


class Limits:
    """Counts REST calls against a daily budget; a call over the budget is refused with 403, uncharged.

    Unlike the real org's rolling 24 hours, usage never decays on its own: tests set it with `set()`.
    """

    def __init__(self, limit: int = DEFAULT_DAILY_LIMIT) -> None:
        self.limit, self.used = limit, 0
        self._calls: list[ApiCall] = []
        self._lock = threading.Lock()

    def charge(self, method: str, path: str) -> None:
        with self._lock:
            if self.used >= self.limit:
                raise request_limit()
            self.used += 1
            self._calls.append(ApiCall(method, path))

    def header(self) -> str:
        """The Sforce-Limit-Info value, as the REST API sends it."""
        with self._lock:
            return f"api-usage={self.used}/{self.limit}"

    def set(self, *, limit: int | None = None, used: int | None = None) -> None:
        with self._lock:
            self.limit = self.limit if limit is None else limit
            self.used = self.used if used is None else used

    @property
    def calls(self) -> list[ApiCall]:
        """Every charged call since start (or the last `reset_calls()`), oldest first."""
        with self._lock:
            return list(self._calls)

    def reset_calls(self) -> None:
        with self._lock:
            self._calls.clear()


class Faults:
    """Outages to inject: the next N requests answer 503, or hang for `stall_seconds` and then fail unprocessed."""

    def __init__(self, stall_seconds: float = 2.0) -> None:
        self.stall_seconds = stall_seconds
        self._queue: deque[FaultKind] = deque()
        self._lock = threading.Lock()
        self._closing = threading.Event()

    def fail_next(self, n: int, kind: FaultKind = "unavailable") -> None:
        with self._lock:
            self._queue.extend([kind] * n)

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()

    def close(self) -> None:
        """Release hanging requests (at shutdown)."""
        self._closing.set()

    def take(self) -> None:
        """Raise the next injected fault, if any is queued."""
        with self._lock:
            kind = self._queue.popleft() if self._queue else None
        if kind is None:
            return
        if kind == "timeout":
            self._closing.wait(self.stall_seconds)  # longer than the client's read timeout: it gives up first
        raise ApiError(503, "SERVER_UNAVAILABLE", "Server temporarily unavailable; please try again later.")
