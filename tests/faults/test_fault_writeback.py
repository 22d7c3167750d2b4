"""Salesforce misbehaves in the middle of a write-back flush: 503s, a hung request, an expired session, a spent API
budget, an answer lost after the org wrote the batch. Rows wait and resume; none is lost and no Task is written twice.

Write-back runs flush_writebacks through the real adapter (unmodified simple-salesforce) against the emulator on
loopback. The fault strikes before the second sObject Collections call of a flush of 450 texts (three calls), so
the first call's rows are written and the rest must wait. tests/e2e/test_crm_writeback.py covers the same faults
when they are already there at the start of a flush; the adapter's own tests cover single calls.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from connector.crm.port import CrmError, CrmPort, WriteOp, WriteResult
from connector.crm.salesforce import SalesforceConfig, SalesforceCrm
from connector.sandbox.salesforce import SalesforceEmulator
from connector.services.registry import Registry
from connector.services.writeback import LIMIT_WAIT, FlushReport, flush_writebacks, queue_activity
from connector.store.records import MessageRecord
from connector.store.tables import Writeback
from connector.store.uow import Store

ROOT = Path(__file__).resolve().parents[2]
OURS = "+14155550100"
T0 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
TEXTS = 450  # three sObject Collections calls of at most 200 records


class Meddler:
    """The real adapter, with something done to the org just before the nth write call, or that call's answer lost."""

    def __init__(self, crm: CrmPort, before: dict[int, Callable[[], None]], lose_answer: int | None = None) -> None:
        self.crm, self.before, self.lose_answer, self.calls = crm, before, lose_answer, 0

    def write(self, ops: Sequence[WriteOp]) -> list[WriteResult]:
        self.calls += 1
        if self.calls in self.before:
            self.before[self.calls]()
        results = self.crm.write(ops)
        if self.calls == self.lose_answer:  # the org wrote the batch; the answer timed out on its way back
            lost = CrmError("unavailable", True, "ReadTimeout talking to Salesforce")
            return [WriteResult(op.key, False, error=lost) for op in ops]
        return results

    def __getattr__(self, name: str) -> Any:
        return getattr(self.crm, name)


@dataclass
class Org:
    emu: SalesforceEmulator
    crm: SalesforceCrm
    store: Store
    registry: Registry
    ticks: list[float]  # the adapter's clock for its budget readings

    def flush(self, crm: CrmPort, at: datetime) -> FlushReport:
        return flush_writebacks(self.store, self.registry, crm, now=at, our_number=OURS)

    def unwritten(self) -> int:
        with self.store.unit_of_work() as uow:
            stmt = select(func.count()).select_from(Writeback).where(Writeback.status != "done")
            return uow.session.scalar(stmt) or 0


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.load(ROOT / "flows", ROOT / "mappings", ROOT / "manifest.yaml")


@pytest.fixture
def org(store: Store, registry: Registry, monkeypatch: pytest.MonkeyPatch) -> Iterator[Org]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with SalesforceEmulator(manifest=ROOT / "manifest.yaml") as emu:
        ticks = [0.0]
        c = emu.credentials
        config = SalesforceConfig(
            instance_url=emu.instance_url, session_id=emu.session_id, ca_bundle=emu.ca_bundle, username=c.username,
            password=c.password, security_token=c.security_token, timeout=1.0,
        )  # fmt: skip
        yield Org(emu, SalesforceCrm(config, clock=lambda: ticks[0]), store, registry, ticks)


def texts(org: Org, count: int) -> list[MessageRecord]:
    """Texts to five leads that Twilio accepted, each queued for write-back as the dispatcher does."""
    owner = org.emu.seed("User", Username="dana@example.com", LastName="Reyes", Alias="dana", Email="d@example.com")
    leads = [org.emu.seed("Lead", LastName=f"Lead {n}", Company="Acme", OwnerId=owner) for n in range(5)]
    sent = []
    with org.store.unit_of_work() as uow:
        contacts = [
            uow.contacts.get_or_create(f"+1415555{n:04d}", crm_object="Lead", crm_record_id=lead, now=T0).id
            for n, lead in enumerate(leads)
        ]
        for n in range(count):
            uow.messages.add_outbound(action_id=f"act-{n}", contact_id=contacts[n % 5], body=f"Hi {n}", at=T0)
            message = uow.messages.by_action_id(f"act-{n}")
            assert message is not None
            uow.messages.mark_sent(message.id, provider_id=f"SM{n:032x}", status="sent", at=T0)
            message = replace(message, provider_id=f"SM{n:032x}", status="sent")
            queue_activity(uow, message, "sent", at=T0)
            sent.append(message)
        uow.commit()
    return sent


