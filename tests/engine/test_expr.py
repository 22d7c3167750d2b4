"""Trigger conditions: evaluation, null safety, admin-facing parse errors and hostile input."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connector.engine.expr import MAX_DEPTH, MAX_LENGTH, ExprError, parse

RECORD: dict[str, Any] = {
    "Status": "Booking Offered",
    "MobilePhone": "+12025550143",
    "Phone": "   ",
    "LeadSource": "Webinar",
    "NumberOfEmployees": 12,
    "AnnualRevenue": "2500000.50",  # OutboundMessages send numbers as strings
    "Rating__c": "9",
    "SMS_Opt_Out__c": False,
    "HasOptedOutOfEmail": "false",
    "Tags__c": ["vip", "Web"],
    "Owner": {"Name": "Ann Lee", "Manager": {"Name": "Bo"}},
    "Account.Name": "Acme",
    "call": {"CallDisposition": "Left Voicemail", "CallDurationInSeconds": "0"},
    "record": {"Status": "Booking Offered"},
    "Empty__c": "",
}

EVALUATION = [
    pytest.param("Status == 'Booking Offered' and not blank(MobilePhone)", True, id="brief-example-booking"),
    pytest.param("LeadSource in ['Web', 'Webinar'] and Owner.Name != null", True, id="in-list-and-nested-name"),
    pytest.param("NumberOfEmployees >= 10 and not SMS_Opt_Out__c", True, id="number-and-false-checkbox"),
    pytest.param(
        "call.CallDisposition == 'No Answer' or contains(lower(call.CallDisposition), 'voicemail')",
        True,
        id="call-disposition-contains",
    ),
    pytest.param('record.Status == "Booking Offered"', True, id="double-quoted-text"),
    pytest.param("Status == 'booking offered'", False, id="equality-is-case-sensitive"),
    pytest.param("lower(Status) == 'booking offered'", True, id="lower-makes-case-insensitive"),
    pytest.param("upper(LeadSource)", "WEBINAR", id="upper-returns-text"),
    pytest.param("len(Status)", 15, id="len-of-text"),
    pytest.param("len(Tags__c) == 2", True, id="len-of-list"),
    pytest.param("len(Missing__c)", 0, id="len-of-null-is-zero"),
    pytest.param("Status AND NOT Empty__c Or False", True, id="keywords-ignore-case"),
    pytest.param("a or b and c", False, id="and-binds-tighter-than-or"),
    pytest.param("(NumberOfEmployees > 100 or LeadSource == 'Webinar') and Status != null", True, id="parentheses"),
    pytest.param("not not Status", True, id="double-not"),
    pytest.param("LeadSource not in ['Web', 'Partner']", True, id="not-in"),
    pytest.param("'Web' in Tags__c", True, id="in-data-list"),
    pytest.param("'Offered' in Status", True, id="in-text-is-substring"),
    pytest.param("Status in null", False, id="in-null-is-false"),
    pytest.param("AnnualRevenue > 2000000", True, id="numeric-string-compares-as-number"),
    pytest.param("Rating__c > 10", False, id="numeric-string-nine-is-below-ten"),
    pytest.param("Rating__c == 9.0", True, id="numeric-string-equals-decimal"),
    pytest.param("NumberOfEmployees == '12'", True, id="number-equals-numeric-string"),
    pytest.param("NumberOfEmployees == 'twelve'", False, id="number-never-equals-word"),
    pytest.param("Rating__c < 'A'", True, id="two-texts-compare-as-text"),
    pytest.param("NumberOfEmployees > -1.5", True, id="negative-decimal-literal"),
    pytest.param("HasOptedOutOfEmail == false", True, id="false-string-equals-false"),
    pytest.param("not HasOptedOutOfEmail", True, id="false-string-is-falsy"),
    pytest.param("SMS_Opt_Out__c == 0", False, id="boolean-never-equals-number"),
    pytest.param("call.CallDurationInSeconds == 0", True, id="zero-string-equals-zero"),
    pytest.param(
        "blank(Phone) and blank(Empty__c) and blank(Nope) and not blank(Status)", True, id="blank-spaces-empty-missing"
    ),
    pytest.param("blank([])", True, id="blank-empty-list"),
    pytest.param("Account.Name == 'Acme'", True, id="flat-dotted-key"),
    pytest.param("Owner.Manager.Name == 'Bo'", True, id="deeply-nested-name"),
    pytest.param("owner.name == 'Ann Lee'", True, id="name-lookup-ignores-case-like-salesforce"),
    pytest.param("contains(Status, 'OFFERED')", True, id="contains-ignores-case"),
    pytest.param("contains(Tags__c, 'VIP')", True, id="contains-in-list-ignores-case"),
    pytest.param("contains(Missing, 'x') or contains(Status, null)", False, id="contains-null-is-false"),
    pytest.param("startswith(MobilePhone, '+1202')", True, id="startswith"),
    pytest.param("startswith(Missing, '')", False, id="startswith-null-is-false"),
    pytest.param("LOWER(Status) == 'booking offered'", True, id="function-names-ignore-case"),
    pytest.param('\'it\\\'s \\"x\\"\\n\' == "it\'s \\"x\\"\\n"', True, id="string-escapes"),
    pytest.param("[1, 'a', null]", [1, "a", None], id="list-literal"),
    pytest.param("[]", [], id="empty-list"),
    pytest.param("Owner == Owner", True, id="mappings-compare-equal"),
    pytest.param("Tags__c == ['vip', 'Web']", True, id="lists-compare-elementwise"),
]


@pytest.mark.parametrize(("text", "expected"), EVALUATION)
def test_evaluate(text: str, expected: Any) -> None:
    assert parse(text).evaluate(RECORD) == expected


NULL_SAFETY = [
    pytest.param("Missing == null", True, id="missing-name-is-null"),
    pytest.param("null == null", True, id="null-equals-null"),
    pytest.param("Missing != 'x'", True, id="null-differs-from-text"),
    pytest.param("Missing == 0", False, id="null-is-not-zero"),
    pytest.param("Missing < 1", False, id="null-ordering-is-false"),
    pytest.param("Missing >= 1", False, id="null-ordering-is-false-both-ways"),
    pytest.param("null <= null", False, id="null-ordering-with-null-is-false"),
    pytest.param("Owner.Missing.Deeper == null", True, id="missing-nested-name-is-null"),
    pytest.param("Status.Inner == null", True, id="name-below-text-is-null"),
    pytest.param("Status > 3", False, id="text-and-number-do-not-order"),
    pytest.param("Tags__c > 1", False, id="list-and-number-do-not-order"),
    pytest.param("SMS_Opt_Out__c < true", False, id="booleans-do-not-order"),
    pytest.param("lower(Missing) == null and upper(Tags__c) == null", True, id="lower-of-null-is-null"),
    pytest.param("Missing in ['a']", False, id="null-not-in-list"),
    pytest.param("null in [null]", True, id="null-in-list-with-null"),
]


@pytest.mark.parametrize(("text", "expected"), NULL_SAFETY)
def test_null_safety(text: str, expected: bool) -> None:
    assert parse(text).evaluate(RECORD) is expected


class Weird:
    def __eq__(self, other: object) -> bool:
        raise RuntimeError("boom")

    __hash__ = object.__hash__


@pytest.mark.parametrize(
    "env",
    [
        pytest.param({}, id="empty-record"),
        pytest.param({"Status": Weird(), "Owner": "not a mapping"}, id="foreign-objects"),
        pytest.param({"Status": float("nan"), "Owner": {"Name": None}}, id="nan-and-none"),
        pytest.param({"Status": [[[]]], "Owner": {"Name": {"x": 1}}}, id="nested-containers"),
    ],
)
def test_evaluation_never_raises_on_data(env: dict[str, Any]) -> None:
    for text in (
        "Status == 'x' or Status < 3 or contains(Status, 'a') or Owner.Name in [1, 'a']",
        "len(Status) > 0 and startswith(Owner.Name, 'A') and not blank(Status)",
    ):
        parse(text).test(env)


TRUTH = [
    pytest.param("Status", True, id="text-is-true"),
    pytest.param("Empty__c", False, id="empty-text-is-false"),
    pytest.param("Phone", False, id="spaces-are-false"),
    pytest.param("HasOptedOutOfEmail", False, id="false-text-is-false"),
    pytest.param("SMS_Opt_Out__c", False, id="false-is-false"),
    pytest.param("NumberOfEmployees", True, id="non-zero-is-true"),
    pytest.param("0", False, id="zero-is-false"),
    pytest.param("Missing", False, id="null-is-false"),
    pytest.param("[]", False, id="empty-list-is-false"),
    pytest.param("Owner", True, id="mapping-is-true"),
]


@pytest.mark.parametrize(("text", "expected"), TRUTH)
def test_test_is_truthiness(text: str, expected: bool) -> None:
    assert parse(text).test(RECORD) is expected


NAMES = [
    pytest.param("Status == 'x' and not blank(MobilePhone)", {"Status", "MobilePhone"}, id="names-in-calls"),
    pytest.param(
        "Owner.Name != null or call.CallDisposition in ['a', b.c]",
        {"Owner.Name", "call.CallDisposition", "b.c"},
        id="dotted-names-as-written",
    ),
    pytest.param("'Status' == 1 and lower('x')", set(), id="strings-and-functions-are-not-names"),
    pytest.param("SMS_Opt_Out__c and Account__r.Name", {"SMS_Opt_Out__c", "Account__r.Name"}, id="custom-suffixes"),
]


@pytest.mark.parametrize(("text", "expected"), NAMES)
def test_names(text: str, expected: set[str]) -> None:
    assert parse(text).names() == frozenset(expected)


PARSE_ERRORS = [
    pytest.param("Status == 'x' and", "expected a value after 'and', found end of text", 17, id="dangling-and"),
    pytest.param("", "expected a value, found end of text", 0, id="empty-text"),
    pytest.param("(a == 1", "expected ')' to close the '(' at character 1, found end of text", 7, id="unclosed-paren"),
    pytest.param("a == 1)", "expected 'and', 'or' or an operator such as '==', found ')'", 6, id="stray-paren"),
    pytest.param("a b", "expected 'and', 'or' or an operator such as '==', found 'b'", 2, id="two-values"),
    pytest.param("a = 'x'", "use '==' to compare, found '='", 2, id="single-equals-hint"),
    pytest.param("a && b", "use 'and', found '&'", 2, id="ampersand-hint"),
    pytest.param("!a", "use 'not' or '!=', found '!'", 0, id="bang-hint"),
    pytest.param("a == 'x", "the text starting here has no closing '", 5, id="unterminated-string"),
    pytest.param("a == 'x\\q'", "unknown escape '\\q' in text; write \\\\ for a backslash", 7, id="bad-escape"),
    pytest.param("a == 10abc", "expected a name or a number, found '10abc'", 5, id="number-runs-into-letters"),
    pytest.param("Owner. == 1", "expected a name or a number, found 'Owner.'", 0, id="trailing-dot"),
    pytest.param("a < b < c", "comparisons can't be chained; join them with 'and'", 6, id="chained-comparison"),
    pytest.param(
        "lower(x) contains 'v'", "contains is a function: write contains(text, 'word')", 9, id="contains-operator-hint"
    ),
    pytest.param(
        "a == foo(1)",
        "unknown function 'foo'; use one of blank, lower, upper, len, contains, startswith",
        5,
        id="unknown-function-at-its-name",
    ),
    pytest.param("blank(a, b)", "blank() takes 1 argument, found 2", 0, id="too-many-arguments"),
    pytest.param("contains(a)", "contains() takes 2 arguments, found 1", 0, id="too-few-arguments"),
    pytest.param("a in [1, 2", "expected ',' or ']' in a list, found end of text", 10, id="unclosed-list"),
    pytest.param("a in [1 2]", "expected ',' or ']' in a list, found '2'", 8, id="list-missing-comma"),
    pytest.param("a == and", "expected a value after '==', found 'and'", 5, id="keyword-as-value"),
    pytest.param("a == - 'x'", "expected a value after '==', found '-'", 5, id="minus-needs-a-number"),
    pytest.param(
        "a == 'x' \"y\"",
        "expected 'and', 'or' or an operator such as '==', found \"y\"",
        9,
        id="found-text-shown-as-written",
    ),
    pytest.param("a == $x", "expected a value or an operator, found '$'", 5, id="unknown-character"),
]


@pytest.mark.parametrize(("text", "message", "column"), PARSE_ERRORS)
def test_parse_errors_say_what_and_where(text: str, message: str, column: int) -> None:
    with pytest.raises(ExprError) as caught:
        parse(text)
    assert (caught.value.message, caught.value.column) == (message, column)
    assert str(caught.value) == message


HOSTILE = [
    pytest.param("__import__('os').system('id')", id="dunder-import"),
    pytest.param("x.__class__.__mro__", id="dunder-attribute"),
    pytest.param("Owner._secret", id="private-attribute"),
    pytest.param("eval('1')", id="eval-is-not-a-function"),
    pytest.param("open('/etc/passwd')", id="open-is-not-a-function"),
    pytest.param("Status.lower()", id="method-call"),
    pytest.param("lambda: 1", id="python-lambda"),
    pytest.param("[x for x in y]", id="python-comprehension"),
    pytest.param("a if b else c", id="python-conditional"),
    pytest.param("a[0]", id="subscript"),
    pytest.param("a + b", id="arithmetic"),
    pytest.param("1e308 > a", id="exponent-number"),
    pytest.param("(" * (MAX_DEPTH + 1) + "a" + ")" * (MAX_DEPTH + 1), id="deep-parentheses"),
    pytest.param("[" * 500 + "]" * 500, id="deep-lists"),
    pytest.param("not " * 1000 + "a", id="deep-not"),
    pytest.param("lower(" * 100 + "a" + ")" * 100, id="deep-calls"),
    pytest.param("a == 1 or " * 300 + "b", id="huge-text"),
    pytest.param("'" + "x" * (MAX_LENGTH + 10) + "'", id="huge-string"),
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_is_an_expr_error(text: str) -> None:
    with pytest.raises(ExprError):
        parse(text)


def test_nesting_up_to_the_limit_parses() -> None:
    text = "(" * MAX_DEPTH + "Status" + ")" * MAX_DEPTH
    assert parse(text).evaluate(RECORD) == "Booking Offered"


def test_long_flat_conditions_parse_and_evaluate() -> None:
    text = " or ".join(f"Status == 'v{i}'" for i in range(90)) + " or Status != null"
    assert len(text) <= MAX_LENGTH
    assert parse(text).test(RECORD) is True


def test_expr_is_immutable_and_keeps_its_text() -> None:
    expr = parse("Status == 'x'")
    assert expr.text == "Status == 'x'"
    with pytest.raises(AttributeError):
        expr.text = "other"  # type: ignore[misc]


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=200) | st.text(alphabet="abc_.()[],'\"\\ =!<>-0123456789 andornotin", max_size=80))
def test_parse_raises_only_expr_error(text: str) -> None:
    try:
        expr = parse(text)
    except ExprError as exc:
        assert 0 <= exc.column <= len(text)
        return
    expr.test(RECORD)
    expr.test({})


VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=10,
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["a", "b", "Owner", "Owner.Name"]), VALUES, max_size=4))
def test_evaluation_never_raises_on_any_record(env: dict[str, Any]) -> None:
    text = (
        "a == b or a < b or a in b or not b or contains(a, b) or startswith(b, a) or len(a) >= len(b) "
        "or blank(Owner.Name) or lower(a) != upper(b) or a in [1, 'x', null, true] or Owner.Name > 1.5"
    )
    parse(text).test(env)
