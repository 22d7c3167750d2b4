"""Starting runs in bulk: a batch leaves the store as starting its records one at a time would, in a few statements.

Runs on SQLite always and on PostgreSQL when SMSFLOW_TEST_DATABASE_URL is set (the `store` fixture).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select

from connector.services.registry import Registry
from connector.services.runs import StartRequest, start_run, start_runs
from connector.store.tables import AuditEntry, ConsentChange, Contact, Message, MessageStatus, Outbox, Run, Timer
from connector.store.uow import Store

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
PROMO = "promo-reactivation"


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.load(ROOT / "flows", ROOT / "mappings", ROOT / "manifest.yaml")


def lead(n: int, **changes: Any) -> dict[str, Any]:
    fields = json.loads((ROOT / "tests/flows/records/lead-booking.json").read_text(encoding="utf-8"))
    fields.pop("attributes")
    fields.update(Id=f"00Q5e{n:010d}AAA", FirstName=f"Lee{n}", MobilePhone=f"+1202555{n:04d}", Status="Open")
    fields.update(changes)
    return fields


def mixed_batch() -> list[StartRequest]:
    """Every way a record of a batch can turn out, including records that meet each other in the batch."""
    cause = "campaign:spring"
    shared = "+12025559999"
    return [
        StartRequest(lead(1)["Id"], lead(1), cause),
        StartRequest(lead(2)["Id"], lead(2, MobilePhone=None, Phone="not a number"), cause),  # no_phone
        StartRequest(lead(3)["Id"], lead(3, SMS_Opt_Out__c=True), cause),  # opted_out by the record's field
        StartRequest(lead(4)["Id"], lead(4, Status="Unqualified"), cause),  # never_text
        StartRequest(lead(5)["Id"], lead(5, MobilePhone="+12025550005"), cause),  # this number said STOP before
        StartRequest(lead(6)["Id"], lead(6), cause),  # this record's run exists already (same cause)
        StartRequest(lead(7)["Id"], lead(7), cause),  # an old run of this record holds the dedupe key, expired
        StartRequest(lead(8)["Id"], lead(8), cause),  # an old run of this record holds the dedupe key, recent
        # Two leads sharing one mobile, whose marketing checkboxes disagree: the history records both, in order.
        StartRequest(lead(9)["Id"], lead(9, MobilePhone=shared, SMS_Marketing_Opt_In__c=True), cause),
        StartRequest(lead(10)["Id"], lead(10, MobilePhone=shared, SMS_Marketing_Opt_In__c=False), cause),
        StartRequest(lead(1)["Id"], lead(1), cause),  # the same record and cause twice: the same run
        StartRequest(lead(11)["Id"], lead(11), "campaign:other"),
        StartRequest(lead(11)["Id"], lead(11), "campaign:again"),  # another cause, the same dedupe key
        StartRequest(lead(12)["Id"], lead(12, MobilePhone="(202) 555-0012", SMS_Time_Zone__c=None), cause),
    ]


def history(store: Store, registry: Registry) -> None:
    """What the store holds before the batch: a STOP, a run of lead 6, and old runs of leads 7 and 8."""
    flow = registry.flows[PROMO]
    with store.unit_of_work() as uow:
        contact = uow.contacts.get_or_create("+12025550005", now=T0 - timedelta(days=400))
        uow.contacts.set_opted_out(contact.id, True, source="reply", at=T0 - timedelta(days=400))
        for n, cause, at in (
            (6, "campaign:spring", T0),
            (7, "old", T0 - timedelta(days=91)),
            (8, "old", T0 - timedelta(days=5)),
        ):
            fields = lead(n)
            start_run(uow, registry, flow, obj="Lead", record_id=fields["Id"], fields=fields, cause=cause, at=at)
        uow.commit()


def contents(store: Store) -> dict[str, Any]:
    """The tables a start writes, by natural keys (never autoincrement ids, which depend on insert order)."""
    with store.unit_of_work() as uow:
        s = uow.session
        phone = {c.id: c.phone for c in s.scalars(select(Contact))}
        message = {m.id: m.action_id for m in s.scalars(select(Message))}
        return {
            "contacts": sorted(
                (c.phone, c.time_zone, c.opted_out, c.consent_marketing, c.crm_record_id)
                for c in s.scalars(select(Contact))
            ),
            "consent": [
                (phone[c.contact_id], c.category, c.state, c.source, c.detail)
                for c in s.scalars(select(ConsentChange).order_by(ConsentChange.id))
            ],
            "runs": sorted(
                (r.id, phone[r.contact_id], r.status, r.step, r.dedupe_key, r.seq, json.dumps(r.state, sort_keys=True))
                for r in s.scalars(select(Run))
            ),
            "outbox": sorted(
                (o.idempotency_key, o.kind, json.dumps(o.payload | {"contact_id": phone[o.payload["contact_id"]]}))
                for o in s.scalars(select(Outbox))
            ),
            "messages": sorted(
                (m.action_id, m.run_id, phone[m.contact_id], m.body, m.status, m.category, m.flow)
                for m in s.scalars(select(Message))
            ),
            "statuses": sorted((message[m.message_id], m.status) for m in s.scalars(select(MessageStatus))),
            "timers": sorted(
                (t.id, t.run_id, t.due_at.replace(tzinfo=None), t.status) for t in s.scalars(select(Timer))
            ),
            "audit": [
                (a.actor, a.action, a.subject, a.detail) for a in s.scalars(select(AuditEntry).order_by(AuditEntry.id))
            ],
        }


def test_a_batch_starts_as_one_at_a_time_would(db_url: str, second_db_url: str, registry: Registry) -> None:
    flow, requests = registry.flows[PROMO], mixed_batch()
    one_by_one, together = Store(db_url), Store(second_db_url)
    try:
        for store in (one_by_one, together):
            history(store, registry)
        with one_by_one.unit_of_work() as uow:
            each = [
                start_run(uow, registry, flow, obj="Lead", record_id=r.record_id, fields=r.fields, cause=r.cause, at=T0)
                for r in requests
            ]
            uow.commit()
        with together.unit_of_work() as uow:
            batch = start_runs(uow, registry, flow, obj="Lead", requests=requests, at=T0)
            uow.commit()
        assert [(s.status, s.run_id, s.reason) for s in batch] == [(s.status, s.run_id, s.reason) for s in each]
        assert [s.status for s in batch] == [
            "started",
            "no_phone",
            "opted_out",
            "never_text",
            "opted_out",
            "duplicate",
            "started",
            "duplicate",
            "started",
            "started",
            "duplicate",
            "started",
            "duplicate",
            "started",
        ]
        assert contents(together) == contents(one_by_one)
    finally:
        one_by_one.dispose()
        together.dispose()


def statements(store: Store, registry: Registry, requests: list[StartRequest]) -> int:
    counted = [0]

    def count(*_: Any) -> None:
        counted[0] += 1

    event.listen(store.engine, "before_cursor_execute", count)
    with store.unit_of_work() as uow:
        started = start_runs(uow, registry, registry.flows[PROMO], obj="Lead", requests=requests, at=T0)
        uow.commit()
    event.remove(store.engine, "before_cursor_execute", count)
    assert {s.status for s in started} == {"started"}
    return counted[0]


def test_a_batch_costs_the_same_statements_whatever_its_size(
    db_url: str, second_db_url: str, registry: Registry
) -> None:
    small, large = Store(db_url), Store(second_db_url)
    try:
        few = statements(small, registry, [StartRequest(lead(n)["Id"], lead(n), "c") for n in range(2)])
        many = statements(large, registry, [StartRequest(lead(n)["Id"], lead(n), "c") for n in range(200)])
    finally:
        small.dispose()
        large.dispose()
    assert many == few, f"2 records took {few} statements, 200 took {many}"
