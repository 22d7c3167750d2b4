"""End to end: `smsflow campaign` streams stale leads from the Salesforce emulator and queues a promo run for each.

The command runs as an admin would run it (settings from the environment), on the real adapter (unmodified
simple-salesforce, query then query_more per nextRecordsUrl); the emulator pages 10 records a call. Its API
budget runs low after three pages: the campaign pauses, and `resume` finishes it without starting anybody twice.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from connector.cli import main
from connector.services.campaign import cause_of
from connector.services.registry import Registry
from connector.services.runs import run_id_for
from connector.store.tables import Outbox, Run
from connector.store.uow import Store

sandbox = pytest.importorskip("connector.sandbox.salesforce")
ROOT = Path(__file__).resolve().parents[2]
STALE = "LastActivityDate < LAST_N_DAYS:180 AND SMS_Marketing_Opt_In__c = true"


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with sandbox.SalesforceEmulator(manifest=ROOT / "manifest.yaml", query_batch_size=10) as emulator:
        yield emulator


def env(db_url: str, emu: Any) -> dict[str, str]:
    return {
        "DATABASE_URL": db_url,
        "SMSFLOW_FLOWS_DIR": str(ROOT / "flows"),
        "SMSFLOW_MAPPINGS_DIR": str(ROOT / "mappings"),
        "SMSFLOW_MANIFEST": str(ROOT / "manifest.yaml"),
        "SALESFORCE_INSTANCE_URL": emu.instance_url,
        "SALESFORCE_SESSION_ID": emu.session_id,
        "SALESFORCE_CA_BUNDLE": str(emu.ca_bundle),
        "SALESFORCE_ORG_ID": emu.org_id,
    }


def seed(emu: Any) -> dict[str, list[str]]:
    """50 stale leads who said yes to promotions (2 without a number), 10 active lately, 5 who never said yes."""
    today = datetime.now(UTC).date()
    owner = emu.seed("User", Username="dana@example.com", FirstName="Dana", LastName="Reyes", Alias="dana",
                     Email="dana@example.com", Phone="+14155550100")  # fmt: skip
    groups: dict[str, list[str]] = {"texted": [], "no_phone": [], "left_out": []}
    for n in range(65):
        stale, opted_in = n < 50 or n >= 60, n < 60
        fields = {
            "FirstName": f"Lee{n}", "LastName": f"Lead {n}", "Company": "Acme", "OwnerId": owner,
            "MobilePhone": None if n in (7, 33) else f"+1415555{n:04d}", "SMS_Marketing_Opt_In__c": opted_in,
            "LastActivityDate": (today - timedelta(days=400 if stale else 20)).isoformat(),
        }  # fmt: skip
        group = "left_out" if not (stale and opted_in) else "no_phone" if n in (7, 33) else "texted"
        groups[group].append(emu.seed("Lead", fields))
    return groups


def test_a_campaign_pauses_when_the_budget_runs_low_and_resumes_without_texting_anyone_twice(
    db_url: str, emu: Any
) -> None:
    groups = seed(emu)
    runner = CliRunner(env=env(db_url, emu))
    emu.set_api_budget(limit=100, used=88)  # three pages, then under the 10 % kept for live conversations
    args = ["campaign", "start", "promo-reactivation", "--object", "Lead", "--where", STALE, "--id", "spring"]
    first = runner.invoke(main, [*args, "--batch", "10"])
    assert first.exit_code == 3, first.output
    assert "spring: paused" in first.output and "limit" in first.output
    assert len(emu.api_calls) == 3

    emu.set_api_budget(used=0)
    second = runner.invoke(main, ["campaign", "resume", "spring", "--batch", "10"])
    assert second.exit_code == 0, second.output
    assert len(emu.api_calls) == 5  # the last two pages, asked for after the checkpoint

    status = runner.invoke(main, ["campaign", "status", "spring", "--json"])
    record = json.loads(status.output)
    assert (record["status"], record["planned"], record["started"], record["refused"]) == ("done", 50, 48, 2)
    assert record["refusals"] == {"no_phone": 2} and sorted(record["examples"]["no_phone"]) == groups["no_phone"]

    registry = Registry.load(ROOT / "flows", ROOT / "mappings", ROOT / "manifest.yaml")
    flow = registry.flows["promo-reactivation"]
    store = Store(db_url)
    try:
        with store.unit_of_work() as uow:
            runs = {row.id: row.record_id for row in uow.session.execute(select(Run.id, Run.record_id))}
            texts = list(uow.session.scalars(select(Outbox.payload).where(Outbox.kind == "send_sms")))
    finally:
        store.dispose()
    assert sorted(runs.values()) == sorted(groups["texted"])
    assert all(run_id == run_id_for(flow, lead, cause_of("spring")) for run_id, lead in runs.items())
    assert len(texts) == 48 and {t["category"] for t in texts} == {"marketing"}

    listed = runner.invoke(main, ["campaign", "list"])
    assert "spring  done" in listed.output and "started 48, refused 2" in listed.output
