"""The step parts a flow step can hold, one module each; a step runs its parts in PARTS order.

A step does up to three things, always in this order: `update` the record, create a `task`, `send` a text.
Then it waits (`expect` a reply, or `wait` a while or until a date), goes `next`, or `end`s the run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from connector.engine.model import Action
from connector.engine.steps import end, expect, send, task, update, wait
from connector.engine.steps.base import Ctx

# Parts that emit actions, in the order they run within a step.
PARTS: dict[str, Callable[[Any, Ctx], list[Action]]] = {
    "update": update.run,
    "task": task.run,
    "send": send.run,
}

# Every key a step may hold that is a part of its own (docs and the registry test enumerate this).
STEPS: dict[str, str] = {
    "update": update.DOC,
    "task": task.DOC,
    "send": send.DOC,
    "expect": expect.DOC,
    "wait": wait.DOC,
    "end": end.DOC,
}
