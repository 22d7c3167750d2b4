"""Polling catch-up: changes a webhook missed, found by SystemModstamp from a stored watermark per object.

Each poll reads from a little before the watermark (commits land with slightly older stamps than their neighbours)
and keeps every record as an event named <record id>@<SystemModstamp>, so a record seen twice is stored once;
processing then ignores a version a webhook already brought. Only one process polls at a time: on PostgreSQL
the one holding an advisory lock, on SQLite (one machine, one worker) the one holding a process-wide lock.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from connector.crm.port import CrmError, RecordChange
from connector.services.ingest import Ingest, plain_record, salesforce_time, store_change
from connector.store.locks import try_advisory_lock
from connector.store.tables_crm import CrmStateRepository
from connector.store.uow import Store

OVERLAP = timedelta(minutes=2)
BATCH = 200  # events committed per transaction while reading
LOCK_NAME = "poll_changes"  # not the worker's job lock (poll_crm): the job holds that one while it polls
_local = threading.Lock()


@dataclass
class PollReport:
    """What a poll found per object: records read, events newly stored, and the CRM error that cut it short."""

    read: dict[str, int] = field(default_factory=dict)
    stored: dict[str, int] = field(default_factory=dict)
    error: str | None = None


def poll_changes(
    store: Store, ingest: Ingest, *, now: datetime, objects: Sequence[str] | None = None
) -> PollReport | None:
    """Store changes since each object's watermark as events; None when another process is polling."""
    with leader(store) as leading:
        if not leading:
            return None
        report = PollReport()
        for obj in objects if objects is not None else pollable(ingest):
            try:
                _poll(store, ingest, obj, now, report)
            except CrmError as exc:
                # What was read before the error is stored with its watermark; the next poll resumes there.
                report.error = str(exc)
                break
        return report


def pollable(ingest: Ingest) -> list[str]:
    """Objects whose changes matter: flow triggers, mapped objects (opt-out sync), and Task for logged calls."""
    names = [*ingest.registry.mappings, *(f.trigger.object for f in ingest.registry.flows.values() if f.trigger)]
    names += ["Task"]
    return [obj for obj in dict.fromkeys(names) if ingest.watches(obj)]


def _poll(store: Store, ingest: Ingest, obj: str, now: datetime, report: PollReport) -> None:
    with store.unit_of_work() as uow:
        mark = CrmStateRepository(uow.session).watermark(obj)
    # A first poll starts now: the connector does not replay the org's history as if it had just happened.
    since = (mark or now) - OVERLAP
    batch: list[RecordChange] = []
    newest = mark or since
    report.read[obj] = report.stored[obj] = 0
    for record in ingest.crm.changed_since(obj, ingest.fields_for(obj), since):
        stamp = salesforce_time(record.get("SystemModstamp"))
        if stamp is None or not record.get("Id"):
            continue
        newest = max(newest, stamp)
        report.read[obj] += 1
        if ingest.wants(obj, record):  # our own SMS activity Tasks are read, but not kept as changes
            batch.append(_change(obj, plain_record(record), stamp))
        if len(batch) >= BATCH:
            report.stored[obj] += _save(store, obj, batch, newest, now)
            batch = []
    report.stored[obj] += _save(store, obj, batch, newest, now)


def _change(obj: str, record: dict, stamp: datetime) -> RecordChange:
    record_id = str(record["Id"])
    kind = "call_logged" if obj == "Task" and record.get("TaskSubtype") == "Call" else "updated"
    return RecordChange("polling", f"{record_id}@{stamp.isoformat()}", obj, record_id, kind, record, at=stamp)


def _save(store: Store, obj: str, batch: list[RecordChange], newest: datetime, now: datetime) -> int:
    with store.unit_of_work() as uow:
        stored = sum(store_change(uow, change, received_at=now) for change in batch)
        CrmStateRepository(uow.session).advance_watermark(obj, newest, at=now)
        uow.commit()
    return stored


@contextmanager
def leader(store: Store, name: str = LOCK_NAME) -> Iterator[bool]:
    """Yield True to the one caller that may run a leader-only job now, False to everyone else."""
    if store.engine.dialect.name != "postgresql":
        acquired = _local.acquire(blocking=False)
        try:
            yield acquired
        finally:
            if acquired:
                _local.release()
        return
    with try_advisory_lock(store.engine, name) as acquired:
        yield acquired
