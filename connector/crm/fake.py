"""A CRM in memory for service tests: records by object, every API call counted, writes batched as Salesforce does."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import groupby
from typing import Any

from connector.crm import audience
from connector.crm.port import ApiUsage, CrmError, WriteOp, WriteResult
from connector.phones import try_e164

BATCH = 200  # sObject Collections take up to 200 records a call
QUERY_PAGE = 2000  # SOQL's default batch size: one call per page
PREFIXES = {"Lead": "00Q", "Contact": "003", "Account": "001", "Task": "00T", "User": "005", "Event": "00U"}
_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
START = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


def sf_datetime(moment: datetime) -> str:
    """A datetime as the REST API writes it: 2026-11-23T14:05:11.000+0000."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def object_of(record_id: str) -> str | None:
    """The object a record id belongs to, by its key prefix."""
    return next((obj for obj, prefix in PREFIXES.items() if record_id.startswith(prefix)), None)


@dataclass
class FakeCrm:
    """CrmPort in memory. `calls` counts API calls by kind; `fail_next` raises those errors first, one per call."""

    records: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)
    fail_next: list[CrmError] = field(default_factory=list)
    budget: int = 15_000
    now: datetime = START
    _ids: int = 0
    _stamp: datetime = START

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    def put(self, obj: str, **fields: Any) -> str:
        """Create or change a record as a person in the CRM would (no API call counted); returns its Id."""
        record_id = fields.pop("Id", None)
        current = self.records.setdefault(obj, {}).get(record_id) if record_id else None
        if current is None:
            return self._create(obj, fields)
        self._touch(current, fields)
        return str(record_id)

    # ---- CrmPort -------------------------------------------------------------------------------------------

    def get(self, obj: str, record_id: str, fields: Sequence[str]) -> dict[str, Any] | None:
        self._call("get")
        record = self.records.get(obj, {}).get(record_id)
        return None if record is None else self._project(record, fields)

    def get_many(self, obj: str, record_ids: Sequence[str], fields: Sequence[str]) -> dict[str, dict[str, Any]]:
        ids = list(dict.fromkeys(record_ids))
        for _ in range(0, len(ids), 200):  # as Salesforce bills it: a query per 200 ids
            self._call("get_many")
        table = self.records.get(obj, {})
        return {i: self._project(table[i], fields) for i in ids if i in table}

    def find_by_phone(self, obj: str, phone_fields: Sequence[str], e164: str, fields: Sequence[str]) -> list[dict]:
        self._call("find_by_phone")
        found = [r for r in self.records.get(obj, {}).values() if any(try_e164(r.get(f)) == e164 for f in phone_fields)]
        return [self._project(r, fields) for r in found]

    def changed_since(self, obj: str, fields: Sequence[str], since: datetime) -> Iterator[dict[str, Any]]:
        stamp = sf_datetime(since)
        found = sorted(
            (r for r in self.records.get(obj, {}).values() if r["SystemModstamp"] > stamp),
            key=lambda r: (r["SystemModstamp"], r["Id"]),
        )
        for start in range(0, max(len(found), 1), QUERY_PAGE):
            self._call("query")
            for record in found[start : start + QUERY_PAGE]:
                yield self._project(record, [*fields, "SystemModstamp"])

    def stream(
        self, obj: str, fields: Sequence[str], where: audience.Condition | None = None, *, after_id: str | None = None
    ) -> Iterator[dict[str, Any]]:
        # Each page is read when the caller gets to it, as query_more would: records changed meanwhile show so.
        after = after_id or ""
        while True:
            self._call("query")
            today = self.now.astimezone(UTC).date()
            table = self.records.get(obj, {})
            page = sorted(
                (r for r in table.values() if r["Id"] > after and audience.matches(where, self._nest(r), today)),
                key=lambda r: r["Id"],
            )[:QUERY_PAGE]
            for record in page:
                yield self._project(record, fields)
            if len(page) < QUERY_PAGE:
                return
            after = page[-1]["Id"]

    def write(self, ops: Sequence[WriteOp]) -> list[WriteResult]:
        results: dict[str, WriteResult] = {}
        # One collection call per operation, object and upsert key, 200 records at a time.
        for _, group in groupby(ops, key=lambda op: (op.op, op.object, op.external_id_field)):
            items = list(group)
            for start in range(0, len(items), BATCH):
                chunk = items[start : start + BATCH]
                self._call(f"write:{chunk[0].op}")
                results.update((op.key, self._apply(op, chunk)) for op in chunk)
        return [results[op.key] for op in ops]

    def usage(self) -> ApiUsage | None:
        return ApiUsage(used=self.total_calls, limit=self.budget) if self.total_calls else None

    # ---- inside ----------------------------------------------------------------------------------------------

    def _call(self, kind: str) -> None:
        if self.fail_next:
            raise self.fail_next.pop(0)
        if self.total_calls >= self.budget:
            raise CrmError("limit", True, "TotalRequests Limit exceeded.")
        self.calls[kind] += 1

    def _apply(self, op: WriteOp, chunk: list[WriteOp]) -> WriteResult:
        table = self.records.setdefault(op.object, {})
        if op.op == "create":
            return WriteResult(op.key, True, self._create(op.object, dict(op.fields)))
        if op.op == "update":
            record = table.get(op.record_id or "")
            if record is None:
                return WriteResult(op.key, False, error=CrmError("not_found", False, "entity is deleted"))
            self._touch(record, op.fields)
            return WriteResult(op.key, True, record["Id"])
        key_field = op.external_id_field or ""
        value = op.fields.get(key_field)
        if value in (None, "") or sum(o.fields.get(key_field) == value for o in chunk) > 1:
            # Salesforce refuses a missing key, and the same key twice in one request, item by item.
            return WriteResult(op.key, False, error=CrmError("invalid", False, f"bad or duplicate {key_field}"))
        matches = [r for r in table.values() if r.get(key_field) == value]
        if len(matches) > 1:
            return WriteResult(op.key, False, error=CrmError("invalid", False, f"several records match {value}"))
        if not matches:
            return WriteResult(op.key, True, self._create(op.object, dict(op.fields)))
        self._touch(matches[0], op.fields)
        return WriteResult(op.key, True, matches[0]["Id"])

    def _create(self, obj: str, fields: dict[str, Any]) -> str:
        self._ids += 1
        record_id = _make_id(PREFIXES.get(obj, "a00"), self._ids)
        stamp = self._next_stamp()
        record = {"Id": record_id, "CreatedDate": stamp, "LastModifiedDate": stamp, "SystemModstamp": stamp}
        self.records.setdefault(obj, {})[record_id] = {**fields, **record}
        return record_id

    def _touch(self, record: dict[str, Any], fields: dict[str, Any]) -> None:
        stamp = self._next_stamp()
        record.update(fields)
        record.update(LastModifiedDate=stamp, SystemModstamp=stamp)

    def _next_stamp(self) -> str:
        # Strictly increasing, so polling order and (Id, SystemModstamp) dedupe behave as on a real org.
        self._stamp = max(self.now, self._stamp + timedelta(milliseconds=1))
        return sf_datetime(self._stamp)

    def _nest(self, record: dict[str, Any]) -> dict[str, Any]:
        """The record with its lookups' targets nested (Owner: {...}), so conditions can read Owner.IsActive."""
        nested = dict(record)
        for name, value in record.items():
            target_id = value if name.endswith("Id") and name != "Id" and isinstance(value, str) else ""
            target = self.records.get(object_of(target_id) or "", {}).get(target_id)
            if target is not None:
                nested[name[:-2]] = target
        return nested

    def _project(self, record: dict[str, Any], fields: Sequence[str]) -> dict[str, Any]:
        out: dict[str, Any] = {"Id": record["Id"]}
        for name in fields:
            if "." not in name:
                out[name] = record.get(name)
                continue
            relation, leaf = name.split(".", 1)
            target_id = record.get(f"{relation}Id") or ""
            target = self.records.get(object_of(target_id) or "", {}).get(target_id)
            if target is not None:
                out.setdefault(relation, {})[leaf] = target.get(leaf)
        return out


def _make_id(prefix: str, n: int) -> str:
    """An 18-character id with a valid case-safe suffix (REST API guide: a bit per uppercase letter)."""
    id15 = f"{prefix}5e{n:010d}"[:15]
    chunks = (id15[0:5], id15[5:10], id15[10:15])
    return id15 + "".join(_SUFFIX[sum(1 << i for i, ch in enumerate(c) if ch.isupper())] for c in chunks)
