"""End to end: record changes in the Salesforce emulator reach the connector once, and start the right flows.

The emulator delivers Outbound Messages and signed callouts over HTTP to the connector's Flask app on loopback;
processing reads records back through the real adapter (unmodified simple-salesforce). Real time runs here, so
waits are bounded; no assertion is about wall-clock time.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from werkzeug.serving import WSGIRequestHandler, make_server

from connector.config.loader import load_paths
from connector.crm.salesforce import SalesforceConfig, SalesforceCrm
from connector.crm.salesforce.ingest import outbound_message_key
from connector.services.ingest import Ingest, process_pending
from connector.services.polling import poll_changes
from connector.settings import load_settings
from connector.store.tables import Event, Run
from connector.web import create_app

sandbox = pytest.importorskip("connector.sandbox.salesforce")
ROOT = Path(__file__).resolve().parents[2]
SECRET = "callout-secret-for-e2e-0123456789"


@dataclass
class Stack:
    """The emulated org, the connector's web app serving its hooks on loopback, and ingest on the real adapter."""

    emu: Any
    app: Any
    base_url: str
    ingest: Ingest
    ticks: list[float]

    @property
    def store(self) -> Any:
        return self.app.extensions["smsflow.container"].store

    def outbound_url(self) -> str:
        return f"{self.base_url}/hooks/salesforce/outbound-message?key={outbound_message_key(SECRET)}"

    def callout_url(self) -> str:
        return f"{self.base_url}/hooks/salesforce/callout"

    def delivered(self) -> None:
        assert self.emu.deliveries.wait_idle(timeout=20), "the emulator still has deliveries queued"

    def process(self) -> Any:
        return process_pending(self.store, self.ingest, now=datetime.now(UTC))

    def poll(self) -> Any:
        report = poll_changes(self.store, self.ingest, now=datetime.now(UTC))
        assert report is not None and report.error is None, report
        return report

    def count(self, model: type, **where: Any) -> int:
        with self.store.unit_of_work() as uow:
            stmt = select(func.count()).select_from(model)
            for column, value in where.items():
                stmt = stmt.where(getattr(model, column) == value)
            return uow.session.scalar(stmt) or 0


class QuietHandler(WSGIRequestHandler):
    """Request lines carry the Outbound Message URL key: keep them out of the test logs, as a real deployment should."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


class FlakyListener:
    """A transport that delivers every request but loses the first `lost` answers, so Salesforce resends."""

    def __init__(self, lost: int) -> None:
        self.lost = lost

    def __call__(self, url: str, headers: dict[str, str], body: bytes, timeout: float) -> tuple[int | None, bytes]:
        status, answer = sandbox.triggers.http_transport(url, headers, body, timeout)
        if self.lost > 0:
            self.lost -= 1
            return None, b""
        return status, answer


@pytest.fixture
def transport(request: pytest.FixtureRequest) -> Any:
    """The emulator's HTTP transport; parametrized indirectly with a number of answers to lose."""
    lost = getattr(request, "param", 0)
    return FlakyListener(lost) if lost else sandbox.triggers.http_transport


