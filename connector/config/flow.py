"""The flow file format (flows/*.yaml) as pydantic models; docs/flows.md explains it for admins."""

from __future__ import annotations

import re
from datetime import time, timedelta
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from connector.engine.durations import Duration
from connector.engine.steps.base import Shorthand
from connector.engine.steps.expect import Expect
from connector.engine.steps.task import Task
from connector.engine.steps.wait import Wait

FLOW_ID = r"^[a-z0-9][a-z0-9-]{0,62}$"
STEP_ID = r"^[A-Za-z_][A-Za-z0-9_-]{0,62}$"
FIELD = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
TriggerEvent = Literal["created", "updated", "field_changed", "call_logged"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _hhmm(text: str) -> time:
    try:
        hours, minutes = (int(x) for x in text.split(":"))
        return time(hours, minutes) if (hours, minutes) != (24, 0) else time(23, 59, 59)
    except ValueError:
        raise ValueError(f'expected a time like "08:00", got {text!r}') from None


class QuietHours(Shorthand, _Strict):
    """The local-time window texts may go out in; outside it they wait for the next opening."""

    SHORTHAND: ClassVar[dict[str, Any]] = {
        "type": "string",
        "pattern": r"^\d{1,2}:\d{2}\s*-\s*\d{1,2}:\d{2}$",
        "examples": ["08:00-21:00"],
    }

    start: time
    end: time

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: object) -> object:
        if isinstance(value, str):
            parts = value.split("-")
            if len(parts) != 2:
                raise ValueError(f'expected a window like "08:00-21:00", got {value!r}')
            return {"start": _hhmm(parts[0].strip()), "end": _hhmm(parts[1].strip())}
        return value

    @model_validator(mode="after")
    def _ordered(self) -> QuietHours:
        if self.start >= self.end:
            raise ValueError("the window must start before it ends, within one day")
        return self

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


class Caps(_Strict):
    """At most this many texts of this flow's category to one contact, across all flows."""

    per_day: int | None = Field(default=None, ge=1)
    per_week: int | None = Field(default=None, ge=1)


class Dedupe(_Strict):
    """A key (a template) and a window: a run whose key was seen within the window does not start."""

    key: str = Field(min_length=1)
    within: Duration


class Policy(_Strict):
    """How the contact policy treats this flow's texts."""

    category: Literal["transactional", "marketing"]
    quiet_hours: QuietHours = Field(default_factory=lambda: QuietHours(start=time(8), end=time(21)))
    caps: Caps | None = None
    dedupe: Dedupe | None = None
    max_segments: int = Field(default=2, ge=1, le=10, description="the worst case a `send` may take")


class Trigger(_Strict):
    """Which CRM change starts the flow, and on which records."""

    object: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    on: TriggerEvent
    fields: list[str] = Field(default_factory=list, description="for field_changed: the fields to watch")
    when: str | None = Field(default=None, description="a condition on the record's fields")

    @model_validator(mode="after")
    def _fields_for_field_changed(self) -> Trigger:
        if self.on == "field_changed" and not self.fields:
            raise ValueError("field_changed needs `fields:`, the fields whose change starts the flow")
        if self.on != "field_changed" and self.fields:
            raise ValueError("`fields:` goes with on: field_changed")
        return self


def _outcome_keys(value: Any) -> Any:
    # `1:` in YAML is a number; outcomes are names, so `1` and "1" mean the same branch.
    if isinstance(value, dict):
        return {str(k): v for k, v in value.items()}
    return value


Next = Annotated[str | dict[str, str], BeforeValidator(_outcome_keys)]
Scalar = str | int | float | bool | None


class StepDef(_Strict):
    """One step: update, task, send (in that order), then expect/wait, then next or end."""

    note: str | None = Field(default=None, description="for people reading the flow; ignored by the engine")
    update: dict[str, Scalar] | None = None
    task: Task | None = None
    send: str | None = Field(default=None, min_length=1)
    expect: Expect | None = None
    timeout: Duration | None = None
    wait: Wait | None = None
    next: Next | None = None
    end: bool = False

    @field_validator("update")
    @classmethod
    def _field_names(cls, value: dict[str, Scalar] | None) -> dict[str, Scalar] | None:
        for name in value or {}:
            if not FIELD.match(name):
                raise ValueError(f"{name!r} is not a field name")
        return value

    @model_validator(mode="after")
    def _shape(self) -> StepDef:
        if self.timeout is not None and self.expect is None:
            raise ValueError("timeout goes with expect (how long to wait for a reply)")
        if self.wait is not None and self.expect is not None:
            raise ValueError("a step either waits for a reply (expect) or waits a while (wait), not both")
        if self.end and self.next is not None:
            raise ValueError("a step has either next or end: true, not both")
        if not self.end and self.next is None:
            raise ValueError("a step must say where the run goes: add next: <step> or end: true")
        if self.end and (self.expect or self.wait):
            raise ValueError("end: true stops the run; it cannot also wait")
        if self.expect is not None and not isinstance(self.next, dict):
            raise ValueError("after expect, next maps outcomes to steps, e.g. {yes: a, no: b, unknown: c}")
        if isinstance(self.next, dict) and self.expect is None and not (self.wait and self.wait.until):
            raise ValueError("next maps outcomes only after expect or a wait until a field; else it names one step")
        return self

    def outcomes(self) -> tuple[str, ...]:
        """The outcomes a mapping under `next:` may name here."""
        if self.expect is not None:
            return self.expect.outcomes()
        return self.wait.outcomes() if self.wait is not None else ()

    def targets(self) -> list[str]:
        """The step ids this step can go to."""
        if isinstance(self.next, dict):
            return list(self.next.values())
        return [self.next] if self.next else []

    def route(self, outcome: str) -> str | None:
        """The step an outcome leads to, if the flow routes it.

        A single `next:` is the way on from a plain step, after a pause, and when a wait until a field is `due`.
        """
        if isinstance(self.next, dict):
            return self.next.get(outcome)
        return self.next if outcome in ("next", "due") else None


class Flow(_Strict):
    """One SMS flow: what starts it, the policy its texts obey, and its steps."""

    flow: str = Field(pattern=FLOW_ID, description="the flow's id, unique across flows/")
    name: str | None = None
    description: str | None = None
    enabled: bool = True
    trigger: Trigger | None = Field(default=None, description="left out: started only by hand or by a campaign")
    policy: Policy
    start: str = Field(pattern=STEP_ID)
    steps: dict[str, StepDef] = Field(min_length=1)
    version: str = Field(default="", description="set by the loader: a hash of the file's content")

    @field_validator("steps")
    @classmethod
    def _step_ids(cls, value: dict[str, StepDef]) -> dict[str, StepDef]:
        for step_id in value:
            if not re.match(STEP_ID, step_id):
                raise ValueError(f"{step_id!r} is not a step id (letters, digits, _ and -)")
        return value

    def timeouts(self) -> dict[str, timedelta]:
        return {sid: s.timeout for sid, s in self.steps.items() if s.timeout is not None}
