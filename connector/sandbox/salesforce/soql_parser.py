"""SOQL for the emulator: a lexer and recursive-descent parser for the subset the connector sends.

    SELECT Id, Name, Owner.Name FROM Lead
    WHERE (MobilePhone LIKE '%0188' OR Phone LIKE '%0188') AND NOT Status IN ('Closed - Converted')
      AND SystemModstamp > 2026-11-23T14:05:11Z AND CreatedDate = LAST_N_DAYS:7
    ORDER BY SystemModstamp ASC NULLS FIRST, Id LIMIT 500 OFFSET 10

Mixing AND and OR at one level without parentheses is refused, as Salesforce does; bind variables, GROUP BY,
sub-queries, TYPEOF and FIELDS() are outside the subset and answer MALFORMED_QUERY.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from connector.sandbox.salesforce.errors import ApiError

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<string>'(?:[^'\\]|\\.)*')
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2}))
  | (?P<date>\d{4}-\d{2}-\d{2}(?![\dT]))
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*(?::\d+)?)
  | (?P<op>!=|<>|<=|>=|=|<|>)
  | (?P<punct>[(),])
    """,
    re.VERBOSE,
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
KEYWORDS = frozenset(
    {"SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "LIKE", "ORDER", "BY", "ASC", "DESC", "NULLS", "FIRST"}
    | {"LAST", "LIMIT", "OFFSET", "TRUE", "FALSE", "NULL"}
)
DATE_LITERALS = frozenset({"TODAY", "YESTERDAY", "TOMORROW", "LAST_N_DAYS", "NEXT_N_DAYS", "N_DAYS_AGO"})


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    pos: int


@dataclass(frozen=True)
class FieldRef:
    """A field path as written: ("Owner", "Name"); `pos` is its offset in the query, for error carets."""

    path: tuple[str, ...]
    pos: int


@dataclass(frozen=True)
class Lit:
    """A literal: kind is string, number, bool, null, date, datetime or range (TODAY, LAST_N_DAYS:n)."""

    kind: str
    value: Any
    raw: str
    pos: int
    pattern: str | None = None  # for strings: the LIKE regex


@dataclass(frozen=True)
class Cmp:
    field: FieldRef
    op: str  # = != < > <= >= LIKE
    value: Lit


@dataclass(frozen=True)
class In:
    field: FieldRef
    values: tuple[Lit, ...]
    negated: bool


@dataclass(frozen=True)
class BoolOp:
    op: str  # AND, OR
    items: tuple[Any, ...]


@dataclass(frozen=True)
class Not:
    item: Any


@dataclass(frozen=True)
class Order:
    field: FieldRef
    desc: bool
    nulls_last: bool


@dataclass(frozen=True)
class Query:
    text: str
    fields: tuple[FieldRef, ...]
    count: bool
    obj: str
    obj_pos: int
    where: Any
    order: tuple[Order, ...]
    limit: int | None
    offset: int | None


def located(text: str, pos: int, message: str, code: str = "MALFORMED_QUERY") -> ApiError:
    """An error pointing at `pos`, in Salesforce's "ERROR at Row:r:Column:c" form."""
    row = text.count("\n", 0, pos) + 1
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    line = text[start : end if end >= 0 else len(text)]
    column = pos - start + 1
    return ApiError(400, code, f"\n{line}\n{' ' * (column - 1)}^\nERROR at Row:{row}:Column:{column}\n{message}")


def decode_string(raw: str, text: str, pos: int) -> tuple[str, str]:
    """A quoted literal's value, and the regex it means as a LIKE pattern (where \\% and \\_ are literal)."""
    value, pattern, i = [], [], 0
    while i < len(raw):
        ch = raw[i]
        if ch != "\\":
            value.append(ch)
            pattern.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
            i += 1
            continue
        nxt = raw[i + 1]
        if nxt.lower() in _ESCAPES or nxt in "%_":
            decoded = _ESCAPES.get(nxt.lower(), nxt)
        elif nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", raw[i + 2 : i + 6]):
            decoded = chr(int(raw[i + 2 : i + 6], 16))
            i += 4
        else:
            message = f"Invalid string literal '{raw}'. Illegal character sequence '\\{nxt}' in string literal."
            raise located(text, pos + i + 1, message)
        value.append(decoded)
        pattern.append(re.escape(decoded))
        i += 2
    return "".join(value), "".join(pattern)


def tokenize(text: str) -> list[Token]:
    tokens, pos = [], 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            raise located(text, pos, f"unexpected token: '{text[pos]}'")
        kind = match.lastgroup or ""
        if kind != "ws":
            tokens.append(Token(kind, match.group(), pos))
        pos = match.end()
    tokens.append(Token("eof", "<EOF>", len(text)))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def fail(self, tok: Token | None = None) -> ApiError:
        tok = tok or self.tok
        return located(
            self.text, tok.pos, f"unexpected token: '{tok.text}'" if tok.kind != "eof" else "unexpected token: <EOF>"
        )

    def keyword(self, *words: str) -> str | None:
        if self.tok.kind == "name" and self.tok.text.upper() in words:
            word = self.tok.text.upper()
            self.i += 1
            return word
        return None

    def expect(self, word: str) -> None:
        if self.keyword(word) is None:
            raise self.fail()

    def punct(self, ch: str) -> bool:
        if self.tok.kind == "punct" and self.tok.text == ch:
            self.i += 1
            return True
        return False

    def field(self) -> FieldRef:
        tok = self.tok
        if tok.kind != "name" or tok.text.upper() in KEYWORDS or ":" in tok.text:
            raise self.fail()
        self.i += 1
        return FieldRef(tuple(tok.text.split(".")), tok.pos)

    def integer(self) -> int:
        tok = self.tok
        if tok.kind != "number" or not tok.text.isdigit():
            raise self.fail()
        self.i += 1
        return int(tok.text)

    def query(self) -> Query:
        self.expect("SELECT")
        count = False
        fields: list[FieldRef] = []
        if self.tok.text.upper() == "COUNT" and self.tokens[self.i + 1].text == "(":
            self.i += 2
            if not self.punct(")"):
                raise self.fail()
            count = True
        else:
            fields.append(self.field())
            while self.punct(","):
                fields.append(self.field())
        self.expect("FROM")
        obj_tok = self.tok
        if obj_tok.kind != "name" or "." in obj_tok.text or obj_tok.text.upper() in KEYWORDS:
            raise self.fail()
        self.i += 1
        where = self.condition() if self.keyword("WHERE") else None
        order: list[Order] = []
        if self.keyword("ORDER"):
            self.expect("BY")
            order.append(self.order_item())
            while self.punct(","):
                order.append(self.order_item())
        limit = self.integer() if self.keyword("LIMIT") else None
        offset = self.integer() if self.keyword("OFFSET") else None
        if self.tok.kind != "eof":
            raise self.fail()
        return Query(self.text, tuple(fields), count, obj_tok.text, obj_tok.pos, where, tuple(order), limit, offset)

    def order_item(self) -> Order:
        ref = self.field()
        desc = self.keyword("ASC", "DESC") == "DESC"
        nulls_last = desc
        if self.keyword("NULLS"):
            nulls_last = self.keyword("FIRST", "LAST") == "LAST"
        return Order(ref, desc, nulls_last)

    def condition(self) -> Any:
        items = [self.unary()]
        joiner = None
        while True:
            word = self.keyword("AND", "OR")
            if word is None:
                break
            if joiner is not None and word != joiner:
                raise self.fail(self.tokens[self.i - 1])  # SOQL needs parentheses to mix AND and OR
            joiner = word
            items.append(self.unary())
        return items[0] if joiner is None else BoolOp(joiner, tuple(items))

    def unary(self) -> Any:
        if self.keyword("NOT"):
            return Not(self.unary())
        if self.punct("("):
            inner = self.condition()
            if not self.punct(")"):
                raise self.fail()
            return inner
        ref = self.field()
        if self.keyword("NOT"):
            self.expect("IN")
            return In(ref, self.literal_list(), True)
        if self.keyword("IN"):
            return In(ref, self.literal_list(), False)
        if self.keyword("LIKE"):
            return Cmp(ref, "LIKE", self.literal())
        if self.tok.kind != "op":
            raise self.fail()
        op = "!=" if self.tok.text == "<>" else self.tok.text
        self.i += 1
        return Cmp(ref, op, self.literal())

    def literal_list(self) -> tuple[Lit, ...]:
        if not self.punct("("):
            raise self.fail()
        values = [self.literal()]
        while self.punct(","):
            values.append(self.literal())
        if not self.punct(")"):
            raise self.fail()
        return tuple(values)

    def literal(self) -> Lit:
        tok = self.tok
        self.i += 1
        if tok.kind == "string":
            value, pattern = decode_string(tok.text[1:-1], self.text, tok.pos + 1)
            return Lit("string", value, tok.text, tok.pos, pattern)
        if tok.kind == "number":
            return Lit("number", float(tok.text) if "." in tok.text else int(tok.text), tok.text, tok.pos)
        if tok.kind in ("date", "datetime"):
            return Lit(tok.kind, tok.text, tok.text, tok.pos)
        if tok.kind == "name":
            word, _, n = tok.text.upper().partition(":")
            if word in ("TRUE", "FALSE") and not n:
                return Lit("bool", word == "TRUE", tok.text, tok.pos)
            if word == "NULL" and not n:
                return Lit("null", None, tok.text, tok.pos)
            if word in DATE_LITERALS and (bool(n) == ("_N_" in word)):
                return Lit("range", (word, int(n or 0)), tok.text, tok.pos)
        raise self.fail(tok)


def parse(text: str) -> Query:
    """Parse a SOQL query; raises ApiError(400, MALFORMED_QUERY) with Salesforce's message shape."""
    return _Parser(text).query()