def delivered(org: Org, messages: list[MessageRecord], at: datetime) -> None:
    """Receipts arriving while the org misbehaves: each queues a status row beside a possibly unwritten sent row."""
    with org.store.unit_of_work() as uow:
        for message in messages:
            uow.messages.record_status(message.id, "delivered", at=at)
            queue_activity(uow, replace(message, status="delivered"), "status", at=at)
        uow.commit()


def spend_budget(org: Org) -> None:
    _, limit = org.emu.api_usage
    org.emu.set_api_budget(used=limit)


def free_budget(org: Org) -> None:
    org.emu.set_api_budget(used=0)  # the rolling 24 hours freed calls up


@dataclass(frozen=True)
class Fault:
    id: str
    before_second_call: Callable[[Org], None] | None = None
    lose_second_answer: bool = False
    afterwards: Callable[[Org], None] = lambda org: None  # the org recovers
    first_written: int = 200  # rows the first flush wrote
    waiting: timedelta | None = None  # the first flush's waiting_until, after T0
    logins: int = 0


FAULTS = [
    Fault("503-burst-is-waited-out", lambda org: org.emu.fail_next(3), waiting=timedelta(seconds=30)),
    Fault("hung-request-times-out-and-is-retried",
          lambda org: org.emu.fail_next(1, "timeout", stall_seconds=3.0), waiting=timedelta(seconds=30)),
    Fault("expired-session-is-renewed-within-the-flush", lambda org: org.emu.expire_sessions(), first_written=TEXTS,
          logins=1),
    Fault("spent-budget-holds-the-rest-until-calls-free-up", spend_budget, afterwards=free_budget,
          waiting=LIMIT_WAIT),
    Fault("answer-lost-after-the-org-wrote-is-rewritten-not-duplicated", lose_second_answer=True,
          waiting=timedelta(seconds=30)),
]  # fmt: skip


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.id)
def test_a_fault_mid_flush_loses_nothing_and_writes_nothing_twice(org: Org, fault: Fault) -> None:
    messages = texts(org, TEXTS)
    before = {2: lambda: fault.before_second_call(org)} if fault.before_second_call else {}
    crm = Meddler(org.crm, before, lose_answer=2 if fault.lose_second_answer else None)

    first = org.flush(crm, T0)
    assert first.written == fault.first_written, first
    assert first.failed == 0, first.errors
    assert first.waiting_until == (T0 + fault.waiting if fault.waiting else None)
    assert org.emu.auth.logins == fault.logins
    fault.afterwards(org)
    delivered(org, messages, T0 + timedelta(seconds=1))

    at = T0
    for _ in range(12):  # later flushes, each once the rows are due again; bounded
        if not org.unwritten():
            break
        at += timedelta(minutes=31)
        org.ticks[0] += 3600  # the adapter's budget reading is old by now
        assert org.flush(crm, at).failed == 0
    assert org.unwritten() == 0, "every row was written in the end"
    tasks = org.emu.tasks()
    assert len(tasks) == TEXTS, "no Task was written twice"
    assert sorted(t["SMS_Message_Id__c"] for t in tasks) == sorted(m.provider_id for m in messages)
    assert {t["SMS_Status__c"] for t in tasks} == {"Delivered"}, "each Task shows the latest receipt"


def test_a_person_task_whose_answer_was_lost_is_not_created_twice(org: Org) -> None:
    lead = org.emu.seed("Lead", LastName="Ruiz", Company="Acme")
    with org.store.unit_of_work() as uow:
        contact = uow.contacts.get_or_create("+14155550123", crm_object="Lead", crm_record_id=lead, now=T0)
        uow.messages.add_inbound(provider_id="SM" + "2" * 32, contact_id=contact.id, body="who is this?", at=T0)
        reply = uow.messages.by_provider_id("SM" + "2" * 32)
        assert reply is not None
        queue_activity(uow, reply, "received", at=T0, needs_person=True)
        uow.commit()
    crm = Meddler(org.crm, {}, lose_answer=1)  # creates sort first: the first call creates the person's Task
    org.flush(crm, T0)
    org.flush(crm, T0 + timedelta(hours=1))
    assert org.unwritten() == 0
    person = [t for t in org.emu.tasks(who_id=lead) if t["Subject"].startswith("SMS reply needs a person")]
    assert len(person) == 1
