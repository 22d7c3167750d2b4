"""Run a parsed SOQL query against the org: resolve field paths, filter, sort, limit and shape REST records."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from connector.sandbox.salesforce import ids
from connector.sandbox.salesforce.errors import ApiError
from connector.sandbox.salesforce.org import Org
from connector.sandbox.salesforce.schema import NUMBER_TYPES, TEXT_TYPES, FieldDef, ObjectDef
from connector.sandbox.salesforce.soql_parser import BoolOp, Cmp, FieldRef, In, Lit, Not, Query, located, parse
from connector.sandbox.salesforce.values import parse_date, parse_datetime

_NO_COLUMN = (
    "No such column '{field}' on entity '{obj}'. If you are attempting to use a custom field, be sure to append the "
    "'__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names."
)
_NO_RELATIONSHIP = (
    "Didn't understand relationship '{rel}' in field path. If you are attempting to use a custom relationship, be "
    "sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call "
    "for the appropriate names."
)


class Resolved:
    """A field path bound to the schema: the reference fields to follow, then the final field."""

    def __init__(self, hops: list[tuple[FieldDef, str]], target: FieldDef) -> None:
        self.hops, self.target = hops, target  # hops: (reference field, relationship name as Salesforce spells it)


def resolve(query: Query, org: Org, obj: ObjectDef, ref: FieldRef) -> Resolved:
    """Bind `ref` to fields of `obj` and its parents; INVALID_FIELD as Salesforce words it otherwise."""
    hops: list[tuple[FieldDef, str]] = []
    current = obj
    *relationships, name = ref.path
    pos = ref.pos
    if relationships and relationships[0].lower() == obj.name.lower():
        relationships = relationships[1:]  # "Lead.Name" in a query FROM Lead means Name
    for rel in relationships:
        f = current.relationship(rel)
        if f is None:
            raise located(query.text, pos, _NO_RELATIONSHIP.format(rel=rel), "INVALID_FIELD")
        parents = [o for o in (org.schema.get(t) for t in f.reference_to) if o is not None]
        following = name if rel == relationships[-1] else None
        current = next((p for p in parents if following is None or p.field(following)), parents[0])
        hops.append((f, f.relationship_name or rel))
        pos += len(rel) + 1
    target = current.field(name)
    if target is None:
        raise located(query.text, pos, _NO_COLUMN.format(field=name, obj=current.name), "INVALID_FIELD")
    return Resolved(hops, target)


_ORDERING = frozenset({"<", "<=", ">", ">="})


def _today(org: Org) -> date:
    return org.clock().astimezone(UTC).date()


def _range(org: Org, word: str, n: int) -> tuple[date, date]:
    today = _today(org)
    ranges = {
        "TODAY": (today, today + timedelta(days=1)),
        "YESTERDAY": (today - timedelta(days=1), today),
        "TOMORROW": (today + timedelta(days=1), today + timedelta(days=2)),
        "LAST_N_DAYS": (today - timedelta(days=n), today + timedelta(days=1)),
        "NEXT_N_DAYS": (today + timedelta(days=1), today + timedelta(days=n + 1)),
        "N_DAYS_AGO": (today - timedelta(days=n), today - timedelta(days=n - 1)),
    }
    return ranges[word]


def _typed(f: FieldDef, value: Any) -> Any:
    """A stored value in a form that compares the way SOQL compares it."""
    if value is None:
        return None
    if f.type == "datetime":
        return parse_datetime(value)
    if f.type == "date":
        return parse_date(value)
    if f.type in TEXT_TYPES:
        return str(value).lower()
    return value


def _literal(query: Query, f: FieldDef, lit: Lit) -> Any:
    """A literal checked against the field's type and made comparable with `_typed` values."""
    if lit.kind == "null":
        return None
    expected = {"datetime": ("datetime", "range"), "date": ("date", "range"), "boolean": ("bool",)}
    allowed = expected.get(f.type, ("number",) if f.type in NUMBER_TYPES else ("string",))
    if lit.kind not in allowed:
        kind = {"int": "integer", "double": "double"}.get(f.type, f.type)
        quoting = "should not be enclosed in quotes" if lit.kind == "string" else "should be enclosed in quotes"
        message = f"value of filter criterion for field '{f.name}' must be of type {kind} and {quoting}"
        raise located(query.text, lit.pos, message, "INVALID_FIELD")
    if f.type in ("id", "reference"):
        full = ids.to18(lit.value)
        if full is None:
            raise ApiError(400, "INVALID_QUERY_FILTER_OPERATOR", f"invalid ID field: {lit.value}")
        return full.lower()
    if lit.kind == "datetime":
        return parse_datetime(lit.value)
    if lit.kind == "date":
        return parse_date(lit.value)
    return lit.value.lower() if lit.kind == "string" else lit.value


