"""Kill -9 the worker again and again during a 2,000-text campaign: every text reaches its handset exactly once,
and every text with its latest receipt ends up as one Task on its lead.

The worker is its own process (campaign_worker.py: run_worker on the unmodified twilio and simple-salesforce
clients) against both emulators on loopback; Twilio's status callbacks reach this process's Flask app, whose hooks
write to the same store (file SQLite, or PostgreSQL through `db_url`). Its lives end, in a seeded order, by a
SIGKILL at a random moment, inside the dispatcher's crash window (Twilio has the text, the store does not), and
right after Salesforce took a write-back batch the store has not marked done; the last life finishes the campaign.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from connector.sandbox.salesforce import SalesforceEmulator
from connector.sandbox.twilio import TwilioEmulator, wsgi_transport
from connector.sandbox.twilio.store import Filters
from connector.sandbox.zones import zone_at_hour
from connector.services.runs import start_run
from connector.settings import load_settings
from connector.store.tables import Message, Outbox, Writeback
from connector.web import create_app

ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("campaign_worker.py")
PUBLIC = "https://connector.example.com"
# The campaign size; SMSFLOW_FAULT_TEXTS=300 makes a quick local run (every hook and send is real work).
TEXTS = int(os.environ.get("SMSFLOW_FAULT_TEXTS", "2000"))
SEED = 20261123
LEAD_FIELDS = (
    "Id, FirstName, LastName, Company, MobilePhone, Phone, LeadSource, Status, DoNotCall, IsConverted, "
    "SMS_Time_Zone__c, SMS_Opt_Out__c, SMS_Marketing_Opt_In__c, OwnerId, Owner.Name, Owner.FirstName, Owner.Phone"
)


def daytime_zone(now: datetime) -> str:
    """A zone where it is about 12:00 now, so the contact policy's window is open for hours."""
    return zone_at_hour(now, 12)


def phone(n: int) -> str:
    return f"+1202555{n:04d}"


@dataclass
class Campaign:
    """Both emulators, the connector's web app (the hooks), its store, and how to start a worker life."""

    twilio: TwilioEmulator
    org: SalesforceEmulator
    app: Any
    env: dict[str, str]
    logs: Path
    leads: dict[str, str]  # phone -> lead id
    keys: list[str]  # outbox keys of the campaign's texts
    lives: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def store(self) -> Any:
        return self.app.extensions["smsflow.container"].store

    def worker(self, *args: str) -> subprocess.Popen[bytes]:
        """Start the next life; each runs its write-back clock 6 minutes further ahead (see campaign_worker)."""
        n = len(self.lives)
        ahead = ["--writeback-ahead-minutes", str(6 * n)]
        with (self.logs / f"worker-{n}.log").open("wb") as log:
            life = subprocess.Popen(
                [sys.executable, str(WORKER), *ahead, *args], env={**os.environ, **self.env}, cwd=ROOT, stderr=log
            )
        self.lives.append(life)
        return life

    def count(self, stmt: Any) -> int:
        with self.store.unit_of_work() as uow:
            return uow.session.scalar(stmt) or 0

    def progress(self) -> tuple[int, int, int]:
        """(texts Twilio accepted, outbox rows done, write-back rows done)."""
        done = select(func.count()).select_from(Outbox).where(Outbox.status == "done")
        written = select(func.count()).select_from(Writeback).where(Writeback.status == "done")
        return len(self.twilio.store.query(Filters())), self.count(done), self.count(written)

    def finished(self) -> bool:
        open_rows = select(func.count()).select_from(Outbox).where(Outbox.status != "done")
        undelivered = select(func.count()).select_from(Message).where(Message.status != "delivered")
        unwritten = select(func.count()).select_from(Writeback).where(Writeback.status != "done")
        if self.count(open_rows) or self.count(undelivered) or self.count(unwritten):
            return False
        tasks = self.org.tasks()
        return len(tasks) >= TEXTS and all(t.get("SMS_Status__c") == "Delivered" for t in tasks)


def moved(now: tuple[int, ...], before: tuple[int, ...]) -> bool:
    return any(a > b for a, b in zip(now, before, strict=True))


