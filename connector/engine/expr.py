"""Conditions as admins write them in flows: a small, safe expression language (never Python's eval).

    trigger:
      when: Status == 'Booking Offered' and not blank(MobilePhone)
      # LeadSource in ['Web', 'Webinar'] and Owner.Name != null and NumberOfEmployees >= 10
      # call.CallDisposition == 'No Answer' or contains(lower(call.CallDisposition), 'voicemail')

Loosest first: `or`, `and`, `not`, then one comparison (`==  !=  <  <=  >  >=  in  not in`; chains
such as `a < b < c` are refused), then values: 'single' or "double" quoted text (escapes \\ \' \" \n \t),
numbers (12, 4.5, -3), true/false/null in any case, lists [a, b], parentheses, dotted names (Owner.Name,
SMS_Opt_Out__c) and calls. `contains` is a function, not an operator, so every test reads the same way.
Functions: blank(x) (null or only spaces), lower(x), upper(x), len(x), contains(haystack, needle) and
startswith(text, prefix); the last two ignore case.

Data never raises: a missing name is null (a name is looked up exactly, then ignoring case, as Salesforce
does); null == null, but any ordering with null is false; a number and a numeric string ('10' in an
OutboundMessage) compare as numbers; the strings 'true'/'false' compare and test as booleans. Only a malformed
expression raises, at parse time: ExprError, with a message for admins and the 0-based column of the problem.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from connector.engine.expr_values import FUNCTIONS, MISSING, compare, lookup, truth

MAX_LENGTH = 2000
MAX_DEPTH = 32


class ExprError(ValueError):
    """A malformed expression: `message` says what was expected and what was found; `column` is 0-based."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.column = column


# ---- tokens ---------------------------------------------------------------------------------------------

_KEYWORDS, _LITERALS = {"and", "or", "not", "in"}, {"true": True, "false": False, "null": None}
_COMPARE = {"==", "!=", "<", "<=", ">", ">="}
_TOKEN = re.compile(
    r"(?P<num>\d+(?:\.\d+)?)|(?P<name>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)|(?P<op>[=!<>]=|[<>()\[\],-])", re.A
)
_ESCAPES = {"\\": "\\", "'": "'", '"': '"', "n": "\n", "t": "\t"}
_HINTS = {"=": "use '==' to compare", "!": "use 'not' or '!='", "&": "use 'and'", "|": "use 'or'"}


@dataclass(frozen=True)
class _Token:
    kind: str  # num, str, name, kw, op, end
    value: Any
    text: str
    pos: int


def _describe(tok: _Token) -> str:
    text = tok.text if len(tok.text) <= 20 else tok.text[:20] + "..."
    return "end of text" if tok.kind == "end" else text if tok.kind == "str" else f"'{text}'"


def _string(text: str, start: int) -> tuple[str, int]:
    quote, out, i = text[start], [], start + 1
    while i < len(text):
        if text[i] == quote:
            return "".join(out), i + 1
        if text[i] == "\\" and i + 1 < len(text):
            if text[i + 1] not in _ESCAPES:
                raise ExprError(f"unknown escape '\\{text[i + 1]}' in text; write \\\\ for a backslash", i)
            out.append(_ESCAPES[text[i + 1]])
            i += 1
        else:
            out.append(text[i])
        i += 1
    raise ExprError(f"the text starting here has no closing {quote}", start)


