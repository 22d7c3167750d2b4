"""The values of the condition language: how data compares, converts and tests, and its functions.

Kept apart from the parser in expr.py: these rules change when data does (a new field type, a new function),
the grammar does not.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

_NUMERIC = re.compile(r"\s*[+-]?\d+(?:\.\d+)?\s*", re.ASCII)


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float | Decimal) and not isinstance(v, bool)


def _number(v: Any) -> Any:
    if isinstance(v, str) and _NUMERIC.fullmatch(v):
        return float(v) if "." in v else int(v)
    return v if _is_number(v) else None


def _boolean(v: Any) -> bool | None:
    if isinstance(v, bool):
        return v
    return {"true": True, "false": False}.get(v.strip().lower()) if isinstance(v, str) else None


def _text(v: Any) -> str | None:
    if isinstance(v, bool):
        return "true" if v else "false"
    return v if isinstance(v, str) else str(v) if _is_number(v) else None


def truth(v: Any) -> bool:
    if isinstance(v, str):
        return bool(v.strip()) and v.strip().lower() != "false"
    return bool(v) if v is None or isinstance(v, bool | list | tuple | Mapping) or _is_number(v) else True


def _pair(a: Any, b: Any) -> tuple[Any, Any] | None:
    """Both sides as texts, or as numbers when at least one is a number; None when they don't compare."""
    if isinstance(a, str) and isinstance(b, str):
        return a, b
    na, nb = _number(a), _number(b)
    return (na, nb) if na is not None and nb is not None else None


def _equal(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return _boolean(a) is not None and _boolean(a) == _boolean(b)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    pair = _pair(a, b)
    try:
        return bool(pair[0] == pair[1]) if pair else bool(a == b)
    except Exception:  # a foreign object's __eq__; data must never make a condition raise
        return False


def compare(op: str, a: Any, b: Any) -> bool:
    if op in ("==", "!="):
        return _equal(a, b) == (op == "==")
    if op in ("in", "not in"):
        found = (
            any(_equal(a, x) for x in b)
            if isinstance(b, list | tuple)
            else (isinstance(a, str) and isinstance(b, str) and a in b)
        )
        return found == (op == "in")
    pair = _pair(a, b)
    if pair is None:
        return False
    x, y = pair
    return x < y if op == "<" else x <= y if op == "<=" else x > y if op == ">" else x >= y


def _contains(haystack: Any, needle: Any) -> bool:
    n = _text(needle)
    if isinstance(haystack, list | tuple):
        return any(
            _equal(x, needle) or (n is not None and (_text(x) or "").casefold() == n.casefold()) for x in haystack
        )
    h = _text(haystack)
    return h is not None and n is not None and n.casefold() in h.casefold()


def _startswith(s: Any, prefix: Any) -> bool:
    t, p = _text(s), _text(prefix)
    return t is not None and p is not None and t.casefold().startswith(p.casefold())


def _blank(v: Any) -> bool:
    if isinstance(v, str):
        return not v.strip()
    return v is None or (isinstance(v, list | tuple | Mapping) and not v)


FUNCTIONS: dict[str, tuple[int, Callable[..., Any]]] = {
    "blank": (1, _blank),
    "lower": (1, lambda v: (t := _text(v)) and t.lower()),
    "upper": (1, lambda v: (t := _text(v)) and t.upper()),
    "len": (1, lambda v: len(v) if isinstance(v, str | list | tuple | Mapping) else len(_text(v) or "")),
    "contains": (2, _contains),
    "startswith": (2, _startswith),
}
MISSING = object()


def lookup(env: Mapping[str, Any], parts: tuple[str, ...]) -> Any:
    """The longest flat key first ("Owner.Name"), then nested mappings; exact keys before other cases."""
    for size in range(len(parts), 0, -1):
        key = ".".join(parts[:size])
        found = env.get(key, MISSING)
        if found is MISSING:
            found = next((v for k, v in env.items() if isinstance(k, str) and k.casefold() == key.casefold()), MISSING)
        if found is not MISSING and size == len(parts):
            return found
        if isinstance(found, Mapping) and (inner := lookup(found, parts[size:])) is not MISSING:
            return inner
    return MISSING
