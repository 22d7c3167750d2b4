"""The contact policy end to end: one table of texts and what `decide` does with each, and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from connector.config.flow import Policy
from connector.engine.policy import ConsentView, Decision, PolicyOverrides, decide, state_rule

FL = "+13055550123"  # Miami, America/New_York
TX = "+12145550123"  # Dallas, America/Chicago
AL = "+12055550123"  # Birmingham
MS = "+16015550123"  # Jackson
WA = "+12065550123"  # Seattle
CT = "+12035550123"  # New Haven
NY = "+12125550123"
AK = "+19075550123"  # America/Adak and America/Anchorage
GB = "+447700900123"
TOLL_FREE = "+18005550100"  # 42 zones, Guam to St John's

OPTED_IN = ConsentView(marketing_opt_in=True)
MARKETING = Policy(category="marketing")


def t(text: str) -> datetime:
    """ "2026-11-28 19:30 America/New_York" -> an aware datetime at that wall-clock time."""
    day, clock, zone = text.split()
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=ZoneInfo(zone))


@dataclass(frozen=True)
class Case:
    phone: str
    at: str
    expect: str
    until: str | None = None
    category: str = "marketing"
    consent: ConsentView = OPTED_IN
    policy: Policy | None = None
    tz: str | None = None
    recent: tuple[str, ...] = ()
    same_subject: tuple[str, ...] | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    window: str | None = None


def run(case: Case) -> Decision:
    return decide(
        phone=case.phone,
        at=t(case.at),
        category=case.category,  # type: ignore[arg-type]
        consent=case.consent,
        policy=case.policy,
        record_time_zone=case.tz,
        recent=[t(s) for s in case.recent],
        same_subject=None if case.same_subject is None else [t(s) for s in case.same_subject],
        overrides=PolicyOverrides.model_validate(case.overrides) if case.overrides else None,
    )


CONSENT = [
    pytest.param(
        Case(
            NY,
            "2026-11-28 12:00 America/New_York",
            "drop",
            consent=ConsentView(opted_out=True, marketing_opt_in=True),
            reason="opted out (STOP)",
        ),
        id="opted-out-drops-marketing",
    ),
    pytest.param(
        Case(
            NY,
            "2026-11-28 12:00 America/New_York",
            "drop",
            category="transactional",
            consent=ConsentView(opted_out=True),
            reason="opted out",
        ),
        id="opted-out-drops-transactional",
    ),
    pytest.param(
        Case(NY, "2026-11-28 12:00 America/New_York", "drop", consent=ConsentView(), reason="is not on record"),
        id="marketing-without-opt-in-drops",
    ),
    pytest.param(
        Case(
            NY,
            "2026-11-28 12:00 America/New_York",
            "drop",
            consent=ConsentView(marketing_opt_in=False),
            reason="declined",
        ),
        id="marketing-declined-drops",
    ),
    pytest.param(
        Case(NY, "2026-11-28 12:00 America/New_York", "send", category="transactional", consent=ConsentView()),
        id="transactional-needs-no-opt-in",
    ),
    pytest.param(
        Case(
            NY,
            "2026-11-28 12:00 America/New_York",
            "drop",
            category="transactional",
            consent=ConsentView(do_not_contact=True),
            reason="do-not-contact",
        ),
        id="do-not-contact-drops-transactional",
    ),
    pytest.param(
        Case(
            NY,
            "2026-11-28 12:00 America/New_York",
            "drop",
            consent=ConsentView(do_not_contact=True, marketing_opt_in=True),
            reason="do-not-contact",
        ),
        id="do-not-contact-beats-an-opt-in",
    ),
    pytest.param(
        Case(
            NY,
            "2026-11-28 12:00 America/New_York",
            "drop",
            category="transactional",
            consent=ConsentView(has_record=False),
            reason="no prior relationship",
        ),
        id="no-record-drops-transactional",
    ),
    pytest.param(
        Case("not a phone", "2026-11-28 12:00 UTC", "drop", reason="not a phone number"), id="not-a-phone-drops"
    ),
    pytest.param(
        Case(NY, "2026-11-28 03:00 America/New_York", "drop", consent=ConsentView(opted_out=True), reason="opted out"),
        id="opt-out-drops-even-in-quiet-hours",
    ),
]

QUIET_HOURS = [
    pytest.param(
        Case(
            NY,
            "2026-11-28 07:30 America/New_York",
            "defer",
            "2026-11-28 08:00 America/New_York",
            window="08:00-21:00 America/New_York",
        ),
        id="quiet-hours-defers-to-8am-local",
    ),
    pytest.param(
        Case(NY, "2026-11-28 08:00 America/New_York", "send", window="08:00-21:00 America/New_York"),
        id="8am-sharp-sends",
    ),
    pytest.param(
        Case(NY, "2026-11-28 21:00 America/New_York", "defer", "2026-11-29 08:00 America/New_York"),
        id="9pm-sharp-defers-to-next-morning",
    ),
    pytest.param(Case(NY, "2026-11-28 20:59 America/New_York", "send"), id="a-minute-before-9pm-sends"),
    pytest.param(
        Case(
            NY,
            "2026-11-28 22:30 America/New_York",
            "send",
            category="transactional",
            tz="America/Los_Angeles",
            reason="time zone from the record",
        ),
        id="record-time-zone-beats-the-number",
    ),
    pytest.param(
        Case(
            NY,
            "2026-11-28 22:00 America/New_York",
            "defer",
            "2026-11-29 08:00 America/New_York",
            tz="Mars/Base",
            reason="'Mars/Base' is not one",
        ),
        id="invalid-record-zone-falls-back-to-the-number",
    ),
    pytest.param(
        Case(AK, "2026-11-26 08:30 America/Anchorage", "defer", "2026-11-26 08:00 America/Adak", reason="every zone"),
        id="several-zones-strictest",
    ),
    pytest.param(
        Case(AK, "2026-11-26 21:30 America/Anchorage", "defer", "2026-11-27 08:00 America/Adak"),
        id="several-zones-close-with-the-first-to-close",
    ),
    pytest.param(
        Case(
            NY,
            "2026-11-28 09:00 America/New_York",
            "defer",
            "2026-11-28 10:00 America/New_York",
            policy=Policy(category="marketing", quiet_hours="10:00-18:00"),
        ),
        id="flow-window-narrows",
    ),
    pytest.param(
        Case(
            NY,
            "2026-11-28 07:30 America/New_York",
            "send",
            policy=Policy(category="marketing", quiet_hours="07:00-21:00"),
        ),
        id="flow-window-may-widen",
    ),
    pytest.param(
        Case(
            GB,
            "2026-11-26 08:30 Europe/London",
            "defer",
            "2026-11-26 09:00 Europe/London",
            overrides={"regions": {"gb": "09:00-20:00"}},
        ),
        id="region-override-narrows-gb",
    ),
    pytest.param(
        Case(
            TOLL_FREE,
            "2026-11-28 12:00 America/New_York",
            "drop",
            category="transactional",
            overrides={"regions": {"US": "08:00-09:00"}},
            reason="no moment in the next 31",
        ),
        id="no-common-window-in-a-month-drops",
    ),
]

DST = [
    pytest.param(
        Case(
            NY,
            "2026-03-08 01:00 America/New_York",
            "defer",
            "2026-03-08 08:00 America/New_York",
            category="transactional",
        ),
        id="dst-spring-forward",
    ),
    pytest.param(
        Case(
            NY,
            "2026-11-01 01:30 America/New_York",
            "defer",
            "2026-11-01 08:00 America/New_York",
            category="transactional",
        ),
        id="dst-fall-back",
    ),
    pytest.param(
        Case(NY, "2026-11-01 20:30 America/New_York", "send", category="transactional"),
        id="dst-fall-back-evening-still-open",
    ),
    pytest.param(
        Case(GB, "2026-03-29 00:30 Europe/London", "defer", "2026-03-29 08:00 Europe/London", category="transactional"),
        id="dst-spring-forward-london",
    ),
]

STATES = [
    pytest.param(
        Case(FL, "2026-11-28 19:59 America/New_York", "send", reason="Fla. Stat. § 501.616"),
        id="florida-marketing-sends-before-8pm",
    ),
    pytest.param(
        Case(
            FL,
            "2026-11-28 20:00 America/New_York",
            "defer",
            "2026-11-29 08:00 America/New_York",
            window="08:00-20:00 America/New_York",
        ),
        id="florida-marketing-stops-at-8pm",
    ),
    pytest.param(
        Case(FL, "2026-11-28 20:30 America/New_York", "send", category="transactional"),
        id="florida-transactional-keeps-9pm",
    ),
    pytest.param(
        Case(
            FL,
            "2026-11-28 15:00 America/New_York",
            "defer",
            "2026-11-29 10:00 America/New_York",
            recent=(
                "2026-11-28 10:00 America/New_York",
                "2026-11-28 12:00 America/New_York",
                "2026-11-28 14:00 America/New_York",
            ),
            reason="3 texts on one subject",
        ),
        id="florida-fourth-text-in-24h-waits",
    ),
    pytest.param(
        Case(
            FL,
            "2026-11-28 15:00 America/New_York",
            "send",
            recent=(
                "2026-11-28 10:00 America/New_York",
                "2026-11-28 12:00 America/New_York",
                "2026-11-28 14:00 America/New_York",
            ),
            same_subject=("2026-11-28 14:00 America/New_York",),
        ),
        id="florida-limit-counts-only-the-same-subject",
    ),
    pytest.param(
        Case(
            TX,
            "2026-11-29 10:00 America/Chicago",
            "defer",
            "2026-11-29 12:00 America/Chicago",
            window="12:00-21:00 America/Chicago",
        ),
        id="texas-sunday-noon",
    ),
    pytest.param(
        Case(
            TX,
            "2026-11-28 08:30 America/Chicago",
            "defer",
            "2026-11-28 09:00 America/Chicago",
            reason="Texas marketing rule (unverified): Tex. Bus. & Com. Code § 301.051",
        ),
        id="texas-saturday-9am-and-says-its-source-is-unverified",
    ),
    pytest.param(
        Case(TX, "2026-11-29 10:00 America/Chicago", "send", category="transactional"),
        id="texas-rules-spare-transactional",
    ),
    pytest.param(
        Case(
            AL,
            "2026-11-29 10:00 America/Chicago",
            "defer",
            "2026-11-30 08:00 America/Chicago",
            window="closed (Sunday) America/Chicago",
        ),
        id="alabama-no-sunday-marketing",
    ),
    pytest.param(
        Case(
            AL,
            "2026-11-26 10:00 America/Chicago",
            "defer",
            "2026-11-27 08:00 America/Chicago",
            reason="federal holiday",
        ),
        id="alabama-thanksgiving-closed",
    ),
    pytest.param(
        Case(MS, "2026-11-28 20:15 America/Chicago", "defer", "2026-11-30 08:00 America/Chicago"),
        id="mississippi-saturday-night-waits-past-sunday",
    ),
    pytest.param(
        Case(WA, "2026-11-28 20:00 America/Los_Angeles", "defer", "2026-11-29 08:00 America/Los_Angeles"),
        id="washington-stops-at-8pm",
    ),
    pytest.param(
        Case(CT, "2026-11-28 08:30 America/New_York", "defer", "2026-11-28 09:00 America/New_York"),
        id="connecticut-starts-at-9am",
    ),
    pytest.param(Case(NY, "2026-11-28 20:30 America/New_York", "send"), id="new-york-has-no-stricter-rule"),
    pytest.param(
        Case(FL, "2026-11-28 20:30 America/New_York", "send", overrides={"states": {"FL": {"enabled": False}}}),
        id="admin-can-switch-a-state-rule-off",
    ),
    pytest.param(
        Case(
            NY,
            "2026-11-28 08:30 America/New_York",
            "defer",
            "2026-11-28 09:00 America/New_York",
            overrides={"states": {"ny": {"name": "New York", "window": "09:00-20:00", "source": "our counsel"}}},
            reason="our counsel",
        ),
        id="admin-can-add-a-state",
    ),
    pytest.param(
        Case(
            FL,
            "2026-11-28 15:00 America/New_York",
            "send",
            overrides={"states": {"FL": {"max_per_24h": 5}}},
            recent=(
                "2026-11-28 10:00 America/New_York",
                "2026-11-28 12:00 America/New_York",
                "2026-11-28 14:00 America/New_York",
            ),
        ),
        id="admin-can-raise-a-state-limit",
    ),
    pytest.param(
        Case(
            TX,
            "2026-11-28 10:00 America/Chicago",
            "defer",
            "2026-11-30 09:00 America/Chicago",
            overrides={"states": {"TX": {"days": {"sat": None, "sun": None}}}},
        ),
        id="admin-can-close-weekdays",
    ),
    pytest.param(
        Case(
            AL,
            "2026-04-27 10:00 America/Chicago",
            "defer",
            "2026-04-28 08:00 America/Chicago",
            overrides={"states": {"AL": {"no_send_dates": ["2026-04-27"]}}},
            reason="no-send date",
        ),
        id="admin-adds-a-state-holiday",
    ),
]

CAPS = [
    pytest.param(
        Case(
            NY,
            "2026-11-28 12:00 America/New_York",
            "defer",
            "2026-11-29 10:00 America/New_York",
            policy=Policy(category="marketing", caps={"per_day": 1}),
            recent=("2026-11-28 10:00 America/New_York",),
            reason="cap of 1 a day",
        ),
        id="cap-defers-until-window-frees",
    ),
    pytest.param(
        Case(
            NY,
            "2026-11-28 12:00 America/New_York",
            "defer",
            "2026-11-29 08:00 America/New_York",
            policy=Policy(category="marketing", caps={"per_day": 1}),
            recent=("2026-11-27 22:00 America/New_York",),
        ),
        id="cap-that-frees-at-night-waits-for-the-window",
    ),
    pytest.param(
        Case(
            NY,
            "2026-11-28 12:00 America/New_York",
            "send",
            policy=Policy(category="marketing", caps={"per_day": 1}),
            recent=("2026-11-27 11:59 America/New_York",),
            reason="every cap has room",
        ),
        id="a-send-older-than-24h-no-longer-counts",
    ),
    pytest.param(
        Case(
            NY,
            "2026-11-28 12:00 America/New_York",
            "defer",
            "2026-11-30 09:00 America/New_York",
            policy=Policy(category="marketing", caps={"per_day": 1, "per_week": 3}),
            recent=(
                "2026-11-23 09:00 America/New_York",
                "2026-11-25 09:00 America/New_York",
                "2026-11-27 09:00 America/New_York",
            ),
            reason="cap of 3 a week",
        ),
        id="weekly-cap-is-rolling",
    ),
    pytest.param(
        Case(
            NY,
            "2026-11-28 12:00 America/New_York",
            "send",
            policy=Policy(category="marketing"),
            recent=tuple(f"2026-11-28 {h:02}:00 America/New_York" for h in range(8, 12)),
        ),
        id="no-caps-no-limit",
    ),
]


@pytest.mark.parametrize("case", CONSENT + QUIET_HOURS + DST + STATES + CAPS)
def test_decide(case: Case) -> None:
    decision = run(case)
    assert decision.decision == case.expect, decision.reason
    assert decision.until == (t(case.until) if case.until else None), decision.reason
    assert case.reason in decision.reason
    if case.window is not None:
        assert decision.window == case.window


def test_example_from_the_issue_prints_its_window() -> None:
    decision = decide(
        phone=FL, at=datetime.fromisoformat("2026-11-28T19:30:00Z"), category="marketing", consent=OPTED_IN
    )
    assert decision.as_json() == {
        "decision": "send",
        "until": None,
        "reason": decision.reason,
        "window": "08:00-20:00 America/New_York",
        "cause": "ok",
    }


def test_naive_times_are_utc() -> None:
    aware = decide(phone=NY, at=datetime.fromisoformat("2026-11-28T03:00:00Z"), category="marketing", consent=OPTED_IN)
    naive = decide(phone=NY, at=datetime(2026, 11, 28, 3), category="marketing", consent=OPTED_IN)
    assert naive == aware and aware.as_json()["until"] == "2026-11-28T13:00:00Z"


def test_an_override_keeps_the_shipped_source_and_says_so() -> None:
    rule = state_rule("FL", PolicyOverrides.model_validate({"states": {"FL": {"max_per_24h": 2}}}))
    assert rule is not None and rule.max_per_24h == 2 and str(rule.window) == "08:00-20:00"
    assert rule.source.startswith("Fla. Stat.") and "admin override of max_per_24h" in rule.source


@pytest.mark.parametrize(
    ("kwargs", "decision", "cause"),
    [
        pytest.param({"at": "2026-11-28T19:30:00Z"}, "send", "ok", id="inside-every-rule"),
        pytest.param({"at": "2026-11-29T01:30:00Z"}, "defer", "window", id="outside-the-window"),
        pytest.param(
            {
                "at": "2026-11-28T19:30:00Z",
                "policy": Policy.model_validate({"category": "marketing", "caps": {"per_day": 1}}),
                "recent": [datetime.fromisoformat("2026-11-28T15:00:00Z")],
            },
            "defer",
            "cap",
            id="a-cap-is-reached",
        ),
        pytest.param(
            {
                "at": "2026-11-29T01:30:00Z",
                "policy": Policy.model_validate({"category": "marketing", "caps": {"per_day": 1}}),
                "recent": [datetime.fromisoformat("2026-11-28T15:00:00Z")],
            },
            "defer",
            "window",
            id="outside-the-window-and-capped-counts-as-the-window",
        ),
        pytest.param({"at": "2026-11-28T19:30:00Z", "consent": ConsentView()}, "drop", "consent", id="no-opt-in"),
        pytest.param({"at": "2026-11-28T19:30:00Z", "phone": "call me"}, "drop", "number", id="not-a-number"),
    ],
)
def test_every_decision_names_the_rule_that_took_it(kwargs: dict[str, Any], decision: str, cause: str) -> None:
    args: dict[str, Any] = {"phone": FL, "category": "marketing", "consent": OPTED_IN, **kwargs}
    args["at"] = datetime.fromisoformat(args["at"])
    result = decide(**args)
    assert (result.decision, result.cause) == (decision, cause), result.reason
