"""SOQL through simple-salesforce: filters, relationships, ordering, paging with nextRecordsUrl, queryAll."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sf_emulator_support import sample
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from connector.sandbox.salesforce import SalesforceEmulator

NOW = datetime(2026, 11, 23, 14, 5, 11, tzinfo=UTC)


@pytest.fixture
def people(emulator: SalesforceEmulator) -> dict[str, str]:
    """Five leads with different statuses, phones, dates and owners; the org's clock stands at NOW."""
    emulator.set_clock(lambda: NOW)
    dana = emulator.seed("User", Username="dana@example.com", FirstName="Dana", LastName="Reyes", Alias="dana",
                         Email="dana@example.com", Phone="+14155550100")  # fmt: skip
    rows = {
        "ana": {"FirstName": "Ana", "LastName": "Ruiz", "MobilePhone": "(415) 555-0188", "OwnerId": dana},
        "ben": {"FirstName": "Ben", "LastName": "Okafor", "Status": "Working - Contacted", "DoNotCall": True},
        "chloe": {"FirstName": "Chloe", "LastName": "Martin", "Phone": "+44 20 7946 0000", "LeadSource": "Web"},
        "dan": {"FirstName": "Dan", "LastName": "O'Brien", "Status": "Closed - Converted", "LeadSource": "Other"},
        "eve": {"LastName": "100%_Eve", "SMS_Opt_Out__c": True,
                "CreatedDate": (NOW - timedelta(days=10)).isoformat()},
    }  # fmt: skip
    return {key: emulator.seed("Lead", fields | {"Company": "Acme"}) for key, fields in rows.items()} | {"dana": dana}


def _names(sf: Salesforce, where: str, order: str = "LastName") -> list[str]:
    records = sf.query_all(f"SELECT Id, LastName FROM Lead WHERE {where} ORDER BY {order}")["records"]
    return [r["LastName"] for r in records]


WHERE = [
    pytest.param("Status = 'Working - Contacted'", ["Okafor"], id="equals"),
    pytest.param("status = 'working - contacted'", ["Okafor"], id="names-and-text-compare-case-insensitively"),
    pytest.param("Status != 'Open - Not Contacted'", ["Okafor", "O'Brien"], id="not-equals"),
    pytest.param("Status <> 'Open - Not Contacted'", ["Okafor", "O'Brien"], id="angle-not-equals"),
    pytest.param("LastName = 'O\\'Brien'", ["O'Brien"], id="escaped-quote-in-literal"),
    pytest.param("LastName LIKE '100\\%\\_%'", ["100%_Eve"], id="like-with-escaped-wildcards"),
    pytest.param("LastName LIKE '%r%'", ["Martin", "O'Brien", "Okafor", "Ruiz"], id="like-is-case-insensitive"),
    pytest.param("MobilePhone LIKE '%5%5%5%0%1%8%8%'", ["Ruiz"], id="like-with-wildcards-between-digits"),
    pytest.param("LeadSource IN ('Web', 'Other')", ["Martin", "O'Brien"], id="in-list"),
    pytest.param("LeadSource NOT IN ('Web')", ["100%_Eve", "Okafor", "O'Brien", "Ruiz"], id="not-in-includes-nulls"),
    pytest.param("DoNotCall = true OR SMS_Opt_Out__c = true", ["100%_Eve", "Okafor"], id="or-on-checkboxes"),
    pytest.param("(DoNotCall = true OR SMS_Opt_Out__c = true) AND Status = 'Working - Contacted'", ["Okafor"],
                 id="parentheses-group-or-under-and"),
    pytest.param("NOT Status = 'Open - Not Contacted'", ["Okafor", "O'Brien"], id="not-negates"),
    pytest.param("NOT (LeadSource = null)", ["Martin", "O'Brien"], id="not-with-parentheses-and-null"),
    pytest.param("MobilePhone = null AND Phone != null", ["Martin"], id="null-comparisons"),
    pytest.param("CreatedDate < 2026-11-20T00:00:00Z", ["100%_Eve"], id="datetime-literal-less-than"),
    pytest.param("CreatedDate >= 2026-11-23T15:05:11.000+01:00", ["Martin", "O'Brien", "Okafor", "Ruiz"],
                 id="datetime-literal-with-offset-and-millis"),
    pytest.param("CreatedDate = TODAY", ["Martin", "O'Brien", "Okafor", "Ruiz"], id="today"),
    pytest.param("CreatedDate = LAST_N_DAYS:7", ["Martin", "O'Brien", "Okafor", "Ruiz"], id="last-n-days-skips-old"),
    pytest.param("CreatedDate = LAST_N_DAYS:30", ["100%_Eve", "Martin", "O'Brien", "Okafor", "Ruiz"],
                 id="last-n-days-includes-within"),
    pytest.param("CreatedDate > YESTERDAY", ["Martin", "O'Brien", "Okafor", "Ruiz"], id="after-yesterday"),
    pytest.param("Owner.FirstName = 'Dana'", ["Ruiz"], id="relationship-field-in-where"),
]  # fmt: skip


@pytest.mark.parametrize(("where", "expected"), WHERE)
def test_where_clauses_select_the_right_leads(
    sf: Salesforce, people: dict[str, str], where: str, expected: list[str]
) -> None:
    assert sorted(_names(sf, where)) == sorted(expected)


def test_order_by_desc_puts_nulls_last_and_limit_offset_slice(sf: Salesforce, people: dict[str, str]) -> None:
    records = sf.query("SELECT FirstName FROM Lead ORDER BY FirstName DESC LIMIT 3 OFFSET 1")["records"]
    assert [r["FirstName"] for r in records] == ["Chloe", "Ben", "Ana"]
    records = sf.query("SELECT FirstName FROM Lead ORDER BY FirstName ASC NULLS LAST")["records"]
    assert [r["FirstName"] for r in records][-1] is None


