"""The emulated org's records: create, update, upsert, delete with Salesforce's checks, in transactions."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from connector.sandbox.salesforce import ids
from connector.sandbox.salesforce.errors import ApiError, not_found
from connector.sandbox.salesforce.schema import ObjectDef, Schema
from connector.sandbox.salesforce.values import format_datetime
from connector.sandbox.salesforce.writes import apply_fields, derive, new_record

_STAMPS = frozenset({"LastModifiedDate", "LastModifiedById", "SystemModstamp"})


@dataclass(frozen=True)
class Change:
    """A committed record change, as triggers (Outbound Messages, callouts) see it."""

    object: str
    record_id: str
    event: Literal["created", "updated", "deleted"]
    record: Mapping[str, Any]
    old: Mapping[str, Any] | None
    changed: tuple[str, ...]
    at: datetime


class Org:
    """All records of one org, guarded by one lock; records are replaced on write, never mutated in place."""

    def __init__(self, schema: Schema, *, clock: Callable[[], datetime] | None = None) -> None:
        self.schema = schema
        self.clock = clock or (lambda: datetime.now(UTC))
        self.ids = ids.IdFactory()
        self.org_id = self.ids.new("00D")
        self.lock = threading.RLock()
        self._tables: dict[str, dict[str, dict[str, Any]]] = {o.name: {} for o in schema}
        self._listeners: list[Callable[[Change], None]] = []
        self._pending: list[Change] | None = None
        self.user_id = self.ids.new("005")  # the integration user: default owner and author of API writes
        self._store(
            "User",
            self.user_id,
            {"Username": "integration@smsflow.sandbox", "FirstName": "Integration", "LastName": "User"}
            | {"Alias": "integ", "Email": "integration@example.com"},
            self.user_id,
        )

    def object(self, name: str) -> ObjectDef:
        obj = self.schema.get(name)
        if obj is None:
            raise not_found()
        return obj

    def subscribe(self, listener: Callable[[Change], None]) -> None:
        """Call `listener` with every committed change (after the commit, outside the lock)."""
        self._listeners.append(listener)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside commit together or not at all (allOrNone); nested use joins the outer one."""
        with self.lock:
            if self._pending is not None:
                yield
                return
            snapshot = {name: dict(table) for name, table in self._tables.items()}
            self._pending = []
            try:
                yield
            except BaseException:
                self._tables = snapshot
                raise
            finally:
                changes, self._pending = self._pending, None
        for change in changes:
            for listener in self._listeners:
                listener(change)

    def resolve(self, record_id: str) -> str | None:
        """The object name of the live record with this 18-character id."""
        obj = self.schema.by_prefix(ids.prefix(record_id))
        record = self._tables[obj.name].get(record_id) if obj else None
        return obj.name if obj and record and not record["IsDeleted"] else None

    def find(self, record_id: str) -> tuple[ObjectDef, dict[str, Any]] | None:
        """The object and record (deleted ones too) for a 15- or 18-character id."""
        full = ids.to18(record_id)
        obj = self.schema.by_prefix(ids.prefix(full)) if full else None
        record = self._tables[obj.name].get(full) if obj and full else None
        return (obj, record) if obj and record else None

    def rows(self, obj: str, include_deleted: bool = False) -> list[dict[str, Any]]:
        """The records of one object (callers must not modify them)."""
        with self.lock:
            table = self._tables[self.object(obj).name].values()
            return [r for r in table if include_deleted or not r["IsDeleted"]]

    def get(self, obj: str, record_id: str) -> dict[str, Any]:
        """A live record of `obj` by id; 404 NOT_FOUND or ENTITY_IS_DELETED otherwise."""
        definition = self.object(obj)
        full = ids.to18(record_id)
        with self.lock:
            record = self._tables[definition.name].get(full) if full else None
        if record is None:
            raise ApiError(
                404, "NOT_FOUND", f"Provided external ID field does not exist or is not accessible: {record_id}"
            )
        if record["IsDeleted"]:
            raise ApiError(404, "ENTITY_IS_DELETED", "entity is deleted")
        return record

    def create(
        self, obj: str, body: Mapping[str, Any], *, trusted: bool = False, extra: frozenset[str] = frozenset()
    ) -> str:
        """Insert a record and return its id; `trusted` (in-process seeding) may set read-only fields too."""
        definition = self.object(obj)
        with self.transaction():
            writable = frozenset(definition.fields) - {"Id"} if trusted else extra
            values = apply_fields(definition, body, self.resolve, creating=True, extra_writable=writable)
            record_id = self.ids.new(definition.key_prefix)
            self._store(definition.name, record_id, values, self.user_id)
        return record_id

    def _store(self, obj: str, record_id: str, values: Mapping[str, Any], user_id: str) -> None:
        definition = self.object(obj)
        now = format_datetime(self.clock())
        base = {"Id": record_id, "IsDeleted": False, "CreatedById": user_id, "LastModifiedById": user_id}
        base |= {"CreatedDate": now, "LastModifiedDate": now, "SystemModstamp": now}
        if "OwnerId" in definition.fields:
            base["OwnerId"] = user_id
        record = new_record(definition, base | dict(values))
        derive(definition, record, now)
        self._tables[obj][record_id] = record
        self._emit(Change(obj, record_id, "created", dict(record), None, (), self.clock()))

    def update(self, obj: str, record_id: str, body: Mapping[str, Any], *, trusted: bool = False) -> None:
        """Update a live record's fields."""
        definition = self.object(obj)
        with self.transaction():
            old = self.get(obj, record_id)
            writable = frozenset(definition.fields) - {"Id"} if trusted else frozenset()
            values = apply_fields(definition, body, self.resolve, creating=False, extra_writable=writable)
            now = format_datetime(self.clock())
            record = (
                dict(old) | values | {"LastModifiedDate": now, "SystemModstamp": now, "LastModifiedById": self.user_id}
            )
            record = new_record(definition, record)
            derive(definition, record, now)
            changed = tuple(k for k in definition.fields if k not in _STAMPS and record.get(k) != old.get(k))
            self._tables[definition.name][old["Id"]] = record
            self._emit(Change(definition.name, old["Id"], "updated", dict(record), dict(old), changed, self.clock()))

    def delete(self, obj: str, record_id: str) -> None:
        """Move a live record to the recycle bin (queryAll still sees it, with IsDeleted = true)."""
        definition = self.object(obj)
        with self.transaction():
            old = self.get(obj, record_id)
            now = format_datetime(self.clock())
            record = dict(old) | {"IsDeleted": True, "SystemModstamp": now}
            self._tables[definition.name][old["Id"]] = record
            self._emit(Change(definition.name, old["Id"], "deleted", dict(record), dict(old), (), self.clock()))

    def upsert(self, obj: str, field: str, value: str, body: Mapping[str, Any]) -> tuple[str, bool]:
        """Create or update by an External ID field; returns (id, created). 300 when several records match."""
        definition = self.object(obj)
        key = definition.field(field)
        if key is None:
            raise ApiError(404, "NOT_FOUND", f"Provided external ID field does not exist or is not accessible: {field}")
        if key.name != "Id" and not key.external_id:
            raise ApiError(400, "INVALID_FIELD", f"Field {key.name} is not an External ID or indexed field", [key.name])
        with self.transaction():
            if key.name == "Id":
                self.update(obj, value, body)
                return ids.to18(value) or value, False
            wanted = str(value).lower()
            matches = [r for r in self.rows(obj) if str(r.get(key.name) or "").lower() == wanted]
            if len(matches) > 1:
                raise ApiError(300, "MULTIPLE_CHOICES", f"More than one record found for {key.name} = {value}")
            rest = {k: v for k, v in body.items() if k.lower() != key.name.lower()}
            if matches:
                self.update(obj, matches[0]["Id"], rest)
                return matches[0]["Id"], False
            return self.create(obj, rest | {key.name: value}, extra=frozenset({key.name})), True

    def _emit(self, change: Change) -> None:
        if self._pending is not None:
            self._pending.append(change)
