"""The `update:` step part."""

from __future__ import annotations

from typing import Any

from connector.engine.model import Action, Scalar, UpdateRecord
from connector.engine.steps.base import Ctx
from connector.engine.templates import render

DOC = """Set fields on the run's CRM record; string values may use merge fields.

    confirmed:
      update: {Status: Booked, SMS_Last_Reply__c: "{{ reply }}"}
      end: true
"""


def run(fields: dict[str, Any], ctx: Ctx) -> list[Action]:
    """One UpdateRecord with every field rendered."""
    values: dict[str, Scalar] = {
        name: render(value, ctx.values) if isinstance(value, str) else value for name, value in fields.items()
    }
    record = ctx.state.record
    return [
        UpdateRecord(id=ctx.next_id("update"), step=ctx.step, object=record.object, record_id=record.id, fields=values)
    ]
