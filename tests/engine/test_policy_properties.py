"""Properties of `decide` over generated numbers, moments, windows, caps and overrides (no wall clock anywhere)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import phonenumbers
from hypothesis import given, settings
from hypothesis import strategies as st

from connector.config.flow import Caps, Policy, QuietHours
from connector.engine.policy import ConsentView, Decision, PolicyOverrides, decide
from connector.engine.us_states import AREA_CODES

REGIONS = ["GB", "DE", "FR", "AU", "IN", "BR", "JP", "MX", "CA", "ZA", "NZ", "CL", "EG", "RU", "ID"]
EXAMPLES = [
    phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164)
    for region in REGIONS
    if (n := phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)) is not None
]
PHONES = [f"+1{code}5550123" for code in sorted(AREA_CODES)] + EXAMPLES + ["+18005550100", "+447700900123"]
ZONES = ["America/New_York", "America/Chicago", "Pacific/Honolulu", "Europe/London", "Asia/Kolkata", "UTC"]

phones = st.sampled_from(PHONES)
moments = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC))


@st.composite
def windows(draw: st.DrawFn) -> QuietHours:
    start = draw(st.integers(0, 22))
    end = draw(st.integers(start + 1, 24))
    return QuietHours.model_validate(f"{start:02}:{draw(st.sampled_from([0, 30])):02}-{end:02}:00")


@st.composite
def overrides(draw: st.DrawFn) -> PolicyOverrides | None:
    if draw(st.booleans()):
        return None
    states = draw(
        st.dictionaries(
            st.sampled_from(sorted(set(AREA_CODES.values()))),
            st.fixed_dictionaries(
                {},
                optional={
                    "window": windows(),
                    "days": st.dictionaries(st.sampled_from(["sat", "sun"]), st.none() | windows()),
                    "max_per_24h": st.integers(1, 4),
                    "enabled": st.booleans(),
                    "holidays": st.booleans(),
                },
            ),
            max_size=3,
        )
    )
    regions = draw(st.dictionaries(st.sampled_from(["US", "GB", "IN"]), windows(), max_size=2))
    return PolicyOverrides.model_validate({"states": states, "regions": regions})


@st.composite
def texts(draw: st.DrawFn) -> dict[str, object]:
    at = draw(moments)
    ages = draw(st.lists(st.integers(0, 8 * 24 * 60), max_size=6))
    recent = [at - timedelta(minutes=age) for age in ages]
    per_day, per_week = draw(st.none() | st.integers(1, 4)), draw(st.none() | st.integers(1, 8))
    category = draw(st.sampled_from(["transactional", "marketing"]))
    policy = Policy(category=category, quiet_hours=draw(windows()), caps=Caps(per_day=per_day, per_week=per_week))
    return {
        "phone": draw(phones),
        "at": at,
        "category": category,
        "consent": ConsentView(marketing_opt_in=True),
        "policy": draw(st.none() | st.just(policy)),
        "record_time_zone": draw(st.none() | st.sampled_from(ZONES)),
        "recent": recent,
        "same_subject": draw(st.none() | st.just(recent[: len(recent) // 2])),
        "overrides": draw(overrides()),
    }


@settings(max_examples=150, deadline=None)
@given(texts())
def test_a_deferred_text_may_go_at_its_until(text: dict[str, object]) -> None:
    first = decide(**text)  # type: ignore[arg-type]
    assert first.decision in ("send", "defer", "drop")
    assert (first.until is not None) == (first.decision == "defer") and first.reason
    if first.decision == "defer":
        assert first.until is not None and first.until > text["at"]  # type: ignore[operator]
        again = decide(**{**text, "at": first.until})  # type: ignore[arg-type]
        assert again.decision == "send" or (again.decision == "defer" and again.until > first.until), again.reason


ANY_MOMENT = st.datetimes(timezones=st.none() | st.sampled_from([UTC, *map(ZoneInfo, ZONES)]))


@settings(max_examples=200, deadline=None)
@given(
    phone=st.one_of(phones, st.text(max_size=20)),
    at=ANY_MOMENT,
    category=st.sampled_from(["transactional", "marketing"]),
    record_time_zone=st.none() | st.text(max_size=30) | st.sampled_from(ZONES),
    opted_in=st.none() | st.booleans(),
    recent=st.lists(ANY_MOMENT, max_size=4),
)
def test_decide_never_raises(
    phone: str, at: datetime, category: str, record_time_zone: str | None, opted_in: bool | None, recent: list[datetime]
) -> None:
    decision = decide(
        phone=phone,
        at=at,
        category=category,  # type: ignore[arg-type]
        consent=ConsentView(marketing_opt_in=opted_in),
        policy=Policy(category="marketing", caps=Caps(per_day=1, per_week=2)),
        record_time_zone=record_time_zone,
        recent=recent,
    )
    assert isinstance(decision, Decision) and decision.decision in ("send", "defer", "drop")
