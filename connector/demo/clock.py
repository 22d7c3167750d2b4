"""The demo's clock: virtual time that runs at real speed and jumps ahead when nothing is due until later.

The connector (Container.clock), the Salesforce emulator (a callable) and the Twilio emulator (an object with
`now()`) all read this one clock, so a text deferred "until 08:00 in Los Angeles" goes out as soon as the demo jumps
there, and every timestamp on both sides of the wire agrees.

    clock = DemoClock(datetime(2026, 11, 24, 14, 30, tzinfo=UTC))
    clock()                      # 14:30:00.4, a moment later
    clock.jump_to(datetime(2026, 11, 24, 16, 0, tzinfo=UTC))
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


class DemoClock:
    """Virtual UTC time: `start` plus the real time elapsed since, plus every jump so far; it never goes back."""

    def __init__(self, start: datetime, monotonic: Callable[[], float] = time.monotonic) -> None:
        if start.tzinfo is None:
            raise ValueError("DemoClock needs a timezone-aware start")
        self._start = start.astimezone(UTC)
        self._monotonic = monotonic
        self._base = monotonic()
        self._skipped = timedelta(0)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The virtual time (the Twilio emulator's Clock protocol)."""
        with self._lock:
            return self._start + self._skipped + timedelta(seconds=self._monotonic() - self._base)

    def __call__(self) -> datetime:
        """The virtual time (Container.clock and the Salesforce emulator call the clock)."""
        return self.now()

    @property
    def skipped(self) -> timedelta:
        """How far the clock has jumped in all."""
        with self._lock:
            return self._skipped

    def jump_to(self, when: datetime) -> timedelta:
        """Move ahead to `when` and return by how much; a moment already past moves nothing."""
        with self._lock:
            now = self._start + self._skipped + timedelta(seconds=self._monotonic() - self._base)
            step = max(when.astimezone(UTC) - now, timedelta(0))
            self._skipped += step
            return step
