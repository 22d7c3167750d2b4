"""End to end: texts, receipts and replies become Tasks on the lead in the Salesforce emulator, in few API calls.

Write-back runs through the real adapter (unmodified simple-salesforce) against the emulator on loopback; the
emulator counts every API call. An expired session and a spent API budget are survived without losing a row.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from connector.config.loader import load_paths
from connector.crm.port import RecordChange
from connector.crm.salesforce import SalesforceConfig, SalesforceCrm
from connector.services.ingest import Ingest, process_pending, store_change
from connector.services.registry import Registry
from connector.services.writeback import LIMIT_WAIT, FlushReport, flush_writebacks, queue_activity
from connector.store.records import MessageRecord
from connector.store.tables import Run
from connector.store.uow import Store, UnitOfWork

sandbox = pytest.importorskip("connector.sandbox.salesforce")
ROOT = Path(__file__).resolve().parents[2]
OURS = "+14155550100"
T0 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


@dataclass
class Org:
    """The emulated org, the adapter on it (with a clock for its budget pacing), and the connector's store."""

    emu: Any
    crm: SalesforceCrm
    store: Store
    registry: Registry
    ticks: list[float]

    def flush(self, at: datetime = T0) -> FlushReport:
        return flush_writebacks(self.store, self.registry, self.crm, now=at, our_number=OURS)


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.load(ROOT / "flows", ROOT / "mappings", ROOT / "manifest.yaml")


def adapter(emu: Any, ticks: list[float], *, can_login: bool = True) -> SalesforceCrm:
    login = {"username": emu.credentials.username, "password": emu.credentials.password} if can_login else {}
    config = SalesforceConfig(
        instance_url=emu.instance_url, session_id=emu.session_id, ca_bundle=emu.ca_bundle, **login,
        security_token=emu.credentials.security_token if can_login else None,
    )  # fmt: skip
    return SalesforceCrm(config, clock=lambda: ticks[0])


@pytest.fixture
def org(store: Store, registry: Registry, monkeypatch: pytest.MonkeyPatch) -> Iterator[Org]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with sandbox.SalesforceEmulator(manifest=ROOT / "manifest.yaml") as emu:
        ticks = [0.0]
        yield Org(emu, adapter(emu, ticks), store, registry, ticks)


def owner(emu: Any) -> str:
    return emu.seed(
        "User", Username="dana@example.com", FirstName="Dana", LastName="Reyes", Alias="dana",
        Email="dana@example.com", Phone="+14155550100",
    )  # fmt: skip


def leads(org: Org, count: int) -> list[str]:
    dana = owner(org.emu)
    return [
        org.emu.seed("Lead", LastName=f"Lead {n}", Company="Acme", MobilePhone=f"+1415555{n:04d}", OwnerId=dana)
        for n in range(count)
    ]


def send(org: Org, lead_ids: list[str], count: int) -> list[MessageRecord]:
    """Texts to the leads that the provider accepted, each queued for write-back as the SMS side does."""
    sent = []
    with org.store.unit_of_work() as uow:
        contacts = [
            uow.contacts.get_or_create(f"+1415555{n:04d}", crm_object="Lead", crm_record_id=lead, now=T0).id
            for n, lead in enumerate(lead_ids)
        ]
        for n in range(count):
            uow.messages.add_outbound(
                action_id=f"act-{n}", contact_id=contacts[n % len(contacts)], body=f"Hi {n}", at=T0
            )
            message = uow.messages.by_action_id(f"act-{n}")
            assert message is not None
            uow.messages.mark_sent(message.id, provider_id=f"SM{n:032x}", status="sent", at=T0)
            message = replace(message, provider_id=f"SM{n:032x}", status="sent")
            queue_activity(uow, message, "sent", at=T0)
            sent.append(message)
        uow.commit()
    return sent


def receipts(org: Org, messages: list[MessageRecord], status: str = "delivered") -> None:
    with org.store.unit_of_work() as uow:
        for message in messages:
            uow.messages.record_status(message.id, status, at=T0)
            queue_activity(uow, replace(message, status=status), "status", at=T0)
        uow.commit()


def run_of(uow: UnitOfWork, lead: str) -> str:
    run_id = uow.session.scalar(select(Run.id).where(Run.record_id == lead))
    assert run_id is not None
    return run_id


