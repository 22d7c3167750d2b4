"""SOQL built from parts, never pasted: names are checked, values are quoted and escaped per Salesforce's rules.

    select("Lead", ["Id", "Owner.Name"], where=any_of(eq("Email", email), like("Phone", "0", "1", "8", "8")))

SOQL and SOSL reference, "Quoted String Escape Sequences": in a string literal a backslash and a single quote
must be escaped (\\\\, \\'), and newline, carriage return, tab, backspace and form feed have escapes too; in a LIKE
pattern, \\% and \\_ match a literal percent sign and underscore. Identifiers cannot be quoted at all, so they are
checked against the API name grammar instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,79}$")
_STRING_ESCAPES = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_LIKE_ESCAPES = {**_STRING_ESCAPES, "%": "\\%", "_": "\\_"}


class Clause:
    """A WHERE condition made by this module's functions only, so no caller can smuggle in raw text."""

    __slots__ = ("text",)

    def __init__(self, text: str, _token: object = None) -> None:
        if _token is not _MINT:
            raise TypeError("build clauses with eq(), like(), gt(), in_(), any_of(), all_of() or negate()")
        self.text = text

    def __repr__(self) -> str:
        return f"Clause({self.text!r})"


_MINT = object()
# SOQL date literals the connector sends (SOQL and SOSL reference, "Date Formats and Date Literals"); the ones
# with a colon take a whole number of days.
DATE_LITERALS = frozenset({"TODAY", "YESTERDAY", "TOMORROW"})
DATE_LITERALS_N = frozenset({"LAST_N_DAYS", "NEXT_N_DAYS", "N_DAYS_AGO"})


@dataclass(frozen=True)
class DateLiteral:
    """A relative date such as LAST_N_DAYS:180, which the org resolves in its own time zone when it runs the query."""

    word: str
    n: int | None = None

    def __post_init__(self) -> None:
        if self.word in DATE_LITERALS and self.n is None:
            return
        if self.word in DATE_LITERALS_N and isinstance(self.n, int) and not isinstance(self.n, bool) and self.n >= 0:
            return
        raise ValueError(f"not a SOQL date literal: {self.word}{'' if self.n is None else f':{self.n}'}")

    def __str__(self) -> str:
        return self.word if self.n is None else f"{self.word}:{self.n}"


def name(value: str) -> str:
    """An object or field API name, or a relationship path like Owner.Name; ValueError for anything else."""
    parts = value.split(".") if isinstance(value, str) else [""]
    if not all(_NAME.match(part) for part in parts):
        raise ValueError(f"not a Salesforce API name: {value!r}")
    return value


def quote(value: str) -> str:
    """A string literal: "O'Brien \\ Co" -> 'O\\'Brien \\\\ Co'."""
    return "'" + "".join(_STRING_ESCAPES.get(ch, ch) for ch in value) + "'"


def literal(value: object) -> str:
    """Any Python value as a SOQL literal: strings quoted, datetimes as UTC datetime literals (unquoted)."""
    if value is None:
        return "null"
    if isinstance(value, DateLiteral):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime):
        stamp = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
        # Whole seconds, rounded down: a filter "> since" then never skips a record stamped within that second.
        return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return quote(value)
    raise TypeError(f"no SOQL literal for {type(value).__name__}")


def _mint(text: str) -> Clause:
    return Clause(text, _MINT)


def _compare(field: str, op: str, value: object) -> Clause:
    return _mint(f"{name(field)} {op} {literal(value)}")


def eq(field: str, value: object) -> Clause:
    return _compare(field, "=", value)


def ne(field: str, value: object) -> Clause:
    return _compare(field, "!=", value)


def gt(field: str, value: object) -> Clause:
    return _compare(field, ">", value)


def ge(field: str, value: object) -> Clause:
    return _compare(field, ">=", value)


def lt(field: str, value: object) -> Clause:
    return _compare(field, "<", value)


def le(field: str, value: object) -> Clause:
    return _compare(field, "<=", value)


def in_(field: str, values: Iterable[object]) -> Clause:
    items = [literal(v) for v in values]
    if not items:
        raise ValueError("IN needs at least one value")
    return _mint(f"{name(field)} IN ({', '.join(items)})")


def like(field: str, *parts: str, start: bool = True, end: bool = True, between: bool = True) -> Clause:
    """LIKE with every part matched literally and % wildcards at the start, at the end and between the parts."""
    escaped = ["".join(_LIKE_ESCAPES.get(ch, ch) for ch in part) for part in parts]
    body = ("%" if between else "").join(escaped)
    return _mint(f"{name(field)} LIKE '{'%' if start else ''}{body}{'%' if end else ''}'")


def _join(joiner: str, clauses: Sequence[Clause]) -> Clause:
    if not clauses:
        raise ValueError(f"{joiner} needs at least one clause")
    if len(clauses) == 1:
        return clauses[0]
    # SOQL refuses AND and OR side by side without parentheses, so every group is parenthesised.
    return _mint(f" {joiner} ".join(f"({c.text})" for c in clauses))


def any_of(*clauses: Clause) -> Clause:
    return _join("OR", clauses)


def all_of(*clauses: Clause) -> Clause:
    return _join("AND", clauses)


def negate(clause: Clause) -> Clause:
    return _mint(f"NOT ({clause.text})")


def select(
    obj: str,
    fields: Sequence[str],
    *,
    where: Clause | None = None,
    order_by: Sequence[tuple[str, bool]] = (),
    limit: int | None = None,
) -> str:
    """A SELECT with each field once (case-insensitively); order_by is (field, descending) pairs."""
    unique: dict[str, str] = {}
    for field in fields:
        unique.setdefault(name(field).lower(), field)
    if not unique:
        raise ValueError("SELECT needs at least one field")
    text = f"SELECT {', '.join(unique.values())} FROM {name(obj)}"
    if where is not None:
        if not isinstance(where, Clause):
            raise TypeError("where must be a Clause")
        text += f" WHERE {where.text}"
    if order_by:
        text += " ORDER BY " + ", ".join(f"{name(f)} {'DESC' if desc else 'ASC'}" for f, desc in order_by)
    if limit is not None:
        text += f" LIMIT {int(limit)}"
    return text
