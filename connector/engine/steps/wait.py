"""The `wait:` step part: pause the run for a while, or until a moment a record field gives, then go on."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from pydantic import Field, model_validator

from connector.engine.durations import Duration, format_duration, parse_duration
from connector.engine.model import Record, RunState
from connector.engine.records import field_value
from connector.engine.steps.base import Shorthand, StepModel
from connector.engine.templates import moment_of

DOC = """Pause before the next step; the pause survives restarts (it is a timer in the store).

    nudge:
      wait: 2d                  # or until a record's date-time: {until: record.Booking_Time__c, before: 1d}
      next: reminder
"""

UNTIL = re.compile(r"^(record\.)?[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$")

# What a wait until a field can come to. `due`: the moment came (or had come, while the field's moment is still
# ahead). `missing`: the field is blank or not a date-time. `passed`: the field's moment itself is in the past.
UNTIL_OUTCOMES = ("due", "missing", "passed")


class Wait(Shorthand, StepModel):
    """A pause: a duration (`wait: 2d`), or until a date-time field of the record, optionally some time before."""

    SHORTHAND: ClassVar[dict[str, Any]] = {
        "type": "string",
        "pattern": r"^\s*(\d+\s*[wdhms]\s*)+$",
        "examples": ["2h", "1d"],
    }

    delay: Duration | None = Field(default=None, description="how long to pause (what `wait: 2d` means)")
    until: str | None = Field(default=None, description="a date-time field of the record, like record.Booking_Time__c")
    before: Duration | None = Field(default=None, description="with until: wake this long before the field's moment")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: object) -> object:
        if isinstance(value, str | timedelta):
            return {"delay": parse_duration(value)}
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> Wait:
        if (self.delay is None) == (self.until is None):
            raise ValueError('give a duration ("2d") or {until: record.Field, before: 1d}')
        if self.until is not None and not UNTIL.match(self.until):
            raise ValueError(f"until: expected a record field like record.Booking_Time__c, got {self.until!r}")
        if self.before is not None and self.until is None:
            raise ValueError("before goes with until (how long before the field's moment)")
        return self

    @property
    def field(self) -> str | None:
        """The record field `until` names, without the `record.` prefix."""
        return self.until.removeprefix("record.") if self.until else None

    def outcomes(self) -> tuple[str, ...]:
        """Every outcome `next:` may name for this wait."""
        return UNTIL_OUTCOMES if self.until else ("next",)

    def __str__(self) -> str:
        """The wait as an admin reads it: "2d", "until record.Booking_Time__c", "1d before record.Booking_Time__c"."""
        if self.delay is not None:
            return format_duration(self.delay)
        return f"{format_duration(self.before)} before {self.until}" if self.before else f"until {self.until}"


@dataclass(frozen=True)
class Wake:
    """When a wait ends: `at` a moment (a timer), or at once (`at` is None) with `outcome`; `reason` for an end."""

    outcome: str
    at: datetime | None = None
    reason: str = ""


def wake(wait: Wait, state: RunState, now: datetime) -> Wake:
    """Where a wait entered at `now` leads: a timer, or straight on when its moment has come or cannot come.

    A reminder that is late (the run started less than `before` ahead of the moment) goes at once, as long as the
    moment itself is still ahead; nobody is reminded of an appointment that has passed.
    """
    if wait.delay is not None:
        return Wake("next", now + wait.delay)
    assert wait.field is not None and wait.until is not None  # _one_kind: until when there is no delay
    moment = moment_of(field_value(state.record.fields, wait.field), state.vars.get("time_zone"))
    if moment is None:
        return Wake("missing", reason=f"{wait.until} is blank or not a date-time")
    if moment <= now:
        return Wake("passed", reason=f"{wait.until} ({moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC) has passed")
    # In the contact's zone, "1d before" keeps the clock time (10:30 the day before), across a DST change too.
    at = (moment - wait.before if wait.before else moment).astimezone(UTC)
    return Wake("due", at if at > now else None)


def moved(wait: Wait, state: RunState, fresh: Record) -> str | None:
    """Why a wait until a field no longer stands once the record is re-read: its moment moved or was cleared."""
    if wait.field is None:
        return None
    zone = state.vars.get("time_zone")
    then = moment_of(field_value(state.record.fields, wait.field), zone)
    now = moment_of(field_value(fresh.fields, wait.field), zone)
    if now == then:
        return None
    return f"{wait.until} changed while the run waited" if now else f"{wait.until} was cleared while the run waited"