def wait_until(check: Callable[[], bool], timeout: float, what: str, state: Callable[[], object] = str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"gave up waiting for {what} after {timeout}s: {state()}"
        time.sleep(0.5)


@pytest.fixture
def campaign(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Campaign]:
    if os.environ.get("SMSFLOW_TEST_DATABASE_URL") and db_url.startswith("sqlite"):
        # A few minutes per backend: run once, on PostgreSQL (what several processes share) when it is there.
        pytest.skip("runs on PostgreSQL when SMSFLOW_TEST_DATABASE_URL is set, on SQLite otherwise")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with TwilioEmulator(seed=SEED) as twilio, SalesforceEmulator(manifest=ROOT / "manifest.yaml") as org:
        c = org.credentials
        env = {
            "DATABASE_URL": db_url,
            "SMSFLOW_PUBLIC_URL": PUBLIC,
            "SMSFLOW_LOG_LEVEL": "WARNING",
            "SMSFLOW_FLOWS_DIR": str(ROOT / "flows"),
            "SMSFLOW_MAPPINGS_DIR": str(ROOT / "mappings"),
            "SMSFLOW_MANIFEST": str(ROOT / "manifest.yaml"),
            "TWILIO_ACCOUNT_SID": twilio.account_sid,
            "TWILIO_AUTH_TOKEN": twilio.auth_token,
            "TWILIO_FROM_NUMBER": twilio.number,
            "TWILIO_API_BASE": twilio.url,
            "SALESFORCE_INSTANCE_URL": org.instance_url,
            "SALESFORCE_SESSION_ID": org.session_id,
            "SALESFORCE_CA_BUNDLE": str(org.ca_bundle),
            "SALESFORCE_USERNAME": c.username,
            "SALESFORCE_PASSWORD": c.password,
            "SALESFORCE_SECURITY_TOKEN": c.security_token,
            "SALESFORCE_ORG_ID": org.org_id,
            "NO_PROXY": "127.0.0.1,localhost",
        }
        app = create_app(load_settings({k: v for k, v in env.items() if k != "NO_PROXY"}), upgrade_db=False)
        twilio.transport = wsgi_transport(app)
        leads = seed_leads(org)
        campaign = Campaign(twilio, org, app, env, tmp_path, leads, [])
        campaign.keys = start_campaign(campaign)
        try:
            yield campaign
        finally:
            for life in campaign.lives:  # a failed assertion must not leave a worker running
                if life.poll() is None:
                    life.kill()
                    life.wait()
            app.extensions["smsflow.container"].store.dispose()


def seed_leads(org: SalesforceEmulator) -> dict[str, str]:
    """TEXTS leads owned by one rep, in a zone where it is daytime; none of them from the web (no trigger)."""
    owner = org.seed("User", Username="dana@example.com", FirstName="Dana", LastName="Reyes", Alias="dana",
                     Email="dana@example.com", Phone="+14155550100")  # fmt: skip
    common = {"LastName": "Campaign", "Company": "Acme", "LeadSource": "Purchased List", "OwnerId": owner,
              "SMS_Time_Zone__c": daytime_zone(datetime.now(UTC))}  # fmt: skip
    return {phone(n): org.seed("Lead", common, FirstName=f"Lee{n}", MobilePhone=phone(n)) for n in range(TEXTS)}


def start_campaign(campaign: Campaign) -> list[str]:
    """A run of the transactional intro-text flow per lead, as read back from the org; returns the texts' keys."""
    container = campaign.app.extensions["smsflow.container"]
    flow = container.registry.flows["intro-text"]
    found = campaign.org.query(f"SELECT {LEAD_FIELDS} FROM Lead")
    records = [{k: v for k, v in r.items() if k != "attributes"} for r in found]
    keys = []
    at = datetime.now(UTC)
    for start in range(0, len(records), 250):
        with container.store.unit_of_work() as uow:
            for fields in records[start : start + 250]:
                started = start_run(uow, container.registry, flow, obj="Lead", record_id=fields["Id"], fields=fields,
                                    cause="campaign", at=at)  # fmt: skip
                assert started.step is not None, started.reason
                keys.append(started.step.state.sent[0])
            uow.commit()
    return keys


def test_kill_9_at_random_moments_loses_and_repeats_nothing(campaign: Campaign) -> None:
    rng = random.Random(SEED)
    began = time.monotonic()
    # A life killed at a random moment once it is busy sending or writing back; one killed in the dispatcher's crash
    # window; one killed right after Salesforce took a write-back batch; two more random ones; then one that finishes.
    plan = ["random", "after-send", "after-crm-write", "random", "random"]
    for n, how in enumerate(plan):
        before = campaign.progress()
        if how == "after-send":
            life = campaign.worker("--die-after-send", str(rng.randint(20, 120)))
        elif how == "after-crm-write":
            life = campaign.worker("--die-after-crm-write", str(rng.randint(1, 2)))
        else:
            life = campaign.worker()
            wait_until(lambda b=before: moved(campaign.progress(), b), 60, f"life {n} to get to work")
            time.sleep(rng.uniform(0.0, 1.0))
            life.send_signal(signal.SIGKILL)
        assert life.wait(timeout=60) == -signal.SIGKILL, f"life {n} ({how}) was killed: {campaign.logs}"
        print(f"life {n} ({how}) killed at {campaign.progress()} after {time.monotonic() - began:.1f}s")
        assert not campaign.finished(), "every kill landed before the campaign was done"

    last = campaign.worker()
    try:
        wait_until(campaign.finished, 600, "the last life to finish the campaign", campaign.progress)
    finally:
        last.send_signal(signal.SIGTERM)
        assert last.wait(timeout=60) == 0
    assert campaign.twilio.wait_idle(10)
    print(f"finished after {time.monotonic() - began:.1f}s")

    sent = campaign.twilio.store.query(Filters())
    assert len(sent) == TEXTS, "Twilio was asked for each text exactly once"
    inboxes = Counter(m.to for m in sent)
    assert set(inboxes) == set(campaign.leads) and set(inboxes.values()) == {1}
    for number in campaign.leads:
        assert len(campaign.twilio.phone(number).inbox) == 1, f"{number} got its text exactly once"
    with campaign.store.unit_of_work() as uow:
        texts = {m.provider_id: m for m in (uow.messages.by_action_id(k) for k in campaign.keys) if m is not None}
    assert set(texts) == {m.sid for m in sent}, "every text's SID is recorded"
    tasks = campaign.org.tasks()
    assert len(tasks) == TEXTS, "one Task per text, none written twice"
    by_sid = {t["SMS_Message_Id__c"]: t for t in tasks}
    sid_to_lead = {m.sid: campaign.leads[m.to] for m in sent}
    assert {sid: t["WhoId"] for sid, t in by_sid.items()} == sid_to_lead, "each Task is on its lead"
    assert {t["SMS_Status__c"] for t in tasks} == {"Delivered"}, "each Task shows the latest receipt"
