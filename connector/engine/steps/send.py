"""The `send:` step part."""

from __future__ import annotations

from connector.engine.model import Action, SendSms
from connector.engine.steps.base import Ctx
from connector.engine.templates import render

DOC = """Text the run's contact; the text may use merge fields such as {{ first_name }}.

    intro:
      send: "Hi {{ first_name }}, it's {{ owner.first_name }} from {{ sender }}. I'll call you today."
      end: true
"""


def run(template: str, ctx: Ctx) -> list[Action]:
    """One SendSms, unless the contact has opted out: after STOP nothing is sent, whatever the flow says."""
    if ctx.state.opted_out:
        return []
    body = render(template, ctx.values).strip()
    if not body:
        return []
    action = SendSms(id=ctx.next_id("sms"), step=ctx.step, body=body, category=ctx.state.category)
    ctx.state.sent.append(action.id)
    return [action]