def _tokenize(text: str) -> list[_Token]:
    tokens, i = [], 0
    while i < len(text):
        if text[i].isspace():  # any white space, so a pasted non-breaking space is harmless
            i += 1
            continue
        if text[i] in "'\"":
            value, end = _string(text, i)
            tokens.append(_Token("str", value, text[i:end], i))
            i = end
            continue
        m = _TOKEN.match(text, i)
        if m is None:
            raise ExprError(f"{_HINTS.get(text[i], 'expected a value or an operator')}, found '{text[i]}'", i)
        kind, word, end = m.lastgroup or "op", m.group(), m.end()
        if kind != "op" and end < len(text) and (text[end].isalnum() or text[end] in "._"):
            word = re.split(r"[^\w.]", text[i:], maxsplit=1)[0]
            raise ExprError(f"expected a name or a number, found '{word}'", i)
        if kind == "num":
            tokens.append(_Token("num", float(word) if "." in word else int(word), word, i))
        elif kind == "name":
            offset = 0
            for part in word.split("."):  # no __class__ and the like, although lookups never use attributes
                if part.startswith("_"):
                    raise ExprError(f"a name must start with a letter, found '{part}'", i + offset)
                offset += len(part) + 1
            low = word.lower()
            kind = "lit" if low in _LITERALS else "kw" if low in _KEYWORDS else "name"
            tokens.append(_Token(kind, _LITERALS[low] if kind == "lit" else low if kind == "kw" else word, word, i))
        else:
            tokens.append(_Token("op", word, word, i))
        i = end
    tokens.append(_Token("end", None, "", len(text)))
    return tokens


@dataclass(frozen=True)
class _Node:
    kind: str  # lit, name, list, call, not, and, or, cmp
    value: Any = None  # the literal, the name's parts, the function or the comparison operator
    args: tuple[_Node, ...] = ()

    def eval(self, env: Mapping[str, Any]) -> Any:
        kind, args = self.kind, self.args
        if kind in ("lit", "name"):
            found = self.value if kind == "lit" else lookup(env, self.value)
            return None if found is MISSING else found
        if kind == "list":
            return [a.eval(env) for a in args]
        if kind == "call":
            return FUNCTIONS[self.value][1](*(a.eval(env) for a in args))
        if kind == "not":
            return not truth(args[0].eval(env))
        if kind in ("and", "or"):
            return (all if kind == "and" else any)(truth(a.eval(env)) for a in args)
        return compare(self.value, args[0].eval(env), args[1].eval(env))


@dataclass(frozen=True)
class Expr:
    """A parsed condition; evaluate it against any number of records."""

    text: str
    _root: _Node = field(repr=False)
    _names: frozenset[str] = field(repr=False)

    def evaluate(self, env: Mapping[str, Any]) -> Any:
        """The expression's value; a dotted name reads env["Owner"]["Name"] or a flat env["Owner.Name"]."""
        try:
            return self._root.eval(env)
        except RecursionError:  # only self-referencing data gets here: the tree's depth is bounded
            return None

    def test(self, env: Mapping[str, Any]) -> bool:
        """Whether the condition holds: null, false, 0, '', 'false' and empty lists do not."""
        return truth(self.evaluate(env))

    def names(self) -> frozenset[str]:
        """Every dotted name read, as written: {"Status", "Owner.Name", "call.CallDisposition"}."""
        return self._names


