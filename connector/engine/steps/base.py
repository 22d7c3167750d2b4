"""What every step part shares: strict models and the context an action is built in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from connector.engine.model import RunState


class StepModel(BaseModel):
    """A part of a flow step as an admin writes it; unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Shorthand:
    """For models an admin may also write as one string (`task: "Call back"`): the JSON Schema says so too."""

    SHORTHAND: ClassVar[dict[str, Any]] = {"type": "string"}

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        full = handler.resolve_ref_schema(handler(core_schema))
        return {"anyOf": [cls.SHORTHAND, full], "title": full.get("title"), "description": full.get("description")}


@dataclass(frozen=True)
class Ctx:
    """Where a step part runs: the run so far, the input's time, the id of this step and its template values."""

    state: RunState
    at: datetime
    step: str
    values: dict[str, Any]

    def next_id(self, kind: str) -> str:
        """A new action id, derived from the run id and the run's sequence number (never random)."""
        self.state.seq += 1
        return f"{self.state.run_id}:{self.state.seq}:{kind}"