@pytest.fixture
def stack(db_url: str, transport: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    retry = sandbox.RetryPolicy(base=0.05, cap=0.2, give_up_after=3600.0, timeout=5.0)
    with sandbox.SalesforceEmulator(manifest=ROOT / "manifest.yaml", retry=retry, transport=transport) as emu:
        settings = load_settings(
            {
                "DATABASE_URL": db_url,
                "SALESFORCE_INSTANCE_URL": emu.instance_url,
                "SALESFORCE_SESSION_ID": emu.session_id,
                "SALESFORCE_CA_BUNDLE": str(emu.ca_bundle),
                "SALESFORCE_ORG_ID": emu.org_id,
                "SMSFLOW_CALLOUT_SECRET": SECRET,
                "SMSFLOW_FLOWS_DIR": str(ROOT / "flows"),
                "SMSFLOW_MAPPINGS_DIR": str(ROOT / "mappings"),
                "SMSFLOW_MANIFEST": str(ROOT / "manifest.yaml"),
            }
        )
        app = create_app(settings)
        server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
        thread = threading.Thread(target=lambda: server.serve_forever(poll_interval=0.05), daemon=True)
        thread.start()
        registry = app.extensions["smsflow.container"].registry
        ticks = [0.0]  # the adapter's clock for budget pacing, moved by tests instead of waiting
        config = SalesforceConfig(
            instance_url=emu.instance_url, session_id=emu.session_id, ca_bundle=emu.ca_bundle,
            username=emu.credentials.username, password=emu.credentials.password,
            security_token=emu.credentials.security_token,
        )  # fmt: skip
        crm = SalesforceCrm(config, clock=lambda: ticks[0])
        ingest = Ingest.from_manifest(registry, crm, load_paths([ROOT / "manifest.yaml"]).manifest)
        try:
            yield Stack(emu, app, f"http://127.0.0.1:{server.server_port}", ingest, ticks)
        finally:
            server.shutdown()
            server.server_close()
            app.extensions["smsflow.container"].store.dispose()


def owner(emu: Any) -> str:
    return emu.seed(
        "User", Username="dana@example.com", FirstName="Dana", LastName="Reyes", Alias="dana",
        Email="dana@example.com", Phone="+14155550100",
    )  # fmt: skip


def web_lead(emu: Any, **fields: Any) -> str:
    values = {"FirstName": "Ana", "LastName": "Ruiz", "Company": "Ruiz Roofing", "MobilePhone": "+14155550123"}
    values |= {"LeadSource": "Web", "SMS_Time_Zone__c": "America/New_York", "OwnerId": owner(emu)}
    return emu.seed("Lead", **{**values, **fields})


def test_a_web_lead_arrives_by_outbound_message_and_starts_the_intro_once(stack: Stack) -> None:
    stack.emu.deliveries.add_standard_rules("outbound_message", stack.outbound_url())
    lead = web_lead(stack.emu)
    stack.delivered()
    stack.process()
    assert stack.count(Run, flow="intro-text", record_id=lead) == 1
    stack.poll()  # polling sees the same creation afterwards
    stack.process()
    assert stack.count(Run, flow="intro-text", record_id=lead) == 1
    assert stack.count(Event, source="polling", record_id=lead, status="ignored") == 1


@pytest.mark.parametrize("transport", [2], ids=["first-two-acks-lost"], indirect=True)
def test_a_resent_outbound_message_is_stored_once(stack: Stack) -> None:
    stack.emu.deliveries.add_standard_rules("outbound_message", stack.outbound_url())
    lead = web_lead(stack.emu)
    stack.delivered()
    attempts = [a for a in stack.emu.deliveries.attempts if a.kind == "outbound_message"]
    assert len(attempts) == 3 and attempts[-1].delivered  # Salesforce resent twice; the same notification id
    stack.process()
    assert stack.count(Event, source="outbound_message", record_id=lead) == 1
    assert stack.count(Run, flow="intro-text", record_id=lead) == 1


def test_a_lead_only_polling_sees_arrives_once(stack: Stack) -> None:
    stack.poll()  # the first poll sets the watermark
    lead = web_lead(stack.emu)
    for _ in range(3):
        stack.poll()
        stack.process()
    assert stack.count(Event, source="polling", record_id=lead) == 1
    assert stack.count(Run, flow="intro-text", record_id=lead) == 1


@pytest.mark.parametrize("kind", ["outbound_message", "callout"])
def test_a_no_answer_call_log_starts_the_missed_call_flow_for_its_lead(stack: Stack, kind: str) -> None:
    lead = web_lead(stack.emu, LeadSource="Phone Inquiry")
    url = stack.outbound_url() if kind == "outbound_message" else stack.callout_url()
    stack.emu.deliveries.add_standard_rules(kind, url, SECRET if kind == "callout" else None)
    stack.emu.seed(
        "Task", WhoId=lead, Subject="Call", TaskSubtype="Call", CallType="Outbound", CallDisposition="No Answer",
        Status="Completed",
    )  # fmt: skip
    stack.delivered()
    stack.process()
    assert stack.count(Run, flow="missed-call", record_id=lead) == 1
    assert stack.count(Run, flow="intro-text") == 0


def test_a_signed_callout_brings_a_lead_and_a_later_status_change(stack: Stack) -> None:
    stack.emu.deliveries.add_standard_rules("callout", stack.callout_url(), SECRET)
    lead = web_lead(stack.emu, LeadSource="Phone Inquiry")
    stack.delivered()
    stack.process()
    stack.emu.update("Lead", lead, Status="Booking Offered", Booking_Time__c="2026-12-01T15:30:00.000+0000")
    stack.delivered()
    stack.process()
    assert stack.count(Event, source="callout", record_id=lead) == 2
    assert stack.count(Run, flow="booking-confirm", record_id=lead) == 1


def test_an_expired_session_while_processing_is_renewed(stack: Stack) -> None:
    stack.emu.deliveries.add_standard_rules("outbound_message", stack.outbound_url())
    lead = web_lead(stack.emu)
    stack.delivered()
    stack.emu.expire_sessions()
    assert stack.process().processed == 1
    assert stack.count(Run, flow="intro-text", record_id=lead) == 1


def test_a_spent_api_budget_holds_changes_until_calls_free_up(stack: Stack) -> None:
    stack.emu.deliveries.add_standard_rules("outbound_message", stack.outbound_url())
    lead = web_lead(stack.emu)
    stack.delivered()
    _, limit = stack.emu.api_usage
    stack.emu.set_api_budget(used=limit)
    assert stack.process().deferred == 1
    assert stack.count(Event, status="received") == 1 and stack.count(Run) == 0
    stack.emu.set_api_budget(used=0)  # the rolling 24 hours freed calls up
    stack.ticks[0] += 3600  # and the adapter's last budget reading is old by now
    assert stack.process().processed == 1
    assert stack.count(Run, flow="intro-text", record_id=lead) == 1
