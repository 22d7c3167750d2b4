"""Pacing sends: a token bucket per sender, below the provider's messages-per-second limit by design, and backoff.

Each process paces itself: with several workers sharing one sender (PostgreSQL, SKIP LOCKED claims) each gets
`per_second / processes`, so together they stay under the limit even when all are busy. A 429 still halves the
sender's pace (and each success wins a tenth of it back), in case the provider's limit is lower than configured.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

# A throttled sender never drops below this share of its configured pace.
MIN_SHARE = 1 / 16
RECOVERY_SHARE = 1 / 10


@dataclass
class _Bucket:
    rate: float
    tokens: float
    last: float


class RateLimiter:
    """Messages per second per sender key; `reserve()` takes a token and says how long to wait before using it."""

    def __init__(
        self,
        per_second: float,
        *,
        burst: float = 1.0,
        processes: int = 1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if per_second <= 0 or burst < 1 or processes < 1:
            raise ValueError("per_second must be > 0, burst >= 1 and processes >= 1")
        self.rate = per_second / processes
        self.burst = burst
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def reserve(self, key: str) -> float:
        """Take the next token for `key`; the seconds until it is due (0.0 when it is available now).

        Tokens may be owed (the balance goes below zero), so callers that reserve together queue up in order,
        each waiting one interval more than the one before, as golang.org/x/time/rate's Reserve does.
        """
        with self._lock:
            bucket = self._refill(key)
            bucket.tokens -= 1
            return 0.0 if bucket.tokens >= 0 else -bucket.tokens / bucket.rate

    def slow_down(self, key: str) -> None:
        """The provider said 429: halve this sender's pace (down to MIN_SHARE of the configured one)."""
        with self._lock:
            bucket = self._refill(key)
            bucket.rate = max(self.rate * MIN_SHARE, bucket.rate / 2)

    def speed_up(self, key: str) -> None:
        """A send went through: win back RECOVERY_SHARE of the configured pace, up to it."""
        with self._lock:
            bucket = self._refill(key)
            bucket.rate = min(self.rate, bucket.rate + self.rate * RECOVERY_SHARE)

    def pace(self, key: str) -> float:
        """The messages per second `key` is allowed now."""
        with self._lock:
            return self._refill(key).rate

    def _refill(self, key: str) -> _Bucket:
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(self.rate, self.burst, now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.last) * bucket.rate)
        bucket.last = now
        return bucket


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with jitter: `base` doubling per attempt up to `cap`; fail after `max_attempts`."""

    base: timedelta = timedelta(seconds=5)
    cap: timedelta = timedelta(minutes=15)
    max_attempts: int = 12
    jitter: float = 0.25

    def delay(self, attempt: int, rand: float) -> timedelta:
        """The wait after failed attempt `attempt` (1-based): base·2^(attempt-1) ± jitter, at most `cap`."""
        raw = self.base.total_seconds() * 2 ** min(attempt - 1, 32)
        return timedelta(seconds=min(self.cap.total_seconds(), raw * (1 + self.jitter * (2 * rand - 1))))
