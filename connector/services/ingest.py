"""Record changes in, exactly once: keep each as an event first, then start the flows whose trigger it matches.

Outbound Messages and polling say neither whether a record was created nor what changed, so processing reads the
record (with the fields the flows need) and compares it with what it saw last (crm_snapshots):
- created: a record never seen before whose CreatedDate is within a day of its SystemModstamp;
- field_changed: the fields whose values differ from the last snapshot; on first sight, the fields the source sent
  (an Outbound Message's selected fields are its admin's change signal), with no old values;
- a version (SystemModstamp) already seen is ignored, whichever path brought it.
Callouts may say all of this themselves (`change`, `changed`, `old`), and are trusted when they do. Runs are named
after the change, not the delivery (created:<object>:<id>, call:<task id>, <object>:<id>@<SystemModstamp>), so a
change seen by a webhook and by polling starts its flows once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from connector.config.flow import Flow
from connector.config.loader import load_paths
from connector.config.manifest import Manifest
from connector.crm.port import CrmError, CrmPort, RecordChange
from connector.engine.records import field_value, phone_candidates
from connector.engine.triggers import matches
from connector.phones import mask_in_text, try_e164
from connector.services.registry import Registry
from connector.services.runs import opt_out, start_run
from connector.store.records import EventRecord
from connector.store.tables_crm import CrmStateRepository, Snapshot
from connector.store.uow import Store, UnitOfWork

VERSION_FIELDS = ("CreatedDate", "LastModifiedDate", "SystemModstamp")
CALL_FIELDS = ("WhoId", "TaskSubtype", "CallDisposition")
NOT_CHANGES = {"Id", "attributes", *VERSION_FIELDS, "LastModifiedById"}
CREATED_WITHIN = timedelta(days=1)
WHO_OBJECTS = {"00Q": "Lead", "003": "Contact"}  # Task.WhoId points at a Lead or a Contact, told by key prefix


@dataclass(frozen=True)
class Ingest:
    """What processing needs: flows and mappings, the CRM, and the fields to read per object (the manifest's)."""

    registry: Registry
    crm: CrmPort
    read: Mapping[str, Sequence[str]] = field(default_factory=dict)

    @classmethod
    def from_manifest(cls, registry: Registry, crm: CrmPort, manifest: Manifest | str | Path | None) -> Ingest:
        """Read fields from the manifest (a model, or a path parsed once per process)."""
        if isinstance(manifest, str | Path):
            manifest = _manifest(str(manifest))
        read = {obj: list(spec.read) for obj, spec in manifest.objects.items()} if manifest else {}
        return cls(registry, crm, read)

    def fields_for(self, obj: str) -> list[str]:
        """The manifest's readable fields, the mapping's, and what change detection needs."""
        mapping = self.registry.mappings.get(obj)
        names = [*self.read.get(obj, ()), *(mapping.fields() if mapping else ()), *VERSION_FIELDS]
        return list(dict.fromkeys([*names, *(CALL_FIELDS if obj == "Task" else ())]))

    def wants(self, obj: str, fields: Mapping[str, Any]) -> bool:
        """Whether this record's change can matter; Tasks other than calls (our own SMS activities) cannot."""
        if obj != "Task" or fields.get("TaskSubtype") == "Call":
            return self.watches(obj)
        return any(f.trigger and f.trigger.object == "Task" for f in self.registry.flows.values())

    def watches(self, obj: str) -> bool:
        """Whether changes to `obj` can matter: a flow triggers on it, it logs calls, or its opt-out is synced."""
        triggers = [f.trigger for f in self.registry.flows.values() if f.trigger]
        mapping = self.registry.mappings.get(obj)
        calls = obj == "Task" and any(t.on == "call_logged" for t in triggers)
        return calls or any(t.object == obj for t in triggers) or bool(mapping and mapping.opt_out)


@lru_cache(maxsize=4)
def _manifest(path: str) -> Manifest | None:
    return load_paths([path]).manifest


def store_change(uow: UnitOfWork, change: RecordChange, *, received_at: datetime) -> bool:
    """Keep a change as an event; False when this source delivered this event id before (a resend)."""
    payload = {"fields": change.fields, "changed": list(change.changed), "old": change.old, "at": change.at}
    return uow.events.add(
        change.source,
        change.event_id,
        object=change.object,
        record_id=change.record_id,
        kind=change.kind,
        payload=json.loads(json.dumps(payload, default=str)),
        received_at=received_at,
    )


@dataclass
class ProcessReport:
    """What one pass over pending events did; `deferred` counts events left pending because the CRM was away."""

    processed: int = 0
    ignored: int = 0
    failed: int = 0
    deferred: int = 0
    started: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Seen:
    fields: dict[str, Any]
    who: tuple[str, str, dict[str, Any]] | None = None  # a logged call's lead or contact

    @property
    def version(self) -> datetime | None:
        return salesforce_time(self.fields.get("SystemModstamp") or self.fields.get("LastModifiedDate"))


def process_pending(store: Store, ingest: Ingest, *, now: datetime, limit: int = 50) -> ProcessReport:
    """Process up to `limit` pending events, oldest first; each commits on its own, with the runs it started."""
    report = ProcessReport()
    with store.unit_of_work() as uow:
        events = uow.events.pending(limit)
    fetched = _prefetch(ingest, events)
    for index, event in enumerate(events):
        try:
            seen = _look(ingest, event, fetched)  # CRM reads happen outside any transaction
        except CrmError as exc:
            if exc.code == "not_found":
                seen = "the record is gone"
            elif exc.code == "invalid":  # e.g. a field the org lacks: kept as failed for a person, not dropped
                _fail(store, event, f"the CRM refused the read: {exc}", now, report)
                continue
            else:
                report.deferred = len(events) - index  # the CRM is away or out of budget: try again next pass
                break
        try:
            with store.unit_of_work() as uow:
                _apply(uow, ingest, event, seen, now, report)
                uow.commit()
        except Exception as exc:  # one bad event must not block those behind it
            _fail(store, event, f"{type(exc).__name__}: {exc}", now, report)
    return report


def _fail(store: Store, event: EventRecord, error: str, now: datetime, report: ProcessReport) -> None:
    with store.unit_of_work() as uow:
        uow.events.mark(event.id, "failed", at=now, error=mask_in_text(error)[:500])
        uow.commit()
    report.failed += 1


# object -> record id -> the record as read at the pass's start; or the error the object's query met.
_Fetched = dict[str, dict[str, dict[str, Any]] | CrmError]


def _needs_read(ingest: Ingest, event: EventRecord) -> bool:
    """Whether the event lacks fields the flows and mapping need (Outbound Messages carry no relationships)."""
    fields = event.payload.get("fields") or {}
    return ingest.watches(event.object) and not all(
        name in fields or name.split(".")[0] in fields for name in ingest.fields_for(event.object)
    )


def _prefetch(ingest: Ingest, events: list[EventRecord]) -> _Fetched:
    """The records the pass must read, one query per object for the lot: a burst of 50 web leads costs one API
    call, not 50. A query the CRM refuses outright (a bad id among them) is left out, and its events read one
    by one, so the refusal lands on the event it belongs to; an org away or out of budget defers them all."""
    ids: dict[str, list[str]] = {}
    for event in events:
        if _needs_read(ingest, event):
            ids.setdefault(event.object, []).append(event.record_id)
    fetched: _Fetched = {}
    for obj, record_ids in ids.items():
        try:
            fetched[obj] = ingest.crm.get_many(obj, record_ids, ingest.fields_for(obj))
        except CrmError as exc:
            if exc.retryable:
                fetched[obj] = exc
    return fetched


def _look(ingest: Ingest, event: EventRecord, fetched: _Fetched | None = None) -> _Seen | str:
    if not ingest.watches(event.object):
        return "no flow or mapping watches this object"
    fields: dict[str, Any] = dict(event.payload.get("fields") or {})
    if _needs_read(ingest, event):
        prefetched = fetched.get(event.object) if fetched is not None else None
        if isinstance(prefetched, CrmError):
            raise prefetched
        if prefetched is not None:
            record = prefetched.get(event.record_id)  # asked for and not answered: gone
        else:
            record = ingest.crm.get(event.object, event.record_id, ingest.fields_for(event.object))
        if record is None:
            return "the record is gone"
        fields = {**fields, **plain_record(record)}
    if not ingest.wants(event.object, fields):
        return "not a logged call"
    if not (event.object == "Task" and fields.get("TaskSubtype") == "Call"):
        return _Seen(fields)
    who_id = str(fields.get("WhoId") or "")
    who_obj = WHO_OBJECTS.get(who_id[:3])
    if who_obj is None or not any(
        f.trigger and f.trigger.on == "call_logged" and f.trigger.object == who_obj
        for f in ingest.registry.flows.values()
    ):
        return "no call_logged flow for the call's record"
    who = ingest.crm.get(who_obj, who_id, ingest.fields_for(who_obj))
    return "the call's lead or contact is gone" if who is None else _Seen(fields, (who_obj, who_id, plain_record(who)))


def _apply(
    uow: UnitOfWork, ingest: Ingest, event: EventRecord, seen: _Seen | str, now: datetime, report: ProcessReport
) -> None:
    current = uow.events.get(event.source, event.source_event_id)
    if current is None or current.status != "received":
        return  # another worker finished it meanwhile
    state = CrmStateRepository(uow.session)
    before = state.snapshot(event.object, event.record_id)
    version = None if isinstance(seen, str) else seen.version
    if isinstance(seen, str) or (version and before and before.modstamp and version <= before.modstamp):
        uow.events.mark(event.id, "ignored", at=now, error=seen if isinstance(seen, str) else "already seen")
        report.ignored += 1
        return
    target = _target(event, seen, before, version)
    for flow in _triggered(uow, ingest.registry, target):
        started = start_run(
            uow,
            ingest.registry,
            flow,
            obj=target.obj,
            record_id=target.record_id,
            fields=target.fields,
            cause=target.cause,
            at=now,
            call=target.call,
        )
        if started.status == "started" and started.run_id:
            report.started.append(started.run_id)
    if seen.who is None:
        _sync_opt_out(uow, ingest.registry, event.object, seen.fields, before, now)
    state.remember(event.object, event.record_id, seen.fields, version, at=now)
    uow.events.mark(event.id, "processed", at=now)
    report.processed += 1


@dataclass(frozen=True)
class _Target:
    """The record flows may start for, the kind of change, and the cause runs are named after."""

    obj: str
    record_id: str
    fields: dict[str, Any]
    kind: str
    changed: list[str]
    cause: str
    call: dict[str, Any] | None = None


def _target(event: EventRecord, seen: _Seen, before: Snapshot | None, version: datetime | None) -> _Target:
    if seen.who is not None:
        who_obj, who_id, who_fields = seen.who
        return _Target(who_obj, who_id, who_fields, "call_logged", [], f"call:{event.record_id}", seen.fields)
    obj, record_id, kind = event.object, event.record_id, event.kind
    if kind == "updated" and before is None and event.source != "callout" and _fresh(seen.fields, version):
        kind = "created"
    if kind == "created":
        cause = f"created:{obj}:{record_id}"
    else:
        cause = f"{obj}:{record_id}@{version.isoformat()}" if version else f"{event.source}:{event.source_event_id}"
    return _Target(obj, record_id, seen.fields, kind, _changed(event, seen.fields, before), cause)


def _triggered(uow: UnitOfWork, registry: Registry, t: _Target) -> list[Flow]:
    """The flows this change starts: triggered by it, and switched on (the file's `enabled:`, or the admin's switch)."""
    return [
        f
        for f in registry.flows.values()
        if f.trigger
        and matches(f.trigger, obj=t.obj, event=t.kind, fields=t.fields, changed=t.changed, call=t.call)
        and uow.flow_switches.enabled(f.flow, f.enabled)
    ]


def _changed(event: EventRecord, fields: dict[str, Any], before: Snapshot | None) -> list[str]:
    told = event.payload.get("changed") or []
    if told:
        return list(told)
    if before is None:
        sent = event.payload.get("fields") or {}
        return [name for name in sent if name not in NOT_CHANGES]
    return [name for name, value in fields.items() if name not in NOT_CHANGES and before.fields.get(name) != value]


def _sync_opt_out(
    uow: UnitOfWork, registry: Registry, obj: str, fields: dict[str, Any], before: Snapshot | None, now: datetime
) -> None:
    """An admin ticked the mapping's opt-out field: opt the record's numbers out as a STOP would."""
    mapping = registry.mappings.get(obj)
    if mapping is None or not mapping.opt_out or field_value(fields, mapping.opt_out) is not True:
        return
    if before is not None and field_value(before.fields, mapping.opt_out) is True:
        return
    for raw in phone_candidates(mapping, fields):
        phone = try_e164(raw, mapping.phone.default_region)
        contact = uow.contacts.by_phone(phone) if phone else None
        if phone and contact is not None and not contact.opted_out:
            opt_out(uow, registry, phone, now, source="crm")


def _fresh(fields: dict[str, Any], version: datetime | None) -> bool:
    created = salesforce_time(fields.get("CreatedDate"))
    return created is not None and (version is None or version - created <= CREATED_WITHIN)


def salesforce_time(value: Any) -> datetime | None:
    """A Salesforce datetime ("2026-11-23T14:05:11.000+0000" or "...Z") as an aware datetime."""
    if isinstance(value, datetime):
        return value
    try:
        parsed = datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
    return parsed if parsed is None or parsed.tzinfo else None


def plain_record(record: dict[str, Any]) -> dict[str, Any]:
    """A REST record without its `attributes`, nested relationship records included, ready to store as JSON."""
    out = {k: plain_record(v) if isinstance(v, dict) else v for k, v in record.items() if k != "attributes"}
    return json.loads(json.dumps(out, default=str))
