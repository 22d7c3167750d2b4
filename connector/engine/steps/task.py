"""The `task:` step part, and its model."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import Field, model_validator

from connector.engine.durations import Duration
from connector.engine.model import Action, CreateTask
from connector.engine.steps.base import Ctx, Shorthand, StepModel
from connector.engine.templates import render

DOC = """Create a task for a person on the record; a string is the subject, a mapping sets more.

    person:
      task: {subject: "SMS reply needs a person: {{ reply }}", priority: High, due: 1d}
      end: true
"""


class Task(Shorthand, StepModel):
    """A CRM task for a person: by default for the record's owner, due today."""

    subject: str = Field(min_length=1, max_length=255)
    priority: Literal["High", "Normal", "Low"] = "Normal"
    owner: str | None = Field(
        default=None, description="a User Id (005...) or a merge field; the record's owner when left out"
    )
    description: str | None = None
    due: Duration | None = Field(default=None, description="how long after the step the task is due")

    @model_validator(mode="before")
    @classmethod
    def _subject_shorthand(cls, value: object) -> object:
        return {"subject": value} if isinstance(value, str) else value


def run(task: Task, ctx: Ctx) -> list[Action]:
    """One CreateTask for the record's owner (or the named owner)."""
    record = ctx.state.record
    owner = render(task.owner, ctx.values).strip() if task.owner else ctx.state.owner.get("id")
    due = ctx.at + (task.due or timedelta(0))
    return [
        CreateTask(
            id=ctx.next_id("task"),
            step=ctx.step,
            object=record.object,
            record_id=record.id,
            subject=render(task.subject, ctx.values).strip()[:255],
            priority=task.priority,
            owner_id=owner or None,
            description=render(task.description, ctx.values) if task.description else None,
            due=due,
        )
    ]