class _Run:
    def __init__(self, query: Query, org: Org, obj: ObjectDef, version: str) -> None:
        self.query, self.org, self.obj, self.version = query, org, obj, version
        self._resolved: dict[FieldRef, Resolved] = {}

    def bound(self, ref: FieldRef) -> Resolved:
        if ref not in self._resolved:
            self._resolved[ref] = resolve(self.query, self.org, self.obj, ref)
        return self._resolved[ref]

    def parent(self, record: dict[str, Any] | None, hop: FieldDef) -> dict[str, Any] | None:
        found = self.org.find(record[hop.name]) if record and record.get(hop.name) else None
        return found[1] if found and not found[1]["IsDeleted"] else None

    def value(self, record: dict[str, Any], ref: FieldRef) -> Any:
        resolved = self.bound(ref)
        current: dict[str, Any] | None = record
        for hop, _ in resolved.hops:
            current = self.parent(current, hop)
        return None if current is None else current.get(resolved.target.name)

    def test(self, node: Any, record: dict[str, Any]) -> bool:
        if isinstance(node, BoolOp):
            results = (self.test(item, record) for item in node.items)
            return all(results) if node.op == "AND" else any(results)
        if isinstance(node, Not):
            return not self.test(node.item, record)
        target = self.bound(node.field).target
        actual = _typed(target, self.value(record, node.field))
        if target.type in ("id", "reference") and actual is not None:
            if isinstance(node, Cmp) and node.op in _ORDERING:
                return self.order_ids(node, str(actual))
            actual = str(actual).lower()
        if isinstance(node, In):
            wanted = [_literal(self.query, target, v) for v in node.values]
            return (actual in wanted) != node.negated
        return self.compare(node, target, actual)

    def order_ids(self, node: Cmp, actual: str) -> bool:
        # Ids order as base-62 text, case-sensitively (0-9 < A-Z < a-z): keyset paging by `Id > '...'` relies on it.
        _literal(self.query, self.bound(node.field).target, node.value)  # refuses a malformed id
        wanted = ids.to18(node.value.value) or ""
        return {"<": actual < wanted, "<=": actual <= wanted, ">": actual > wanted, ">=": actual >= wanted}[node.op]

    def check(self, node: Any) -> None:
        """Refuse ill-typed literals up front, as Salesforce does, even when no record would be compared."""
        if isinstance(node, BoolOp):
            for item in node.items:
                self.check(item)
        elif isinstance(node, Not):
            self.check(node.item)
        elif isinstance(node, In):
            for value in node.values:
                _literal(self.query, self.bound(node.field).target, value)
        elif node.op != "LIKE" and node.value.kind != "range":
            _literal(self.query, self.bound(node.field).target, node.value)

    def compare(self, node: Cmp, target: FieldDef, actual: Any) -> bool:
        if node.op == "LIKE":
            if node.value.kind != "string" or target.type not in TEXT_TYPES:
                raise located(self.query.text, node.value.pos, f"invalid operator on field {target.name}: LIKE")
            flags = re.IGNORECASE | re.DOTALL
            return actual is not None and re.fullmatch(node.value.pattern or "", actual, flags) is not None
        if node.value.kind == "range":
            if actual is None:
                return node.op == "!="
            start, end = _range(self.org, *node.value.value)
            if isinstance(actual, datetime):
                start, end = (datetime.combine(d, time(), UTC) for d in (start, end))  # type: ignore[assignment]
            inside = start <= actual < end
            return {"=": inside, "!=": not inside, "<": actual < start, "<=": actual < end,
                    ">": actual >= end, ">=": actual >= start}[node.op]  # fmt: skip
        wanted = _literal(self.query, target, node.value)
        if node.op in ("=", "!="):
            return (actual == wanted) == (node.op == "=")
        if actual is None or wanted is None:
            return False
        return {"<": actual < wanted, "<=": actual <= wanted, ">": actual > wanted, ">=": actual >= wanted}[node.op]

    def sort(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        def compare(a: dict[str, Any], b: dict[str, Any]) -> int:
            for order in self.query.order:
                target = self.bound(order.field).target
                x, y = (_typed(target, self.value(r, order.field)) for r in (a, b))
                if x == y:
                    continue
                if x is None or y is None:
                    return (1 if x is None else -1) * (1 if order.nulls_last else -1)
                return (1 if x > y else -1) * (-1 if order.desc else 1)
            return 0

        return sorted(rows, key=functools.cmp_to_key(compare)) if self.query.order else rows

    def shape(self, record: dict[str, Any]) -> dict[str, Any]:
        out = self._attributes(self.obj.name, record["Id"])
        for ref in self.query.fields:
            resolved = self.bound(ref)
            node, current = out, record
            for hop, rel in resolved.hops:
                current = self.parent(current, hop)
                if current is None:
                    node[rel] = None
                    break
                if not isinstance(node.get(rel), dict):
                    owner = self.org.find(current["Id"])
                    node[rel] = self._attributes(owner[0].name if owner else "", current["Id"])
                node = node[rel]
            else:
                node[resolved.target.name] = current.get(resolved.target.name) if current else None
        return out

    def _attributes(self, obj: str, record_id: str) -> dict[str, Any]:
        return {"attributes": {"type": obj, "url": f"/services/data/v{self.version}/sobjects/{obj}/{record_id}"}}


def execute(text: str, org: Org, *, include_deleted: bool, version: str) -> tuple[int, list[dict[str, Any]]]:
    """(totalSize, records in the REST shape) for a SOQL query; COUNT() queries return no records."""
    query = parse(text)
    obj = org.schema.get(query.obj)
    if obj is None:
        message = (
            f"sObject type '{query.obj}' is not supported. If you are attempting to use a custom object, be sure to "
            "append the '__c' after the entity name. Please reference your WSDL or the describe call for the "
            "appropriate names."
        )
        raise located(text, query.obj_pos, message, "INVALID_TYPE")
    run = _Run(query, org, obj, version)
    seen: set[str] = set()
    for ref in query.fields:
        key = run.bound(ref)
        name = ".".join([rel for _, rel in key.hops] + [key.target.name]).lower()
        if name in seen:
            raise located(text, ref.pos, f"duplicate field selected: {'.'.join(ref.path)}")
        seen.add(name)
    for order in query.order:
        run.bound(order.field)
    if query.where is not None:
        run.check(query.where)
    with org.lock:
        rows = org.rows(obj.name, include_deleted)
        if query.where is not None:
            rows = [r for r in rows if run.test(query.where, r)]
        rows = run.sort(rows)
        start = query.offset or 0
        rows = rows[start : start + query.limit if query.limit is not None else None]
        if query.count:
            return len(rows), []
        return len(rows), [run.shape(r) for r in rows]


def condition(org: Org, obj: str, where: str) -> Callable[[dict[str, Any]], bool]:
    """A predicate on one record of `obj` from a SOQL WHERE clause ("TaskSubtype = 'Call'"), for triggers."""
    definition = org.object(obj)
    query = parse(f"SELECT Id FROM {definition.name} WHERE {where}")
    run = _Run(query, org, definition, "0")
    run.check(query.where)
    return lambda record: run.test(query.where, record)
