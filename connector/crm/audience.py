"""Who a campaign texts: a condition on one CRM object, written as a SOQL WHERE clause and parsed into typed parts.

    LastActivityDate < LAST_N_DAYS:180 AND SMS_Marketing_Opt_In__c = true
    (LeadSource IN ('Web', 'Webinar') OR Rating = 'Hot') AND NOT Status = 'Closed - Converted'

The subset: comparisons (`=  !=  <>  <  <=  >  >=`) of a field with a literal, `IN (...)` and `NOT IN (...)`,
`AND`, `OR`, `NOT` and parentheses; mixing AND and OR at one level without parentheses is refused, as Salesforce
refuses it. Literals: 'quoted text' (SOQL escapes), numbers, true/false/null, dates (2026-11-23), date-times
(2026-11-23T14:00:00Z) and the date literals TODAY, YESTERDAY, TOMORROW, LAST_N_DAYS:n, NEXT_N_DAYS:n and
N_DAYS_AGO:n. The admin's text is never sent as it is: the Salesforce adapter rebuilds the clause from these parts
through soql.py (names checked, values quoted), and FakeCrm evaluates the same parts in Python.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

Op = Literal["=", "!=", "<", "<=", ">", ">="]
RELATIVE = frozenset({"TODAY", "YESTERDAY", "TOMORROW"})
RELATIVE_N = frozenset({"LAST_N_DAYS", "NEXT_N_DAYS", "N_DAYS_AGO"})
MAX_LENGTH = 4000
MAX_DEPTH = 32


class AudienceError(ValueError):
    """A condition that cannot be read; `column` (0-based) points at the problem."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(f"{message} (at character {column + 1})")
        self.message, self.column = message, column


@dataclass(frozen=True)
class RelativeDate:
    """A date literal the CRM resolves when it runs the query: LAST_N_DAYS:180 is the last 180 days and today."""

    word: str
    n: int | None = None

    def span(self, today: date) -> tuple[date, date]:
        """The days it covers, [start, end), as SOQL reads it."""
        n = self.n or 0
        return {
            "TODAY": (today, today + timedelta(days=1)),
            "YESTERDAY": (today - timedelta(days=1), today),
            "TOMORROW": (today + timedelta(days=1), today + timedelta(days=2)),
            "LAST_N_DAYS": (today - timedelta(days=n), today + timedelta(days=1)),
            "NEXT_N_DAYS": (today + timedelta(days=1), today + timedelta(days=n + 1)),
            "N_DAYS_AGO": (today - timedelta(days=n), today - timedelta(days=n - 1)),
        }[self.word]

    def __str__(self) -> str:
        return self.word if self.n is None else f"{self.word}:{self.n}"


Value = str | int | float | bool | date | datetime | RelativeDate | None


@dataclass(frozen=True)
class Compare:
    field: str
    op: Op
    value: Value


@dataclass(frozen=True)
class In:
    field: str
    values: tuple[Value, ...]
    negated: bool = False


@dataclass(frozen=True)
class AllOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    item: Condition


Condition = Compare | In | AllOf | AnyOf | Not