# ---- parser ---------------------------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens, self.i, self.depth, self.names = _tokenize(text), 0, 0, set[str]()

    def peek(self, ahead: int = 0) -> _Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def take(self) -> _Token:
        self.i += 1
        return self.tokens[min(self.i - 1, len(self.tokens) - 1)]

    def is_(self, kind: str, *values: str, ahead: int = 0) -> bool:
        return self.peek(ahead).kind == kind and self.peek(ahead).value in values

    def nest(self, tok: _Token, step: int = 1) -> None:
        self.depth += step
        if self.depth > MAX_DEPTH:
            raise ExprError(f"nested too deeply: more than {MAX_DEPTH} brackets, calls or 'not'", tok.pos)

    def or_(self) -> _Node:
        return self.boolean("or", lambda: self.boolean("and", self.not_))

    def boolean(self, word: str, inner: Callable[[], _Node]) -> _Node:
        items = [inner()]
        while self.is_("kw", word):
            self.take()
            items.append(inner())
        return items[0] if len(items) == 1 else _Node(word, args=tuple(items))

    def not_(self) -> _Node:
        if not self.is_("kw", "not"):
            return self.comparison()
        self.nest(self.take())
        node = _Node("not", args=(self.not_(),))
        self.depth -= 1
        return node

    def operator(self) -> str | None:
        if self.is_("op", *_COMPARE) or self.is_("kw", "in"):
            return str(self.peek().value)
        if self.is_("kw", "not") and self.is_("kw", "in", ahead=1):
            return "not in"
        if self.peek().kind == "name" and self.peek().value.lower() == "contains":
            raise ExprError("contains is a function: write contains(text, 'word')", self.peek().pos)
        return None

    def comparison(self) -> _Node:
        left = self.value()
        op = self.operator()
        if op is None:
            return left
        self.i += 2 if op == "not in" else 1
        right = self.value()
        if self.operator() is not None:
            raise ExprError("comparisons can't be chained; join them with 'and'", self.peek().pos)
        return _Node("cmp", op, (left, right))

    def items(self, close: str, what: str) -> tuple[_Node, ...]:
        items: list[_Node] = []
        if self.is_("op", close):
            self.take()
            return ()
        while True:
            items.append(self.or_())
            tok = self.take()
            if tok.kind == "op" and tok.value == close:
                return tuple(items)
            if tok.kind != "op" or tok.value != ",":
                raise ExprError(f"expected ',' or '{close}' in {what}, found {_describe(tok)}", tok.pos)

    def value(self) -> _Node:
        before, tok = (self.tokens[self.i - 1] if self.i else None), self.take()
        if tok.kind in ("num", "str", "lit"):
            return _Node("lit", tok.value)
        if tok.kind == "op" and tok.value == "-" and self.peek().kind == "num":
            return _Node("lit", -self.take().value)
        if tok.kind == "op" and tok.value in ("(", "["):
            self.nest(tok)
            node = _Node("list", args=self.items("]", "a list")) if tok.value == "[" else self.or_()
            if tok.value == "(":
                end = self.take()
                if end.kind != "op" or end.value != ")":
                    where = f"the '(' at character {tok.pos + 1}"
                    raise ExprError(f"expected ')' to close {where}, found {_describe(end)}", end.pos)
            self.nest(tok, -1)
            return node
        if tok.kind == "name" and self.is_("op", "("):
            name = tok.value.lower()
            if name not in FUNCTIONS:
                raise ExprError(f"unknown function '{tok.value}'; use one of {', '.join(FUNCTIONS)}", tok.pos)
            self.nest(self.take())
            args = self.items(")", f"the arguments of {name}()")
            self.nest(tok, -1)
            if len(args) != FUNCTIONS[name][0]:
                wanted = "1 argument" if FUNCTIONS[name][0] == 1 else f"{FUNCTIONS[name][0]} arguments"
                raise ExprError(f"{name}() takes {wanted}, found {len(args)}", tok.pos)
            return _Node("call", name, args)
        if tok.kind == "name":
            self.names.add(tok.value)
            return _Node("name", tuple(tok.value.split(".")))
        after = f" after {_describe(before)}" if before else ""
        raise ExprError(f"expected a value{after}, found {_describe(tok)}", tok.pos)


@lru_cache(maxsize=512)
def parse(text: str) -> Expr:
    """Parse a condition; raise ExprError naming what was expected, what was found, and where.

    Cached: conditions come from config, and a campaign tests the same never_text_when on every record; an Expr
    is immutable, so sharing one is safe.
    """
    if len(text) > MAX_LENGTH:
        raise ExprError(f"a condition may be at most {MAX_LENGTH} characters, found {len(text)}", MAX_LENGTH)
    parser = _Parser(text)
    root = parser.or_()
    if parser.peek().kind != "end":
        raise ExprError(
            f"expected 'and', 'or' or an operator such as '==', found {_describe(parser.peek())}", parser.peek().pos
        )
    return Expr(text, root, frozenset(parser.names))
