"""Each contact-policy rule on its own: consent, the day's window, the next opening across DST, rolling caps."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from connector.config.flow import QuietHours
from connector.engine.policy_rules import (
    DAY,
    Cap,
    ConsentView,
    Schedule,
    allowed,
    cap_clears_at,
    consent_refusal,
    next_opening,
    zone,
)
from connector.engine.us_states import STATE_RULES, StateRule

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
SANTIAGO = ZoneInfo("America/Santiago")  # changes clocks at local midnight
FEDERAL = QuietHours.model_validate("08:00-21:00")


def w(text: str) -> QuietHours:
    return QuietHours.model_validate(text)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("category", "consent", "refused"),
    [
        pytest.param("marketing", ConsentView(marketing_opt_in=True), None, id="marketing-with-opt-in-passes"),
        pytest.param("transactional", ConsentView(), None, id="transactional-with-a-record-passes"),
        pytest.param("marketing", ConsentView(), "opt-in is not on record", id="marketing-without-opt-in-refused"),
        pytest.param("marketing", ConsentView(marketing_opt_in=False), "declined", id="marketing-declined-refused"),
        pytest.param("transactional", ConsentView(opted_out=True), "STOP", id="opted-out-refuses-transactional"),
        pytest.param(
            "marketing", ConsentView(opted_out=True, marketing_opt_in=True), "STOP", id="opted-out-beats-an-opt-in"
        ),
        pytest.param("transactional", ConsentView(do_not_contact=True), "do-not-contact", id="do-not-contact-refused"),
        pytest.param("transactional", ConsentView(has_record=False), "no CRM record", id="no-record-refused"),
    ],
)
def test_consent(category: str, consent: ConsentView, refused: str | None) -> None:
    reason = consent_refusal(category, consent)  # type: ignore[arg-type]
    assert (reason is None) if refused is None else (refused in (reason or ""))


TEXAS = STATE_RULES["TX"]
ALABAMA = STATE_RULES["AL"]


@pytest.mark.parametrize(
    ("schedule", "day", "span", "described"),
    [
        pytest.param(Schedule(FEDERAL), date(2026, 11, 29), (time(8), time(21)), "08:00-21:00", id="federal-default"),
        pytest.param(
            Schedule(FEDERAL, w("09:00-22:00")),
            date(2026, 11, 29),
            (time(9), time(21)),
            "09:00-21:00",
            id="region-window-intersects",
        ),
        pytest.param(
            Schedule(FEDERAL, state=TEXAS), date(2026, 11, 28), (time(9), time(21)), "09:00-21:00", id="texas-saturday"
        ),
        pytest.param(
            Schedule(FEDERAL, state=TEXAS),
            date(2026, 11, 29),
            (time(12), time(21)),
            "12:00-21:00",
            id="texas-sunday-noon",
        ),
        pytest.param(
            Schedule(FEDERAL, state=ALABAMA), date(2026, 11, 29), None, "closed (Sunday)", id="alabama-sunday-closed"
        ),
        pytest.param(
            Schedule(FEDERAL, state=ALABAMA),
            date(2026, 7, 3),
            None,
            "closed (a US federal holiday)",
            id="alabama-observed-independence-day-closed",
        ),
        pytest.param(
            Schedule(w("18:00-21:00"), w("08:00-12:00")),
            date(2026, 11, 29),
            None,
            "closed (the windows do not overlap)",
            id="disjoint-windows-close-the-day",
        ),
        pytest.param(
            Schedule(FEDERAL, state=StateRule(days={"mon": None})),
            date(2026, 11, 30),
            None,
            "closed (Monday)",
            id="override-with-days-only",
        ),
    ],
)
def test_schedule(schedule: Schedule, day: date, span: tuple[time, time] | None, described: str) -> None:
    assert schedule.span_on(day) == span
    assert schedule.describe(day) == described


# (window, zone, at, expected opening), all UTC instants; US clocks change 2026-03-08 and 2026-11-01.
OPENINGS = [
    pytest.param(
        "08:00-21:00", NEW_YORK, "2026-03-08T06:00", "2026-03-08T12:00", id="dst-spring-forward-opens-8am-edt"
    ),
    pytest.param("08:00-21:00", NEW_YORK, "2026-11-01T05:30", "2026-11-01T13:00", id="dst-fall-back-opens-8am-est"),
    pytest.param(
        "02:30-21:00",
        NEW_YORK,
        "2026-03-08T06:00",
        "2026-03-08T07:00",
        id="window-opening-in-a-dst-gap-opens-at-the-jump",
    ),
    pytest.param("01:30-21:00", NEW_YORK, "2026-11-01T05:00", "2026-11-01T05:30", id="repeated-hour-first-pass"),
    pytest.param(
        "01:30-21:00",
        NEW_YORK,
        "2026-11-01T06:10",
        "2026-11-01T06:30",
        id="repeated-hour-waits-for-the-wall-clock-again",
    ),
    pytest.param(
        "00:00-01:30", NEW_YORK, "2026-11-01T05:40", "2026-11-01T06:00", id="fall-back-reopens-a-window-at-the-jump"
    ),
    pytest.param(
        "00:00-21:00", SANTIAGO, "2026-09-06T02:30", "2026-09-06T04:00", id="midnight-skipped-opens-at-the-jump"
    ),
    pytest.param("08:00-21:00", LONDON, "2026-10-25T00:30", "2026-10-25T08:00", id="london-fall-back"),
]


@pytest.mark.parametrize(("window", "tz", "at", "opening"), OPENINGS)
def test_next_opening(window: str, tz: ZoneInfo, at: str, opening: str) -> None:
    schedule = Schedule(w(window))
    found = next_opening(utc(at), [tz], schedule, 31)
    assert found == utc(opening)
    assert allowed(found, [tz], schedule)
    just_before = found - timedelta(seconds=1)
    assert just_before < utc(at) or not allowed(just_before, [tz], schedule)


def test_next_opening_is_the_first_moment_open_in_every_zone() -> None:
    zones = [ZoneInfo("America/Adak"), ZoneInfo("America/Anchorage")]
    found = next_opening(utc("2026-11-26T17:30"), zones, Schedule(FEDERAL), 31)
    assert found == utc("2026-11-26T18:00")  # 08:00 in Adak is already 09:00 in Anchorage


def test_next_opening_gives_up_after_the_horizon() -> None:
    zones = [ZoneInfo("Pacific/Guam"), ZoneInfo("America/New_York")]
    assert next_opening(utc("2026-11-26T12:00"), zones, Schedule(w("08:00-09:00")), 31) is None


SENT = tuple(utc(f"2026-11-28T{h}:00") for h in ("10", "12", "14"))


@pytest.mark.parametrize(
    ("limit", "at", "clears"),
    [
        pytest.param(4, "2026-11-28T15:00", None, id="under-the-limit-sends"),
        pytest.param(3, "2026-11-28T15:00", "2026-11-29T10:00", id="full-cap-clears-when-the-oldest-leaves"),
        pytest.param(2, "2026-11-28T15:00", "2026-11-29T12:00", id="over-cap-waits-for-enough-to-leave"),
        pytest.param(3, "2026-11-29T10:00", None, id="a-send-exactly-a-day-old-no-longer-counts"),
        pytest.param(3, "2026-11-28T13:00", None, id="sends-after-the-moment-are-not-counted"),
    ],
)
def test_cap(limit: int, at: str, clears: str | None) -> None:
    assert cap_clears_at(Cap(limit, DAY, "cap", SENT), utc(at)) == (utc(clears) if clears else None)


@pytest.mark.parametrize("name", ["", "Mars/Base", "../etc/passwd", "America", "utc", "zone.tab"])
def test_zone_rejects_what_is_not_a_zone(name: str) -> None:
    assert zone(name) is None


def test_zone_accepts_iana_names() -> None:
    assert zone("America/Chicago") == ZoneInfo("America/Chicago")
