"""The shipped US data: area codes agree with phonenumbers' geocoder, holidays fall on the right days, rules cite."""

from __future__ import annotations

from datetime import date

import phonenumbers
import pytest
from phonenumbers import geocoder

from connector.engine.policy import DEFAULT_WINDOW
from connector.engine.policy_rules import Schedule
from connector.engine.us_states import AREA_CODES, STATE_RULES, WEEKDAYS, federal_holidays, state_of

STATE_NAMES = {
    "Alabama": "AL", "Alaska": "AK", "Arizona": "AZ", "Arkansas": "AR", "California": "CA", "Colorado": "CO",
    "Connecticut": "CT", "Delaware": "DE", "Florida": "FL", "Georgia": "GA", "Hawaii": "HI", "Idaho": "ID",
    "Illinois": "IL", "Indiana": "IN", "Iowa": "IA", "Kansas": "KS", "Kentucky": "KY", "Louisiana": "LA",
    "Maine": "ME", "Maryland": "MD", "Massachusetts": "MA", "Michigan": "MI", "Minnesota": "MN", "Mississippi": "MS",
    "Missouri": "MO", "Montana": "MT", "Nebraska": "NE", "Nevada": "NV", "New Hampshire": "NH", "New Jersey": "NJ",
    "New Mexico": "NM", "New York": "NY", "North Carolina": "NC", "North Dakota": "ND", "Ohio": "OH",
    "Oklahoma": "OK", "Oregon": "OR", "Pennsylvania": "PA", "Rhode Island": "RI", "South Carolina": "SC",
    "South Dakota": "SD", "Tennessee": "TN", "Texas": "TX", "Utah": "UT", "Vermont": "VT", "Virginia": "VA",
    "Washington State": "WA", "West Virginia": "WV", "Wisconsin": "WI", "Wyoming": "WY", "Washington D.C.": "DC",
}  # fmt: skip


def geocoded_state(area_code: int) -> set[str]:
    """The states phonenumbers' geocoder names for a few numbers in an area code ("Miami, FL" -> FL)."""
    found = set()
    for exchange in ("201", "234", "321", "456", "555", "650", "789", "812", "900"):
        number = phonenumbers.parse(f"+1{area_code}{exchange}0123")
        if phonenumbers.region_code_for_number(number) != "US":
            continue
        place = geocoder.description_for_number(number, "en")
        if place:
            found.add(STATE_NAMES.get(place) or place.rsplit(", ", 1)[-1])
    return found


def test_area_codes_agree_with_the_geocoder_both_ways() -> None:
    geocoded = {str(code): geocoded_state(code) for code in range(200, 1000)}
    disagree = {code: (AREA_CODES.get(code), states) for code, states in geocoded.items()
                if states and states != {AREA_CODES.get(code)}}  # fmt: skip
    missing_from_geocoder = {code for code in AREA_CODES if not geocoded[code]}
    assert not disagree, f"area codes the table maps elsewhere (table, geocoder): {disagree}"
    assert not missing_from_geocoder
    assert len(set(AREA_CODES.values())) == 51  # 50 states and DC


@pytest.mark.parametrize(
    ("phone", "state"),
    [
        pytest.param("+13055550123", "FL", id="miami-is-florida"),
        pytest.param("+12145550123", "TX", id="dallas-is-texas"),
        pytest.param("+12025550143", "DC", id="dc-has-its-own-code"),
        pytest.param("+18005550100", None, id="toll-free-has-no-state"),
        pytest.param("+17875550100", None, id="puerto-rico-is-not-a-state"),
        pytest.param("+14165550100", None, id="toronto-is-not-us"),
        pytest.param("+447700900123", None, id="not-nanp"),
        pytest.param("+1305555012", None, id="too-short"),
    ],
)
def test_state_of(phone: str, state: str | None) -> None:
    assert state_of(phone) == state


def test_federal_holidays_2026() -> None:
    assert sorted(federal_holidays(2026)) == [
        date(2026, 1, 1), date(2026, 1, 19), date(2026, 2, 16), date(2026, 5, 25), date(2026, 6, 19),
        date(2026, 7, 3), date(2026, 7, 4),  # 4 July is a Saturday: observed Friday 3 July as well
        date(2026, 9, 7), date(2026, 10, 12), date(2026, 11, 11), date(2026, 11, 26), date(2026, 12, 25),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("day", "holiday"),
    [
        pytest.param(date(2027, 12, 31), True, id="new-year-on-saturday-observed-the-friday-before"),
        pytest.param(date(2028, 12, 26), False, id="christmas-on-monday-not-shifted"),
        pytest.param(date(2027, 12, 24), True, id="christmas-on-saturday-observed-friday"),
        pytest.param(date(2023, 1, 2), True, id="new-year-on-sunday-observed-monday"),
        pytest.param(date(2026, 11, 27), False, id="black-friday-is-not-a-holiday"),
    ],
)
def test_observed_holidays(day: date, holiday: bool) -> None:
    assert (day in federal_holidays(day.year)) == holiday


@pytest.mark.parametrize("code", sorted(STATE_RULES))
def test_each_shipped_rule_cites_and_is_stricter_than_federal(code: str) -> None:
    rule = STATE_RULES[code]
    assert rule.name and rule.source and rule.note and isinstance(rule.verified, bool)
    assert rule.enabled and code in AREA_CODES.values()
    with_rule, federal = Schedule(DEFAULT_WINDOW, state=rule), Schedule(DEFAULT_WINDOW)
    week = [date(2026, 11, 23 + i) for i in range(7)]  # Monday to Sunday
    assert [d.weekday() for d in week] == list(range(7)) and len(WEEKDAYS) == 7
    spans = [(with_rule.span_on(d), federal.span_on(d)) for d in week]
    assert all(s is None or (s[0] >= f[0] and s[1] <= f[1]) for s, f in spans if f)
    assert rule.max_per_24h or rule.holidays or any(s != f for s, f in spans), "no stricter than federal"