# ---- reading the admin's text -------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<string>'(?:[^'\\]|\\.)*')
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2}))
  | (?P<date>\d{4}-\d{2}-\d{2}(?![\dT]))
  | (?P<number>-?\d+(?:\.\d+)?(?![\w.]))
  | (?P<name>[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)*(?::\d+)?)
  | (?P<op>!=|<>|<=|>=|=|<|>)
  | (?P<punct>[(),])
    """,
    re.VERBOSE,
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_WORDS = {"true": True, "false": False, "null": None}


@dataclass(frozen=True)
class _Tok:
    kind: str
    text: str
    pos: int


def _tokens(text: str) -> list[_Tok]:
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            if text[pos] == "'":
                raise AudienceError("the text starting here has no closing '", pos)
            hint = "quote text with ' (single quotes)" if text[pos] == '"' else "expected a field, value or operator"
            raise AudienceError(f"{hint}, found {text[pos]!r}", pos)
        if m.lastgroup != "ws":
            out.append(_Tok(m.lastgroup or "", m.group(), pos))
        pos = m.end()
    out.append(_Tok("end", "", len(text)))
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks, self.i, self.depth = _tokens(text), 0, 0

    @property
    def tok(self) -> _Tok:
        return self.toks[self.i]

    def word(self, *words: str) -> bool:
        if self.tok.kind == "name" and self.tok.text.upper() in words:
            self.i += 1
            return True
        return False

    def fail(self, expected: str) -> AudienceError:
        found = "the end" if self.tok.kind == "end" else repr(self.tok.text)
        return AudienceError(f"expected {expected}, found {found}", self.tok.pos)

    def condition(self) -> Condition:
        first = self.unary()
        joiner = "AND" if self.word("AND") else "OR" if self.word("OR") else None
        if joiner is None:
            return first
        items = [first, self.unary()]
        while self.tok.kind == "name" and self.tok.text.upper() in ("AND", "OR"):
            if self.tok.text.upper() != joiner:
                raise AudienceError("put parentheses around AND and OR mixed at one level", self.tok.pos)
            self.i += 1
            items.append(self.unary())
        return AllOf(tuple(items)) if joiner == "AND" else AnyOf(tuple(items))

    def unary(self) -> Condition:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise AudienceError(f"nested more than {MAX_DEPTH} deep", self.tok.pos)
        try:
            if self.word("NOT"):
                return Not(self.unary())
            if self.tok.kind == "punct" and self.tok.text == "(":
                self.i += 1
                inner = self.condition()
                if not (self.tok.kind == "punct" and self.tok.text == ")"):
                    raise self.fail("')'")
                self.i += 1
                return inner
            return self.comparison()
        finally:
            self.depth -= 1

    def comparison(self) -> Condition:
        if self.tok.kind != "name" or ":" in self.tok.text or self.tok.text.upper() in ("AND", "OR", "NOT", "IN"):
            raise self.fail("a field name")
        field = self.tok.text
        self.i += 1
        negated = self.word("NOT")
        if self.word("IN"):
            return In(field, self.values(), negated)
        if negated:
            raise self.fail("IN after NOT")
        if self.tok.kind != "op":
            raise self.fail("an operator (=, !=, <, <=, >, >=, IN, NOT IN)")
        op = "!=" if self.tok.text == "<>" else self.tok.text
        self.i += 1
        return Compare(field, op, self.value())  # type: ignore[arg-type]

    def values(self) -> tuple[Value, ...]:
        if not (self.tok.kind == "punct" and self.tok.text == "("):
            raise self.fail("'(' and a list of values")
        self.i += 1
        items = [self.value()]
        while self.tok.kind == "punct" and self.tok.text == ",":
            self.i += 1
            items.append(self.value())
        if not (self.tok.kind == "punct" and self.tok.text == ")"):
            raise self.fail("',' or ')'")
        self.i += 1
        return tuple(items)

    def value(self) -> Value:
        tok = self.tok
        self.i += 1
        if tok.kind == "string":
            return _unquote(tok)
        if tok.kind == "number":
            return float(tok.text) if "." in tok.text else int(tok.text)
        if tok.kind == "date":
            return _parse_date(tok)
        if tok.kind == "datetime":
            return _parse_datetime(tok)
        if tok.kind == "name":
            word, _, n = tok.text.upper().partition(":")
            if word.lower() in _WORDS and not n:
                return _WORDS[word.lower()]
            if word in RELATIVE and not n:
                return RelativeDate(word)
            if word in RELATIVE_N and n:
                return RelativeDate(word, int(n))
            if word in RELATIVE_N:
                raise AudienceError(f"{word} needs a number of days, like {word}:30", tok.pos)
        self.i -= 1
        raise self.fail("a value ('text', a number, true, false, null, a date or a date literal)")


def _unquote(tok: _Tok) -> str:
    out, body, i = [], tok.text[1:-1], 0
    while i < len(body):
        if body[i] == "\\":
            escaped = body[i + 1]
            if escaped not in _ESCAPES:
                raise AudienceError(f"unknown escape \\{escaped} in text", tok.pos + i + 1)
            out.append(_ESCAPES[escaped])
            i += 2
        else:
            out.append(body[i])
            i += 1
    return "".join(out)


def _parse_date(tok: _Tok) -> date:
    try:
        return date.fromisoformat(tok.text)
    except ValueError:
        raise AudienceError(f"{tok.text} is not a date", tok.pos) from None


def _parse_datetime(tok: _Tok) -> datetime:
    try:
        return datetime.fromisoformat(tok.text.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        raise AudienceError(f"{tok.text} is not a date-time", tok.pos) from None


def parse(text: str) -> Condition | None:
    """The condition in `text`; None for an empty text (every record). AudienceError says what is wrong, and where."""
    if len(text) > MAX_LENGTH:
        raise AudienceError(f"longer than {MAX_LENGTH} characters", MAX_LENGTH)
    if not text.strip():
        return None
    parser = _Parser(text)
    condition = parser.condition()
    if parser.tok.kind != "end":
        raise parser.fail("AND, OR or the end")
    return condition


def field_names(condition: Condition | None) -> list[str]:
    """Every field the condition reads, in order, once each."""
    if condition is None:
        return []
    if isinstance(condition, Compare | In):
        return [condition.field]
    items = (condition.item,) if isinstance(condition, Not) else condition.items
    return list(dict.fromkeys(name for item in items for name in field_names(item)))


# ---- applying it to a record (FakeCrm, and anyone checking a record in Python) -------------------------------


def matches(condition: Condition | None, record: dict[str, Any], today: date) -> bool:
    """Whether a record (REST shape: relationships nested) is in the audience, with SOQL's rules for nulls."""
    if condition is None:
        return True
    if isinstance(condition, AllOf):
        return all(matches(item, record, today) for item in condition.items)
    if isinstance(condition, AnyOf):
        return any(matches(item, record, today) for item in condition.items)
    if isinstance(condition, Not):
        return not matches(condition.item, record, today)
    actual = _lookup(record, condition.field)
    if isinstance(condition, In):
        return any(_compare(actual, "=", v, today) for v in condition.values) != condition.negated
    return _compare(actual, condition.op, condition.value, today)


