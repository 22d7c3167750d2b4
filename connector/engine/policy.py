"""The contact policy: may this text go to this number now, later, or never? A pure decision that explains itself.

The host calls `decide` before every send, in this order of rules: a valid number, consent (drop), then the
local window and the caps together (defer to the earliest moment both allow). docs/policy.md explains each rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator

from connector.config.flow import Policy, QuietHours
from connector.engine.policy_rules import (
    DAY,
    WEEK,
    Cap,
    Category,
    ConsentView,
    Schedule,
    allowed,
    cap_clears_at,
    consent_refusal,
    next_opening,
    zone,
)
from connector.engine.us_states import STATE_RULES, StateRule, state_of
from connector.phones import region_of, time_zones, try_e164

__all__ = ["Cause", "ConsentView", "Decision", "PolicyOverrides", "decide", "state_rule"]

# Which rule decided, for counting and filtering (the reason says it in words): "ok" sends; "window" and "cap"
# defer (or drop, past the horizon); the rest drop. The host adds "record" (the CRM record forbids it) and
# "response" (an answer to the contact's own HELP, sent at once).
Cause = Literal["ok", "response", "range", "number", "consent", "record", "window", "cap"]

DEFAULT_WINDOW = QuietHours(start=time(8), end=time(21))  # 47 CFR 64.1200(c)(1): 8 a.m. to 9 p.m. local time
HORIZON_DAYS = 31  # a text that cannot go out within a month is dropped, not deferred forever
FALLBACK_ZONE = "UTC"
EARLIEST, LATEST = datetime(1900, 1, 1, tzinfo=UTC), datetime(9000, 1, 1, tzinfo=UTC)  # clear of datetime's limits


@dataclass(frozen=True)
class Decision:
    """What the policy decided for one text: send now, defer until a moment, or drop; `reason` says why."""

    decision: Literal["send", "defer", "drop"]
    until: datetime | None
    reason: str
    window: str | None
    cause: Cause = "ok"

    def as_json(self) -> dict[str, str | None]:
        """The decision as `smsflow policy check` prints it."""
        until = self.until.astimezone(UTC).isoformat().replace("+00:00", "Z") if self.until else None
        return {
            "decision": self.decision,
            "until": until,
            "reason": self.reason,
            "window": self.window,
            "cause": self.cause,
        }


class PolicyOverrides(BaseModel):
    """An admin's overrides: windows per region (ISO code) and, per US state, keys that replace the shipped rule.

    regions: {US: "08:00-21:00", GB: "09:00-20:00"}
    states: {FL: {max_per_24h: 2}, TX: {enabled: false}, NY: {window: "09:00-20:00", source: "counsel, 2026"}}
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    regions: dict[str, QuietHours] = Field(default_factory=dict)
    states: dict[str, StateRule] = Field(default_factory=dict)

    @field_validator("regions", "states")
    @classmethod
    def _upper(cls, value: dict[str, object]) -> dict[str, object]:
        return {key.strip().upper(): rule for key, rule in value.items()}


def state_rule(state: str, overrides: PolicyOverrides | None = None) -> StateRule | None:
    """The rule for a state's marketing texts: the shipped one with the admin's keys applied; None if there is none."""
    shipped = STATE_RULES.get(state)
    given = overrides.states.get(state) if overrides else None
    if given is None or shipped is None:
        rule = given or shipped
    else:
        changed = {key: getattr(given, key) for key in given.model_fields_set}
        changed.setdefault("source", f"{shipped.source}, with an admin override of {', '.join(sorted(changed))}")
        rule = shipped.model_copy(update=changed)
    return rule if rule is not None and rule.enabled else None


def _utc(moment: datetime) -> datetime:
    # A naive datetime is read as UTC, so a host that stores naive UTC gets the right answer rather than an error.
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    if not EARLIEST.year < moment.year < LATEST.year:
        return moment.replace(tzinfo=UTC)  # only for the range check: no zone offset matters at year 1 or 9999
    return moment.astimezone(UTC)


def _zones(e164: str, record_time_zone: str | None) -> tuple[list[ZoneInfo], str]:
    named = (record_time_zone or "").strip()
    if named and (tz := zone(named)) is not None:
        return [tz], "time zone from the record"
    note = f"the record's time zone {named!r} is not one; " if named else ""
    found = [tz for name in time_zones(e164) if (tz := zone(name)) is not None]
    if found:
        return found, note + ("time zone from the number" if len(found) == 1 else "every zone the number may be in")
    return [ZoneInfo(FALLBACK_ZONE)], note + "the number's time zone is unknown, so UTC is used"


