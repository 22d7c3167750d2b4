"""Salesforce record ids: 15-character case-sensitive ids and their 18-character case-safe form."""

from __future__ import annotations

import itertools
import re
import threading

_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_ID = re.compile(r"^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$")
POD = "5e"  # the two characters after the key prefix name the instance; any fixed pair will do


def _suffix(id15: str) -> str:
    # REST API guide: for each 5-character chunk, bit i is set when character i is an uppercase letter.
    out = []
    for chunk in (id15[0:5], id15[5:10], id15[10:15]):
        bits = sum(1 << i for i, ch in enumerate(chunk) if "A" <= ch <= "Z")
        out.append(_SUFFIX_ALPHABET[bits])
    return "".join(out)


def to18(value: str) -> str | None:
    """The 18-character form of a 15- or 18-character id; None when `value` is not an id at all.

    The first 15 characters are the id; a wrong case-safe suffix is recomputed rather than refused.
    """
    if not isinstance(value, str) or not _ID.match(value):
        return None
    id15 = value[:15]
    return id15 + _suffix(id15)


def is_id(value: object) -> bool:
    """Whether `value` is a well-formed 15- or 18-character id."""
    return isinstance(value, str) and to18(value) is not None


def prefix(value: str) -> str:
    """The key prefix of an id: "00Q" for a Lead."""
    return value[:3]


class IdFactory:
    """Makes fresh 18-character ids per key prefix; thread-safe, never reuses an id."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    def new(self, key_prefix: str) -> str:
        with self._lock:
            n = next(self._counter)
        digits = []
        for _ in range(10):
            n, rem = divmod(n, 62)
            digits.append(_BASE62[rem])
        id15 = key_prefix + POD + "".join(reversed(digits))
        return id15 + _suffix(id15)