def _lookup(record: dict[str, Any], path: str) -> Any:
    current: Any = record
    for part in path.split("."):
        if not isinstance(current, dict):
            return None
        # Field names are case-insensitive in SOQL.
        current = current.get(part, next((v for k, v in current.items() if k.lower() == part.lower()), None))
    return current


def _compare(actual: Any, op: Op, wanted: Value, today: date) -> bool:
    if isinstance(wanted, RelativeDate):
        start, end = wanted.span(today)
        when = _as_time(actual)
        if when is None:
            return op == "!="
        if isinstance(when, datetime):
            start, end = (datetime.combine(d, time(), UTC) for d in (start, end))  # type: ignore[assignment]
        inside = start <= when < end  # type: ignore[operator]
        return {"=": inside, "!=": not inside, "<": when < start, "<=": when < end,  # type: ignore[operator]
                ">": when >= end, ">=": when >= start}[op]  # type: ignore[operator]  # fmt: skip
    left, right = _comparable(actual, wanted)
    if op in ("=", "!="):
        return (left == right) == (op == "=")
    if left is None or right is None:
        return False
    try:
        return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]
    except TypeError:
        return False


def _comparable(actual: Any, wanted: Value) -> tuple[Any, Any]:
    if actual is None or wanted is None:
        return actual, wanted
    if isinstance(wanted, bool):
        return (actual if isinstance(actual, bool) else str(actual).lower() == "true"), wanted
    if isinstance(wanted, int | float):
        try:
            return float(actual), float(wanted)
        except (TypeError, ValueError):
            return None, wanted
    if isinstance(wanted, date):
        when = _as_time(actual)
        if isinstance(when, datetime) and not isinstance(wanted, datetime):
            return when, datetime.combine(wanted, time(), UTC)
        if isinstance(wanted, datetime) and when is not None and not isinstance(when, datetime):
            return datetime.combine(when, time(), UTC), wanted
        return when, wanted
    return str(actual).lower(), str(wanted).lower()  # SOQL compares text ignoring case


def _as_time(value: Any) -> date | datetime | None:
    """A date or date-time field's value (REST text: 2026-11-23 or 2026-11-23T14:05:11.000+0000) as Python."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return value
    text = str(value or "")
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
