"""Progress lines on stderr, each stamped with the demo clock's time (UTC), so stdout can stay one JSON object."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

Write = Callable[[str], None]


class Progress:
    """Writes "[Tue 14:30:02] what happened" lines; with no `write`, says nothing."""

    def __init__(self, clock: Callable[[], datetime], write: Write | None) -> None:
        self._clock = clock
        self._write = write

    def say(self, text: str) -> None:
        if self._write is not None:
            self._write(f"[{self._clock():%a %H:%M:%S}] {text}")

    def plain(self, text: str) -> None:
        if self._write is not None:
            self._write(text)


def duration(delta: timedelta) -> str:
    """A jump's length as people say it: "1 h 30 min", "23 h 59 min", "45 s"."""
    seconds = int(delta.total_seconds())
    if seconds < 60:
        return f"{seconds} s"
    hours, minutes = divmod(seconds // 60, 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"