def _window(moment: datetime, zones: Sequence[ZoneInfo], schedule: Schedule) -> str:
    # "08:00-20:00 America/New_York"; zones whose local day has another window are listed after a ";".
    groups: dict[str, list[str]] = {}
    for tz in zones:
        groups.setdefault(schedule.describe(moment.astimezone(tz).date()), []).append(str(tz))
    return "; ".join(f"{span} {_names(names)}" for span, names in groups.items())


def _names(names: Sequence[str]) -> str:
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def _local(moment: datetime, zones: Sequence[ZoneInfo]) -> str:
    return _names([f"{moment.astimezone(tz):%a %Y-%m-%d %H:%M} {tz}" for tz in zones])


def _caps(
    category: Category,
    policy: Policy | None,
    rule: StateRule | None,
    recent: tuple[datetime, ...],
    same_subject: tuple[datetime, ...] | None,
) -> list[Cap]:
    caps = []
    limits = policy.caps if policy else None
    if limits and limits.per_day:
        caps.append(Cap(limits.per_day, DAY, f"the flow's {category} cap of {limits.per_day} a day (rolling)", recent))
    if limits and limits.per_week:
        caps.append(
            Cap(limits.per_week, WEEK, f"the flow's {category} cap of {limits.per_week} a week (rolling)", recent)
        )
    if rule and rule.max_per_24h:
        # Given no subjects, every marketing text counts as the same subject: the strict reading.
        sends = recent if same_subject is None else same_subject
        label = f"{rule.name or 'the state'}'s limit of {rule.max_per_24h} texts on one subject in 24 h ({rule.source})"
        caps.append(Cap(rule.max_per_24h, DAY, label, sends))
    return caps


def decide(
    *,
    phone: str,
    at: datetime,
    category: Category,
    consent: ConsentView,
    policy: Policy | None = None,
    record_time_zone: str | None = None,
    recent: Sequence[datetime] = (),
    same_subject: Sequence[datetime] | None = None,
    overrides: PolicyOverrides | None = None,
) -> Decision:
    """Decide whether a text of `category` to `phone` may go out at `at`, later (until), or never.

    `recent`: the contact's texts of this category across all flows (for caps); `same_subject`: those on the same
    subject (for state limits such as Florida's 3 in 24 h), or None to count every one of `recent`.
    """
    at = _utc(at)
    if not EARLIEST <= at <= LATEST:
        return Decision("drop", None, f"{at:%Y-%m-%d} is outside the years the policy can place", None, "range")
    e164 = try_e164(phone)
    if e164 is None:
        return Decision("drop", None, "not a phone number that can be texted", None, "number")
    refusal = consent_refusal(category, consent)
    if refusal:
        return Decision("drop", None, refusal, None, "consent")
    zones, zone_note = _zones(e164, record_time_zone)
    region = region_of(e164)
    state = state_of(e164) if category == "marketing" and region == "US" else None
    rule = state_rule(state, overrides) if state else None
    region_window = overrides.regions.get(region) if overrides and region else None
    schedule = Schedule(policy.quiet_hours if policy else DEFAULT_WINDOW, region_window, rule)
    subject = tuple(map(_utc, same_subject)) if same_subject is not None else None
    caps = _caps(category, policy, rule, tuple(map(_utc, recent)), subject)
    window = _window(at, zones, schedule)
    where = zone_note
    if rule is not None:
        where += f"; {rule.name or state} marketing rule{'' if rule.verified else ' (unverified)'}: {rule.source}"
    full = [(cap, clears) for cap in caps if (clears := cap_clears_at(cap, at)) is not None]
    not_before = max([at] + [clears for _, clears in full])
    opening = next_opening(not_before, zones, schedule, HORIZON_DAYS)
    if opening == at:
        room = "; every cap has room" if caps else ""
        return Decision("send", None, f"inside the window: {window} ({where}){room}", window)
    why = [f"{cap.label} is reached until {clears:%Y-%m-%d %H:%M} UTC" for cap, clears in full]
    cause: Cause = "cap"
    if not allowed(at, zones, schedule):
        why.insert(0, f"{_local(at, zones)} is outside the window: {window} ({where})")
        cause = "window"
    if opening is None:
        why.append(f"and no moment in the next {HORIZON_DAYS} days is inside the window in every zone")
        return Decision("drop", None, "; ".join(why), window, cause)
    why.append(f"next allowed: {_local(opening, zones)}")
    return Decision("defer", opening, "; ".join(why), window, cause)
