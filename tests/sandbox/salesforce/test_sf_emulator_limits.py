"""The daily API budget (Sforce-Limit-Info, enforced), and injected outages: 503s and hanging requests."""

from __future__ import annotations

import pytest
import requests
from sf_emulator_support import plain_session
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceGeneralError, SalesforceRefusedRequest

from connector.sandbox.salesforce import SalesforceEmulator


def test_every_rest_response_reports_usage_and_each_call_counts_once(
    sf: Salesforce, emulator: SalesforceEmulator
) -> None:
    lead = sf.Lead
    lead.create({"LastName": "Ruiz", "Company": "Acme"})
    assert lead.api_usage["api-usage"] == (1, 15000)
    sf.query("SELECT Id FROM Lead")
    sf.describe()
    assert sf.api_usage["api-usage"] == (3, 15000)
    assert emulator.api_usage == (3, 15000)
    assert [c.method for c in emulator.api_calls] == ["POST", "GET", "GET"]


def test_budget_is_enforced_and_a_refused_call_is_not_charged(sf: Salesforce, emulator: SalesforceEmulator) -> None:
    emulator.set_api_budget(limit=100, used=98)
    sf.query("SELECT Id FROM Lead")
    sf.query("SELECT Id FROM Lead")
    assert sf.api_usage["api-usage"] == (100, 100)
    for _ in range(2):
        with pytest.raises(SalesforceRefusedRequest) as caught:
            sf.query("SELECT Id FROM Lead")
        assert caught.value.content[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"
    assert emulator.api_usage == (100, 100)
    emulator.set_api_budget(used=0)
    assert sf.query("SELECT Id FROM Lead")["totalSize"] == 0


def test_limits_resource_reports_the_remaining_calls(sf: Salesforce, emulator: SalesforceEmulator) -> None:
    emulator.set_api_budget(limit=500, used=120)
    assert sf.limits()["DailyApiRequests"] == {"Max": 500, "Remaining": 379}


def test_next_calls_fail_with_503_then_service_resumes(sf: Salesforce, emulator: SalesforceEmulator) -> None:
    emulator.fail_next(2)
    for _ in range(2):
        with pytest.raises(SalesforceGeneralError) as caught:
            sf.Lead.create({"LastName": "Ruiz", "Company": "Acme"})
        assert caught.value.status == 503
    assert emulator.query("SELECT Id FROM Lead") == [], "a failed call changed nothing"
    assert sf.Lead.create({"LastName": "Ruiz", "Company": "Acme"})["success"]
    assert len(emulator.api_calls) == 1, "outages are not charged"


def test_timeout_fault_hangs_past_the_client_timeout_and_changes_nothing(emulator: SalesforceEmulator) -> None:
    emulator.fail_next(1, "timeout", stall_seconds=5.0)
    session = plain_session(emulator)
    sf = Salesforce(instance_url=emulator.instance_url, session_id=emulator.session_id, session=session)
    body = {"LastName": "Ruiz", "Company": "Acme"}
    with pytest.raises(requests.exceptions.ReadTimeout):
        sf.restful("sobjects/Lead/", method="POST", json=body, timeout=(5.0, 0.5))
    assert emulator.query("SELECT Id FROM Lead") == []
    assert sf.restful("sobjects/Lead/", method="POST", json=body, timeout=(5.0, 5.0))["success"]
