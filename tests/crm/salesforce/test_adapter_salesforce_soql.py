"""SOQL is built, never pasted: quoting and escaping per Salesforce's rules, and hostile values stay values."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from connector.crm.port import CrmError, CrmPort
from connector.crm.salesforce import soql
from connector.sandbox.salesforce import SalesforceEmulator

HOSTILE = [
    "' OR Name LIKE '%",
    "x' OR LastName != '",
    "\\' OR Id != '",
    "O'Brien",
    "100%_Eve",
    "back\\slash",
    "%",
    "_",
    "\\",
    "'",
    "\\'",
    "line\nbreak",
    "') OR (Id != '",
]
NAMES = ["Ruiz", "O'Brien", "100%_Eve", "back\\slash", "line\nbreak", "%", "100 Eve", "1000_Eve"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("O'Brien", "'O\\'Brien'", id="single-quote-is-escaped"),
        pytest.param("back\\slash", "'back\\\\slash'", id="backslash-is-escaped-first"),
        pytest.param("' OR Name LIKE '%", "'\\' OR Name LIKE \\'%'", id="injection-stays-inside-the-literal"),
        pytest.param("a\nb\tc\r", "'a\\nb\\tc\\r'", id="control-characters-use-escapes"),
        pytest.param("100%_off", "'100%_off'", id="wildcards-are-plain-outside-like"),
    ],
)
def test_quote(value: str, expected: str) -> None:
    assert soql.quote(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(None, "null", id="none-is-null"),
        pytest.param(True, "true", id="bool"),
        pytest.param(42, "42", id="int"),
        pytest.param(date(2026, 11, 23), "2026-11-23", id="date-unquoted"),
        pytest.param(datetime(2026, 11, 23, 14, 5, 11, 999000, tzinfo=UTC), "2026-11-23T14:05:11Z",
                     id="datetime-rounded-down-to-the-second"),
        pytest.param(datetime(2026, 11, 23, 15, 5, 11, tzinfo=timezone(timedelta(hours=1))), "2026-11-23T14:05:11Z",
                     id="datetime-converted-to-utc"),
        pytest.param(datetime(2026, 11, 23, 14, 5, 11), "2026-11-23T14:05:11Z", id="naive-datetime-is-utc"),
    ],
)  # fmt: skip
def test_literal(value: object, expected: str) -> None:
    assert soql.literal(value) == expected


def test_like_escapes_wildcards_inside_parts_only() -> None:
    assert soql.like("LastName", "100%_").text == "LastName LIKE '%100\\%\\_%'"
    assert soql.like("Phone", "0", "1", start=False).text == "Phone LIKE '0%1%'"


@pytest.mark.parametrize("bad", ["Name; DELETE", "Owner.Name OR Id", "", "1abc", "Na me", "Name'", "Owner..Name"])
def test_names_that_are_not_api_names_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="not a Salesforce API name"):
        soql.select("Lead", [bad])


def test_clauses_come_only_from_the_builders() -> None:
    with pytest.raises(TypeError):
        soql.Clause("Id != null")
    with pytest.raises(TypeError):
        soql.select("Lead", ["Id"], where="Id != null")  # type: ignore[arg-type]


def test_mixed_and_or_is_parenthesised() -> None:
    where = soql.all_of(soql.any_of(soql.eq("A", 1), soql.eq("B", 2)), soql.negate(soql.eq("C", None)))
    assert soql.select("Lead", ["Id", "id", "Owner.Name"], where=where) == (
        "SELECT Id, Owner.Name FROM Lead WHERE ((A = 1) OR (B = 2)) AND (NOT (C = null))"
    )


@pytest.fixture
def named(salesforce_emulator: SalesforceEmulator) -> dict[str, str]:
    return {name: salesforce_emulator.seed("Lead", LastName=name, Company="Acme") for name in NAMES}


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_match_only_themselves(
    salesforce_emulator: SalesforceEmulator, named: dict[str, str], value: str
) -> None:
    equal = salesforce_emulator.query(soql.select("Lead", ["Id"], where=soql.eq("LastName", value)))
    assert [r["Id"] for r in equal] == [i for n, i in named.items() if n.lower() == value.lower()]
    containing = salesforce_emulator.query(soql.select("Lead", ["Id"], where=soql.like("LastName", value)))
    assert sorted(r["Id"] for r in containing) == sorted(i for n, i in named.items() if value.lower() in n.lower())


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_input_to_the_adapter_is_harmless(
    salesforce_crm: CrmPort, salesforce_emulator: SalesforceEmulator, named: dict[str, str], value: str
) -> None:
    with pytest.raises(CrmError) as caught:
        salesforce_crm.get("Lead", value, ["LastName"])
    assert caught.value.code == "invalid"
    with pytest.raises(CrmError):
        salesforce_crm.get("Lead", named["Ruiz"], [value])
    with pytest.raises(CrmError):
        salesforce_crm.find_by_phone(value, ["MobilePhone"], "+14155550188", [])
    assert salesforce_crm.find_by_phone("Lead", ["MobilePhone"], value, ["LastName"]) == []
    assert salesforce_emulator.api_calls == [], "nothing hostile was sent"
    assert len(salesforce_emulator.query("SELECT Id FROM Lead")) == len(NAMES)