def test_1000_texts_with_receipts_are_written_back_in_at_most_15_api_calls(org: Org) -> None:
    lead_ids = leads(org, 20)
    messages = send(org, lead_ids, 1000)
    org.emu.reset_api_calls()
    org.flush()
    receipts(org, messages)
    org.flush(T0 + timedelta(seconds=10))
    assert len(org.emu.api_calls) <= 15, [c.path for c in org.emu.api_calls]
    tasks = org.emu.tasks()
    assert len(tasks) == 1000 and {t["SMS_Status__c"] for t in tasks} == {"Delivered"}


def test_a_web_lead_gets_its_intro_text_receipt_and_reply_on_its_timeline(org: Org) -> None:
    dana = owner(org.emu)
    lead = org.emu.seed(
        "Lead", FirstName="Ana", LastName="Ruiz", Company="Ruiz Roofing", MobilePhone="+14155550123",
        LeadSource="Web", SMS_Time_Zone__c="America/New_York", OwnerId=dana,
    )  # fmt: skip
    ingest = Ingest.from_manifest(org.registry, org.crm, load_paths([ROOT / "manifest.yaml"]).manifest)
    with org.store.unit_of_work() as uow:
        store_change(
            uow, RecordChange("outbound_message", "04l1", "Lead", lead, "updated", {"Id": lead}), received_at=T0
        )
        uow.commit()
    assert len(process_pending(org.store, ingest, now=datetime.now(UTC)).started) == 1
    with org.store.unit_of_work() as uow:
        [intro] = uow.messages.for_run(run_of(uow, lead))
        uow.messages.mark_sent(intro.id, provider_id="SM" + "1" * 32, status="sent", at=T0)
        intro = replace(intro, provider_id="SM" + "1" * 32, status="sent")
        queue_activity(uow, intro, "sent", at=T0)
        uow.commit()
    org.flush()
    receipts(org, [intro])
    with org.store.unit_of_work() as uow:
        contact = uow.contacts.by_phone("+14155550123")
        assert contact is not None
        uow.messages.add_inbound(provider_id="SM" + "2" * 32, contact_id=contact.id, body="who is this?", at=T0)
        answer = uow.messages.by_provider_id("SM" + "2" * 32)
        assert answer is not None
        queue_activity(uow, answer, "received", at=T0, needs_person=True)
        uow.commit()
    org.flush(T0 + timedelta(seconds=10))
    tasks = {t["Subject"].split(":")[0]: t for t in org.emu.tasks(who_id=lead)}
    assert set(tasks) == {"SMS delivered", "SMS received", "SMS reply needs a person"}
    assert tasks["SMS delivered"]["Subject"].startswith("SMS delivered: Hi Ana")
    person = tasks["SMS reply needs a person"]
    assert (person["Status"], person["Priority"], person["OwnerId"]) == ("Not Started", "High", dana)


def test_an_expired_session_is_renewed_and_nothing_is_lost(org: Org) -> None:
    send(org, leads(org, 5), 300)
    org.emu.expire_sessions()
    report = org.flush()
    assert report.written == 300 and len(org.emu.tasks()) == 300


def test_an_expired_session_without_credentials_keeps_every_row_queued(org: Org) -> None:
    org.crm = adapter(org.emu, org.ticks, can_login=False)
    send(org, leads(org, 5), 30)
    org.emu.expire_sessions()
    report = org.flush()
    assert (report.written, report.retried, report.failed) == (0, 30, 0) and org.emu.tasks() == []


def test_a_spent_api_budget_is_waited_out_without_loss(org: Org) -> None:
    send(org, leads(org, 5), 450)
    _, limit = org.emu.api_usage
    org.emu.set_api_budget(limit=limit, used=limit)
    report = org.flush()
    assert report.waiting_until == T0 + LIMIT_WAIT and report.retried == 450 and org.emu.tasks() == []
    org.emu.set_api_budget(used=0)  # the rolling 24 hours freed calls up
    org.ticks[0] += 3600  # and the adapter's last budget reading is old by now
    report = org.flush(T0 + LIMIT_WAIT)
    assert report.written == 450 and len(org.emu.tasks()) == 450
