"""Durations as admins write them in flows: "90s", "30m", "24h", "7d", "1w", or combined "1h30m"."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

_PART = re.compile(r"(\d+)\s*(w|d|h|m|s)")
_WHOLE = re.compile(r"^\s*(?:\d+\s*[wdhms]\s*)+$")
_UNIT_SECONDS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}


def parse_duration(text: Any) -> timedelta:
    """Parse "2h", "1h30m", "7d"; raise ValueError with the expected form on anything else."""
    if isinstance(text, timedelta):
        return text
    if not isinstance(text, str) or not _WHOLE.match(text):
        raise ValueError(f'expected a duration like "2h", "30m" or "7d", got {text!r}')
    seconds = sum(int(n) * _UNIT_SECONDS[u] for n, u in _PART.findall(text))
    if seconds <= 0:
        raise ValueError(f"a duration must be longer than zero, got {text!r}")
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """The shortest admin form of a duration: 93600s -> "1d2h"."""
    seconds = int(value.total_seconds())
    parts = []
    for unit in ("d", "h", "m", "s"):
        size = _UNIT_SECONDS[unit]
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts) or "0s"


Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^\s*(\d+\s*[wdhms]\s*)+$", "examples": ["24h", "30m", "7d"]}),
]
