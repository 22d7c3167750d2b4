"""Read a `text` reply of a kind: free, number, email, date or address, with light validation.

    address:
      send: "Which address should we send the pack to?"
      expect: {text: address, save_to: Street}   # kinds: free, number, email, date, address

free is trimmed and cut at 1000 characters; number takes exactly one ("1,234" is 1234, "3,5" is 3.5); email
exactly one; address 5..200 characters with a number and a word. A date is ISO, d/m/y with its year, or Chinese
2025年12月25日 (the engine has no clock to guess a year): 03/04/2025 is unknown, not guessed, but 25/12/2025 and
12/25/2025 are read as the numbers decide, and 25/12/25 is in 2025.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

_NUMBER = re.compile(r"(?<![\d.,])-?\d[\d.,]*(?<=\d)")
_NUMBER_FORMS = (
    (re.compile(r"-?\d+(\.\d+)?"), ""),
    (re.compile(r"-?\d+,\d{1,2}"), ","),
    (re.compile(r"-?\d{1,3}(,\d{3})+(\.\d+)?"), "thousands"),
)
_EMAIL = re.compile(r"[\w.%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_DATE = re.compile(r"\b(\d{4})[-/.](\d\d?)[-/.](\d\d?)\b|\b(\d\d?)[-/.](\d\d?)[-/.](\d{4}|\d\d)\b")
_CHINESE_DATE = re.compile(r"(\d{4})\s*年\s*(\d\d?)\s*月\s*(\d\d?)\s*[日号]")
TEXT_KINDS = ("free", "number", "email", "date", "address")


def _number(raw: str) -> str | None:
    found = _NUMBER.findall(raw)
    for pattern, form in _NUMBER_FORMS:
        if len(found) == 1 and pattern.fullmatch(found[0]):
            text = found[0].replace(",", "" if form == "thousands" else ".")
            return str(Decimal(text))
    return None


def _date(raw: str) -> tuple[date | None, str]:
    found = {(int(y), int(m), int(d)) for y, m, d in _CHINESE_DATE.findall(raw)}
    for match in _DATE.findall(_CHINESE_DATE.sub(" ", raw)):
        y, m, d, a, b, c = (int(x) if x else 0 for x in match)
        if y:  # ISO 2025-12-25
            found.add((y, m, d))
        elif a <= 12 and b <= 12 and a != b:
            return None, f"an unambiguous date: {a}/{b} could be day/month or month/day"
        else:  # the number above 12 is the day, whichever way round: 25/12/2025 or 12/25/2025
            found.add((c + 2000 if c < 100 else c, min(a, b), max(a, b)))
    if len(found) != 1:
        return None, "one date with its year" if not found else "one date, not several"
    try:
        return date(*found.pop()), "one date"
    except ValueError:
        return None, "a real date"


def read_text(raw: str, kind: str) -> tuple[str | None, str]:
    """The value a `text` reply of this kind holds (None if it holds none), and what was expected."""
    value: str | None
    if kind == "free":
        value, why = raw[:1000], "free text"
    elif kind == "number":
        value, why = _number(raw), "one number"
    elif kind == "email":
        emails = {e.rsplit("@", 1)[0] + "@" + e.rsplit("@", 1)[1].lower() for e in _EMAIL.findall(raw)}
        value, why = (emails.pop() if len(emails) == 1 else None), "one email address"
    elif kind == "date":
        when, why = _date(raw)
        value = when.isoformat() if when else None
    elif kind == "address":
        fits = 5 <= len(raw) <= 200 and re.search(r"\d", raw) and re.search(r"[^\W\d_]{2,}", raw)
        value, why = (raw if fits else None), "an address: 5 to 200 characters with a number and a word"
    else:
        raise ValueError(f"unknown text kind {kind!r}; expected free, number, email, date or address")
    return value, why
