"""What every step part shares: strict models and the context an action is built in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from connector.engine.model import RunState


class StepModel(BaseModel):
    """A part of a flow step as an admin writes it; unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


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
