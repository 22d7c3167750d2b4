"""Merge fields and filters as texts use them; record data is inserted as text, never run."""

from __future__ import annotations

from typing import Any

import pytest

from connector.config.template_check import inspect, worst_case
from connector.engine.templates import PHONE_KEY, TZ_KEY, render

BOOKING = "2026-11-25T15:30:00.000+0000"


@pytest.mark.parametrize(
    ("template", "values", "expected"),
    [
        pytest.param(
            "{{ t | time }}", {"t": BOOKING, TZ_KEY: "America/New_York"}, "10:30am", id="time-in-contact-zone"
        ),
        pytest.param("{{ t | time }}", {"t": "2026-11-25T15:00:00Z"}, "3pm", id="whole-hour-drops-minutes"),
        pytest.param("{{ t | time('24h') }}", {"t": BOOKING, TZ_KEY: "Europe/London"}, "15:30", id="time-24h"),
        pytest.param("{{ t | date }}", {"t": BOOKING, TZ_KEY: "Asia/Tokyo"}, "Thu 26 Nov", id="date-crosses-midnight"),
        pytest.param("{{ t | datetime }}", {"t": BOOKING}, "Wed 25 Nov 3:30pm", id="datetime-utc-without-zone"),
        pytest.param("{{ t | date }}", {"t": "2026-12-01"}, "Tue 1 Dec", id="plain-date-field"),
        pytest.param("{{ t | time }}", {"t": "soon"}, "soon", id="unparseable-date-shown-as-is"),
        pytest.param("{{ t | time }}", {"t": None}, "", id="empty-date-is-empty"),
        pytest.param("{{ t | time }}", {"t": BOOKING, TZ_KEY: "Not/AZone"}, "3:30pm", id="bad-zone-falls-back-to-utc"),
        pytest.param(
            "{{ p | phone }}",
            {"p": "+442079460000", PHONE_KEY: "+447700900123"},
            "020 7946 0000",
            id="phone-national-for-a-reader-at-home",
        ),
        pytest.param(
            "{{ p | phone }}",
            {"p": "+442079460000", PHONE_KEY: "+14155550123"},
            "+44 20 7946 0000",
            id="phone-international-for-a-reader-abroad",
        ),
        pytest.param("{{ p | phone }}", {"p": "ext. 12"}, "ext. 12", id="phone-that-is-not-one-shown-as-is"),
        pytest.param("{{ n | first }}", {"n": "Anna Maria Clarke"}, "Anna", id="first-word"),
        pytest.param("Hi {{ first_name }}", {"first_name": None}, "Hi ", id="null-renders-empty"),
        pytest.param("Hi {{ missing.deep }}", {}, "Hi ", id="undefined-renders-empty-at-run-time"),
        pytest.param("{{ name }}", {"name": "{{ 7*7 }}"}, "{{ 7*7 }}", id="merge-value-is-not-evaluated"),
        pytest.param("plain text", {}, "plain text", id="plain-text-untouched"),
    ],
)
def test_render(template: str, values: dict[str, Any], expected: str) -> None:
    assert render(template, values) == expected


def test_sandbox_refuses_attribute_escapes() -> None:
    from jinja2.exceptions import SecurityError

    with pytest.raises(SecurityError):
        render("{{ ''.__class__.__mro__[1].__subclasses__() }}", {})


@pytest.mark.parametrize(
    ("template", "names", "attributes"),
    [
        pytest.param("Hi {{ first_name }}", {"first_name"}, {}, id="top-level-name"),
        pytest.param(
            "{{ record.Status }} {{ record['Booking_Time__c'] }}",
            {"record"},
            {"record": {"Status", "Booking_Time__c"}},
            id="record-fields-dot-and-item",
        ),
        pytest.param(
            "{{ owner.first_name }} {{ answers.ask }}",
            {"owner", "answers"},
            {"owner": {"first_name"}, "answers": {"ask"}},
            id="owner-and-answers",
        ),
        pytest.param("{% set x = 1 %}{{ x }}", set(), {}, id="local-names-are-not-merge-fields"),
    ],
)
def test_inspect_finds_merge_fields(template: str, names: set[str], attributes: dict[str, set[str]]) -> None:
    use = inspect(template)
    assert use.error is None and use.names == names and use.attributes == attributes


def test_worst_case_uses_max_lengths_and_widest_dates() -> None:
    text = worst_case("Hi {{ first_name }}, {{ record.Booking_Time__c | datetime }}", {"first_name": 20}, {})
    assert text == "Hi " + "x" * 20 + ", Wed 30 Sep 12:30pm"