def test_relationship_fields_come_back_nested_with_attributes(sf: Salesforce, people: dict[str, str]) -> None:
    query = f"SELECT Id, Owner.Name, Owner.FirstName, Owner.Phone FROM Lead WHERE Id = '{people['ana']}'"
    record = sf.query(query)["records"][0]
    assert record["Owner"] == {
        "attributes": {"type": "User", "url": f"/services/data/v61.0/sobjects/User/{people['dana']}"},
        "Name": "Dana Reyes",
        "FirstName": "Dana",
        "Phone": "+14155550100",
    }


def test_contact_account_name_and_missing_parent_is_null(sf: Salesforce, emulator: SalesforceEmulator) -> None:
    account = emulator.seed("Account", Name="Acme Solar")
    emulator.seed("Contact", LastName="With", AccountId=account)
    emulator.seed("Contact", LastName="Without")
    records = sf.query("SELECT LastName, Account.Name FROM Contact ORDER BY LastName")["records"]
    assert [(r["LastName"], r["Account"] and r["Account"]["Name"]) for r in records] == [
        ("With", "Acme Solar"),
        ("Without", None),
    ]


def test_paging_follows_next_records_url_in_the_sample_shape(sf: Salesforce, emulator: SalesforceEmulator) -> None:
    for n in range(5):
        emulator.seed("Lead", LastName=f"Lead {n}", Company="Acme")
    emulator.query_batch_size = 2
    emulator.reset_api_calls()
    first = sf.query("SELECT Id, LastName FROM Lead ORDER BY LastName")
    assert set(first) == set(sample("query_response_page1.json"))
    assert (first["totalSize"], first["done"], len(first["records"])) == (5, False, 2)
    assert first["nextRecordsUrl"].startswith("/services/data/v61.0/query/01g")
    everything = sf.query_all("SELECT Id, LastName FROM Lead ORDER BY LastName")
    assert [r["LastName"] for r in everything["records"]] == [f"Lead {n}" for n in range(5)]
    assert len(emulator.api_calls) == 1 + 3, "query_all: one query and two query_more calls"


def test_batch_size_header_is_honoured_between_200_and_2000(sf: Salesforce, emulator: SalesforceEmulator) -> None:
    for n in range(250):
        emulator.seed("Task", Subject=f"t{n}")
    page = sf.query("SELECT Id FROM Task", headers={"Sforce-Query-Options": "batchSize=200"})
    assert (len(page["records"]), page["done"]) == (200, False)


def test_query_all_sees_deleted_records_and_query_does_not(sf: Salesforce, emulator: SalesforceEmulator) -> None:
    lead = emulator.seed("Lead", LastName="Gone", Company="Acme")
    emulator.delete("Lead", lead)
    assert sf.query("SELECT Id FROM Lead")["totalSize"] == 0
    assert sf.query_all("SELECT Id, IsDeleted FROM Lead", include_deleted=True)["records"][0]["IsDeleted"] is True


def test_count_query_reports_total_size_only(sf: Salesforce, people: dict[str, str]) -> None:
    assert sf.query("SELECT COUNT() FROM Lead WHERE DoNotCall = false") == {"totalSize": 4, "done": True, "records": []}


BAD = [
    pytest.param("SELECT Id FROM Lead WHERE DoNotCall = true AND Status = 'x' OR Company = 'y'", "MALFORMED_QUERY",
                 id="and-or-mix-needs-parentheses"),
    pytest.param("SELECT Id FROM Lead WHERE CreatedDate > '2026-01-01T00:00:00Z'", "INVALID_FIELD",
                 id="quoted-datetime-is-refused"),
    pytest.param("SELECT Id FROM Lead WHERE DoNotCall = 'true'", "INVALID_FIELD", id="quoted-boolean-is-refused"),
    pytest.param("SELECT Id FROM Lead WHERE Id = 'not-an-id'", "INVALID_QUERY_FILTER_OPERATOR",
                 id="malformed-id-literal"),
    pytest.param("SELECT Id FROM Lead WHERE LastName = 'x\\y'", "MALFORMED_QUERY", id="unknown-escape-sequence"),
    pytest.param("SELECT Id FROM Lead WHERE LastName = 'x' OR Name LIKE '%'' ", "MALFORMED_QUERY",
                 id="dangling-quote"),
    pytest.param("SELECT Id, Id FROM Lead", "MALFORMED_QUERY", id="duplicate-field"),
    pytest.param("SELECT Id FROM Lead WHERE Boss.Name = 'x'", "INVALID_FIELD", id="unknown-relationship"),
    pytest.param("SELECT Id FROM Leads", "INVALID_TYPE", id="unknown-object"),
    pytest.param("SELECT Id FROM Lead GROUP BY Id", "MALFORMED_QUERY", id="group-by-is-outside-the-subset"),
    pytest.param("SELECT Id FROM Lead WHERE LastName = :name", "MALFORMED_QUERY", id="bind-variables-are-refused"),
]  # fmt: skip


@pytest.mark.parametrize(("query", "code"), BAD)
def test_bad_queries_are_refused_like_salesforce(sf: Salesforce, people: dict[str, str], query: str, code: str) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.query(query)
    assert caught.value.content[0]["errorCode"] == code
    assert "ERROR at Row:1:Column:" in caught.value.content[0]["message"] or code == "INVALID_QUERY_FILTER_OPERATOR"
