"""Campaign audiences: the admin's SOQL condition read into typed parts, and applied to records as SOQL would."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from connector.crm.audience import (
    AllOf,
    AnyOf,
    AudienceError,
    Compare,
    In,
    Not,
    RelativeDate,
    field_names,
    matches,
    parse,
)

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("", None, id="empty-is-everyone"),
        pytest.param(
            "LastActivityDate < LAST_N_DAYS:180",
            Compare("LastActivityDate", "<", RelativeDate("LAST_N_DAYS", 180)),
            id="date-literal-with-days",
        ),
        pytest.param(
            "CreatedDate = today", Compare("CreatedDate", "=", RelativeDate("TODAY")), id="date-literal-any-case"
        ),
        pytest.param("Status <> 'Open'", Compare("Status", "!=", "Open"), id="angle-not-equal-is-not-equal"),
        pytest.param(
            "Owner.IsActive = TRUE", Compare("Owner.IsActive", "=", True), id="relationship-field-and-boolean"
        ),
        pytest.param(
            "Company = 'O\\'Brien \\\\ Co'", Compare("Company", "=", "O'Brien \\ Co"), id="soql-escapes-in-text"
        ),
        pytest.param("NumberOfEmployees >= -2.5", Compare("NumberOfEmployees", ">=", -2.5), id="negative-decimal"),
        pytest.param(
            "Booking_Time__c > 2026-11-23T14:00:00Z",
            Compare("Booking_Time__c", ">", datetime(2026, 11, 23, 14, tzinfo=UTC)),
            id="datetime-literal",
        ),
        pytest.param("LastActivityDate = null", Compare("LastActivityDate", "=", None), id="null"),
        pytest.param(
            "LeadSource NOT IN ('Web', 'Partner')", In("LeadSource", ("Web", "Partner"), negated=True), id="not-in-list"
        ),
        pytest.param(
            "A = 1 AND B = 2 AND C = 3",
            AllOf((Compare("A", "=", 1), Compare("B", "=", 2), Compare("C", "=", 3))),
            id="and-chain-is-flat",
        ),
        pytest.param(
            "(A = 1 OR B = 2) AND NOT C = 3",
            AllOf((AnyOf((Compare("A", "=", 1), Compare("B", "=", 2))), Not(Compare("C", "=", 3)))),
            id="parentheses-group-or-inside-and",
        ),
    ],
)
def test_parse(text: str, expected: Any) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        pytest.param(
            "A = 1 AND B = 2 OR C = 3", "put parentheses around AND and OR", 16, id="and-or-mixed-needs-parentheses"
        ),
        pytest.param('Status = "Open"', "quote text with '", 9, id="double-quotes-are-not-soql"),
        pytest.param("Status = 'Open", "has no closing '", 9, id="unclosed-quote"),
        pytest.param("LastActivityDate < LAST_N_DAYS", "needs a number of days", 19, id="date-literal-without-days"),
        pytest.param("Status == 'Open'", "expected a value", 8, id="double-equals-is-not-soql"),
        pytest.param("Status 'Open'", "expected an operator", 7, id="missing-operator"),
        pytest.param("Status = Open", "expected a value", 9, id="bare-word-is-not-a-value"),
        pytest.param("(Status = 'Open'", "expected ')'", 16, id="unclosed-parenthesis"),
        pytest.param("Status = 'Open' LIMIT 5", "expected AND, OR or the end", 16, id="no-clauses-after-the-condition"),
        pytest.param("Status NOT = 'x'", "expected IN after NOT", 11, id="not-needs-in"),
        pytest.param("Id = 'a' OR (Id = 'b'; DELETE", "expected a field, value or operator", 21, id="stray-character"),
    ],
)
def test_parse_errors_say_what_and_where(text: str, message: str, column: int) -> None:
    with pytest.raises(AudienceError) as caught:
        parse(text)
    assert message in caught.value.message and caught.value.column == column


def test_nesting_is_bounded() -> None:
    with pytest.raises(AudienceError, match="nested more than"):
        parse("(" * 40 + "A = 1" + ")" * 40)


def test_field_names_lists_each_once() -> None:
    assert field_names(parse("A = 1 AND (B = 2 OR A IN (3, 4)) AND NOT Owner.Name = 'x'")) == ["A", "B", "Owner.Name"]


@pytest.mark.parametrize(
    ("text", "record", "expected"),
    [
        pytest.param(
            "LastActivityDate < LAST_N_DAYS:180",
            {"LastActivityDate": "2026-05-26"},
            True,
            id="before-the-range-is-stale",
        ),
        pytest.param(
            "LastActivityDate < LAST_N_DAYS:180",
            {"LastActivityDate": "2026-05-27"},
            False,
            id="first-day-of-range-is-not",
        ),
        pytest.param(
            "LastActivityDate < LAST_N_DAYS:180", {"LastActivityDate": None}, False, id="null-date-is-never-less"
        ),
        pytest.param(
            "LastActivityDate = LAST_N_DAYS:7", {"LastActivityDate": "2026-11-23"}, True, id="today-is-in-last-n-days"
        ),
        pytest.param(
            "CreatedDate = TODAY", {"CreatedDate": "2026-11-23T23:59:59.000+0000"}, True, id="datetime-within-today"
        ),
        pytest.param(
            "CreatedDate = YESTERDAY",
            {"CreatedDate": "2026-11-23T00:00:00.000+0000"},
            False,
            id="datetime-not-yesterday",
        ),
        pytest.param(
            "CreatedDate > 2026-11-01",
            {"CreatedDate": "2026-11-02T00:00:00.000+0000"},
            True,
            id="date-against-datetime",
        ),
        pytest.param("Status = 'open'", {"Status": "Open"}, True, id="text-ignores-case"),
        pytest.param("Status != 'Open'", {"Status": None}, True, id="not-equal-includes-null-as-soql-does"),
        pytest.param("Status IN ('Open', 'Working')", {"Status": "working"}, True, id="in-ignores-case"),
        pytest.param("Status NOT IN ('Open')", {"Status": "Open"}, False, id="not-in"),
        pytest.param(
            "SMS_Marketing_Opt_In__c = true",
            {"SMS_Marketing_Opt_In__c": "true"},
            True,
            id="boolean-text-from-outbound-message",
        ),
        pytest.param("SMS_Marketing_Opt_In__c = true", {}, False, id="missing-field-is-null"),
        pytest.param("NumberOfEmployees > 10", {"NumberOfEmployees": "12"}, True, id="numeric-text-compares-as-number"),
        pytest.param("NumberOfEmployees > 10", {"NumberOfEmployees": None}, False, id="null-is-never-greater"),
        pytest.param(
            "owner.isactive = true", {"Owner": {"IsActive": True}}, True, id="names-ignore-case-through-relationships"
        ),
        pytest.param(
            "NOT (Status = 'Open' OR IsConverted = true)",
            {"Status": "Closed", "IsConverted": False},
            True,
            id="not-of-or",
        ),
    ],
)
def test_matches_reads_records_as_soql_does(text: str, record: dict[str, Any], expected: bool) -> None:
    assert matches(parse(text), record, TODAY) is expected
