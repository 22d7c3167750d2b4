"""Shared fixtures for tests that need a Salesforce org: the emulator on loopback HTTPS, and settings pointing at it.

    def test_something(salesforce_emulator, salesforce_crm):
        lead_id = salesforce_emulator.seed("Lead", LastName="Ruiz", Company="Ruiz Roofing")
        crm = salesforce_crm   # or build_crm(load_settings(env=salesforce_env | {...}))
        ...
        assert salesforce_emulator.tasks(who_id=lead_id)[0]["Subject"] == "SMS sent: intro"
        assert [c.path for c in salesforce_emulator.api_calls].count(...) == 1

The emulator object: instance_url, ca_bundle, session_id, org_id, credentials (username, password, ...);
seed()/update()/delete()/record()/query()/tasks() work in-process and cost no API calls; set_clock(fn);
api_calls, api_usage, reset_api_calls(), set_api_budget(), expire_sessions(), fail_next(n, "unavailable" | "timeout"),
query_batch_size; deliveries.add_outbound_message()/add_callout()/add_standard_rules(), deliveries.attempts,
deliveries.wait_for()/wait_idle(). Deliveries retry after 0.05 s, 0.1 s, then every 0.2 s here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from connector.crm.port import CrmPort
from connector.crm.salesforce import build_crm
from connector.sandbox.salesforce import RetryPolicy, SalesforceEmulator
from connector.settings import load_settings

ROOT = Path(__file__).resolve().parents[3]
FAST_RETRY = RetryPolicy(base=0.05, cap=0.2, give_up_after=3600.0, timeout=5.0)


@pytest.fixture
def salesforce_emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[SalesforceEmulator]:
    """A fresh emulated org (standard objects + manifest.yaml's custom fields) on https://127.0.0.1:<free port>."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")  # a CI proxy must not see loopback calls
    with SalesforceEmulator(manifest=ROOT / "manifest.yaml", retry=FAST_RETRY) as emulator:
        yield emulator


@pytest.fixture
def salesforce_env(salesforce_emulator: SalesforceEmulator) -> dict[str, str]:
    """SALESFORCE_* settings for the emulator with session-id login (add SALESFORCE_USERNAME/PASSWORD to re-login)."""
    return {
        "SALESFORCE_INSTANCE_URL": salesforce_emulator.instance_url,
        "SALESFORCE_SESSION_ID": salesforce_emulator.session_id,
        "SALESFORCE_CA_BUNDLE": str(salesforce_emulator.ca_bundle),
        "SALESFORCE_ORG_ID": salesforce_emulator.org_id,
    }


@pytest.fixture
def salesforce_crm(salesforce_env: dict[str, str]) -> CrmPort:
    """The production adapter, built by build_crm() from settings that point at the emulator."""
    return build_crm(load_settings(env=salesforce_env))
