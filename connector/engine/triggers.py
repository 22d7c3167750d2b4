"""Does a CRM change start a flow? The trigger's event, watched fields and condition, as pure functions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from connector.config.flow import Trigger
from connector.engine.expr import parse


def condition_env(fields: dict[str, Any], call: dict[str, Any] | None = None) -> dict[str, Any]:
    """Names a condition sees: the record's fields bare and under `record.`, and the logged call's as `call.`."""
    env: dict[str, Any] = dict(fields)
    env["record"] = fields
    if call is not None:
        env["call"] = call
    return env


def condition_holds(trigger: Trigger, fields: dict[str, Any], call: dict[str, Any] | None = None) -> bool:
    """True when the trigger has no condition or the record (and call) satisfy it."""
    if not trigger.when:
        return True
    return parse(trigger.when).test(condition_env(fields, call))


def matches(
    trigger: Trigger,
    *,
    obj: str,
    event: str,
    fields: dict[str, Any],
    changed: Iterable[str] = (),
    call: dict[str, Any] | None = None,
) -> bool:
    """Whether a change of kind `event` to a record of `obj` starts a flow with this trigger."""
    if trigger.object != obj:
        return False
    if trigger.on == "field_changed":
        if event not in ("updated", "field_changed") or not set(trigger.fields) & set(changed):
            return False
    elif trigger.on == "updated":
        if event not in ("updated", "field_changed"):
            return False
    elif trigger.on != event:
        return False
    if trigger.on == "call_logged" and call is None:
        return False
    return condition_holds(trigger, fields, call)
