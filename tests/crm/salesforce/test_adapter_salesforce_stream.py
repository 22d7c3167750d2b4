"""Streaming an audience: the SOQL it becomes (built, never pasted), and FakeCrm and the emulator-backed adapter
agreeing on which records, in what order, page by page, resumed after an Id."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from connector.crm import audience
from connector.crm.fake import FakeCrm
from connector.crm.port import CrmError, CrmPort
from connector.crm.salesforce import SalesforceConfig, SalesforceCrm, soql
from connector.crm.salesforce.audience import clause
from connector.sandbox.salesforce import SalesforceEmulator

T0 = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
STALE = "LastActivityDate < LAST_N_DAYS:180 AND SMS_Marketing_Opt_In__c = true"


@pytest.mark.parametrize(
    ("text", "where"),
    [
        pytest.param(STALE, "(LastActivityDate < LAST_N_DAYS:180) AND (SMS_Marketing_Opt_In__c = true)", id="stale"),
        pytest.param("Company = 'O\\'Brien' OR Status != 'x'", "(Company = 'O\\'Brien') OR (Status != 'x')",
                     id="quotes-are-escaped-again"),
        pytest.param("Company = '\\' OR Id != \\''", "Company = '\\' OR Id != \\''", id="injection-stays-a-value"),
        pytest.param("LeadSource NOT IN ('Web', 'Partner')", "NOT (LeadSource IN ('Web', 'Partner'))", id="not-in"),
        pytest.param("CreatedDate >= 2026-11-01 AND NumberOfEmployees <= 10",
                     "(CreatedDate >= 2026-11-01) AND (NumberOfEmployees <= 10)", id="date-and-number"),
        pytest.param("NOT (A = null)", "NOT (A = null)", id="not-null"),
    ],
)  # fmt: skip
def test_audience_becomes_soql_through_the_builders(text: str, where: str) -> None:
    condition = audience.parse(text)
    assert condition is not None
    assert clause(condition).text == where


def test_a_field_name_past_the_api_grammar_is_refused() -> None:
    condition = audience.parse("A" * 81 + " = 1")
    assert condition is not None
    with pytest.raises(ValueError, match="not a Salesforce API name"):
        clause(condition)


def test_only_known_date_literals_are_rendered() -> None:
    assert soql.literal(soql.DateLiteral("LAST_N_DAYS", 180)) == "LAST_N_DAYS:180"
    with pytest.raises(ValueError, match="not a SOQL date literal"):
        soql.DateLiteral("LAST_N_DAYS; DELETE", 1)


@dataclass
class Backend:
    crm: CrmPort
    seed: Callable[..., str]
    calls: Callable[[], int]


@pytest.fixture(params=["fake", "salesforce"])
def backend(request: pytest.FixtureRequest) -> Backend:
    if request.param == "fake":
        fake = FakeCrm(now=T0)
        return Backend(fake, fake.put, lambda: fake.total_calls)
    emulator: SalesforceEmulator = request.getfixturevalue("salesforce_emulator")
    emulator.set_clock(lambda: T0)
    emulator.query_batch_size = 2000
    return Backend(request.getfixturevalue("salesforce_crm"), emulator.seed, lambda: len(emulator.api_calls))


def _leads(b: Backend, count: int) -> list[str]:
    ids = []
    for n in range(count):
        idle = 400 if n % 3 else 30  # every third lead was active lately
        ids.append(b.seed("Lead", LastName=f"Lead {n}", Company="Acme", SMS_Marketing_Opt_In__c=n % 5 != 4,
                          LastActivityDate=(T0.date() - timedelta(days=idle)).isoformat()))  # fmt: skip
    return ids


def test_stream_returns_the_audience_in_id_order(backend: Backend) -> None:
    ids = _leads(backend, 40)
    condition = audience.parse(STALE)
    got = list(backend.crm.stream("Lead", ["LastName", "LastActivityDate"], condition))
    expected = sorted(i for n, i in enumerate(ids) if n % 3 and n % 5 != 4)
    assert [r["Id"] for r in got] == expected
    assert all(r["LastActivityDate"] < "2026-05-27" for r in got)


def test_stream_after_an_id_resumes_without_the_records_before(backend: Backend) -> None:
    # Enough records that emulator ids mix digits, upper- and lower-case letters: Ids order case-sensitively.
    ids = sorted(_leads(backend, 70))
    got = [r["Id"] for r in backend.crm.stream("Lead", ["LastName"], after_id=ids[29])]
    assert got == ids[30:]


def test_stream_reads_a_page_per_call_and_only_as_far_as_asked(
    backend: Backend, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    if isinstance(backend.crm, FakeCrm):
        monkeypatch.setattr("connector.crm.fake.QUERY_PAGE", 10)
    else:
        request.getfixturevalue("salesforce_emulator").query_batch_size = 10
    _leads(backend, 35)
    before = backend.calls()
    records = backend.crm.stream("Lead", ["LastName"])
    first = [next(records) for _ in range(15)]
    assert len(first) == 15 and backend.calls() - before == 2  # two pages read, two left unread
    assert len(list(records)) == 20 and backend.calls() - before == 4


def test_stream_is_paced_like_polling_when_the_budget_runs_low(salesforce_emulator: SalesforceEmulator) -> None:
    crm = SalesforceCrm(SalesforceConfig(instance_url=salesforce_emulator.instance_url,
                                         session_id=salesforce_emulator.session_id,
                                         ca_bundle=salesforce_emulator.ca_bundle))  # fmt: skip
    salesforce_emulator.seed("Lead", LastName="Ruiz", Company="Acme")
    salesforce_emulator.set_api_budget(limit=1000, used=950)
    assert crm.get("Lead", salesforce_emulator.query("SELECT Id FROM Lead")[0]["Id"], ["LastName"]) is not None
    with pytest.raises(CrmError) as refused:
        list(crm.stream("Lead", ["LastName"]))
    assert (refused.value.code, refused.value.retryable) == ("limit", True)
