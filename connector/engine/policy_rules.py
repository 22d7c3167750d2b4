"""The contact policy's rules, one small pure function each: consent, the local window, the next opening, caps.

Time is always an argument. Windows are wall-clock times in the recipient's zones, so every instant is checked by
converting it to local time (zoneinfo), which keeps DST days right: on a spring-forward day 08:00 still opens the
window, and on a fall-back day the repeated hour is never counted twice.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connector.config.flow import QuietHours
from connector.engine.us_states import WEEKDAYS, StateRule, federal_holidays

Category = Literal["transactional", "marketing"]
Span = tuple[time, time]  # [start, end) in local wall-clock time
DAY = timedelta(days=1)
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class ConsentView:
    """What the store and the CRM know about a contact's consent, read by the host before it asks."""

    opted_out: bool = False
    marketing_opt_in: bool | None = None
    do_not_contact: bool = False
    has_record: bool = True


def consent_refusal(category: Category, consent: ConsentView) -> str | None:
    """Why consent forbids this text (a reason for a drop), or None when consent allows it."""
    if consent.opted_out:
        return "the contact opted out (STOP); nothing more is sent to them"
    if consent.do_not_contact:
        return "the record is marked do-not-contact"
    if not consent.has_record:
        return "no CRM record for this contact, so no prior relationship"
    if category == "marketing" and consent.marketing_opt_in is not True:
        said = "declined" if consent.marketing_opt_in is False else "is not on record"
        return f"marketing needs an explicit opt-in, and the contact's opt-in {said}"
    return None


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo | None:
    """The IANA zone of that name, or None when it is not one ("Mars/Base", "", "../etc")."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


@lru_cache(maxsize=64)
def _holidays(year: int) -> frozenset[date]:
    return federal_holidays(year)


@dataclass(frozen=True)
class Schedule:
    """The local window of each day: the flow's window, narrowed by the region's and, for marketing, the state's."""

    base: QuietHours
    region: QuietHours | None = None
    state: StateRule | None = None

    def closed_because(self, day: date) -> str | None:
        """Why the state rule closes the whole day ("Sunday", "a holiday"), else None."""
        rule = self.state
        if rule is None:
            return None
        if day in rule.no_send_dates:
            return "a no-send date"
        if rule.holidays and day in _holidays(day.year):
            return "a US federal holiday"
        weekday = WEEKDAYS[day.weekday()]
        if weekday in rule.days and rule.days[weekday] is None:
            return day.strftime("%A")
        return None

    def span_on(self, day: date) -> Span | None:
        """The [start, end) window of a local date, or None when nothing may be sent that day."""
        if self.closed_because(day):
            return None
        windows = [self.base, self.region]
        if self.state is not None:
            windows.append(self.state.days.get(WEEKDAYS[day.weekday()], self.state.window))
        start = max(w.start for w in windows if w is not None)
        end = min(w.end for w in windows if w is not None)
        return (start, end) if start < end else None

    def describe(self, day: date) -> str:
        """The window of a local date as an admin reads it: "08:00-20:00", "closed (Sunday)"."""
        span = self.span_on(day)
        if span is not None:
            return f"{span[0]:%H:%M}-{span[1]:%H:%M}"
        return f"closed ({self.closed_because(day) or 'the windows do not overlap'})"


def allowed(at: datetime, zones: Sequence[ZoneInfo], schedule: Schedule) -> bool:
    """True when `at` is inside the window in every zone (the strictest reading of several zones)."""
    for tz in zones:
        local = at.astimezone(tz)
        span = schedule.span_on(local.date())
        if span is None or not span[0] <= local.time() < span[1]:
            return False
    return True


def _wall_instants(day: date, at: time, tz: ZoneInfo) -> list[datetime]:
    # Both readings of a repeated (fall-back) wall time; none for a skipped one, whose opening is the transition.
    naive = datetime.combine(day, at)
    found = []
    for fold in (0, 1):
        instant = naive.replace(tzinfo=tz, fold=fold).astimezone(UTC)
        if instant.astimezone(tz).replace(tzinfo=None) == naive:
            found.append(instant)
    return found


def _transition(day: date, tz: ZoneInfo) -> datetime | None:
    # The moment the zone's UTC offset changes within ~a day of local midnight, to the second (bisection).
    low = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    high = low + timedelta(hours=26)
    after = high.astimezone(tz).utcoffset()
    if low.astimezone(tz).utcoffset() == after:
        return None
    lo, hi = int(low.timestamp()), int(high.timestamp())
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, UTC).astimezone(tz).utcoffset() == after:
            hi = mid
        else:
            lo = mid
    return datetime.fromtimestamp(hi, UTC)


def _entries(at: datetime, tz: ZoneInfo, schedule: Schedule, days: int) -> Iterator[datetime]:
    # Every instant where this zone may enter its window: the wall clock reaching a day's start, or a DST jump.
    first = at.astimezone(tz).date()
    for offset in range(-1, days + 1):
        day = first + timedelta(days=offset)
        span = schedule.span_on(day)
        if span is not None:
            yield from _wall_instants(day, span[0], tz)
        jump = _transition(day, tz)
        if jump is not None:
            yield jump


def next_opening(at: datetime, zones: Sequence[ZoneInfo], schedule: Schedule, days: int) -> datetime | None:
    """The earliest instant at or after `at` inside the window in every zone; None if none within `days` days."""
    if allowed(at, zones, schedule):
        return at
    # The intersection opens when its last zone opens, so one zone's entry points hold the answer.
    limit = at + timedelta(days=days)
    candidates = sorted({c for tz in zones for c in _entries(at, tz, schedule, days) if at < c <= limit})
    return next((c for c in candidates if allowed(c, zones, schedule)), None)


@dataclass(frozen=True)
class Cap:
    """At most `limit` texts in any rolling `span`, counting `sends`; `label` says whose rule it is."""

    limit: int
    span: timedelta
    label: str
    sends: tuple[datetime, ...]


def cap_clears_at(cap: Cap, at: datetime) -> datetime | None:
    """None when the cap allows a text at `at`; else when the oldest send that keeps it full leaves the window.

    A send counts while it is less than `span` old; sends after `at` are not counted.
    """
    counted = sorted((s for s in cap.sends if at - cap.span < s <= at), reverse=True)
    if len(counted) < cap.limit:
        return None
    return counted[cap.limit - 1] + cap.span
