"""Time zones for runs against the emulators: one where it is a given local hour right now.

Tests, the benchmarks and anything else that texts through the real contact policy on the real clock give their
leads such a zone, so the policy's window (08:00-21:00) is open for hours whatever time the run starts.
"""

from __future__ import annotations

from datetime import UTC, datetime


def zone_at_hour(now: datetime, hour: int = 12) -> str:
    """An IANA Etc/GMT zone in which `now` falls in the local hour `hour` (0-23)."""
    offset = hour - now.astimezone(UTC).hour
    if offset > 14:
        offset -= 24
    elif offset < -12:
        offset += 24
    # Etc/GMT signs are inverted: Etc/GMT-3 is UTC+3.
    return "Etc/UTC" if offset == 0 else f"Etc/GMT{-offset:+d}"
