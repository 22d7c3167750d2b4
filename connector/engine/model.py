"""The engine's vocabulary: inputs (what arrived), actions (what the host must do) and the run's state.

Inputs are nouns and carry `at`; the engine never reads the clock. Actions are frozen commands; the host turns
them into outbox rows and timers in the same transaction as the new state. Every id the engine makes derives
from the run id and a per-run sequence number, so replaying the same inputs gives the same ids.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Scalar = str | int | float | bool | None


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Record(_Frozen):
    """A snapshot of the CRM record a run is about, with the mapped fields already read."""

    object: str
    id: str
    fields: dict[str, Any] = Field(default_factory=dict)


# ---- inputs -------------------------------------------------------------------------------------------------


class Start(_Frozen):
    """Start a run for a record; `vars` are the mapping's flow variables, already resolved by the host."""

    kind: Literal["start"] = "start"
    at: datetime
    run_id: str
    record: Record
    phone: str | None = Field(default=None, description="the number the run texts, E.164")
    vars: dict[str, Any] = Field(default_factory=dict)
    owner: dict[str, Any] = Field(default_factory=dict)
    call: dict[str, Any] | None = Field(default=None, description="the logged call, for call_logged flows")
    sender: str | None = Field(
        default=None,
        description="the business name texts are signed with ({{ sender }}, e.g. Acme Homes); the host's setting",
    )


class Reply(_Frozen):
    """A text the contact sent while the run was waiting."""

    kind: Literal["reply"] = "reply"
    at: datetime
    text: str
    message_id: str | None = None


class Timeout(_Frozen):
    """A timer the run asked for came due."""

    kind: Literal["timeout"] = "timeout"
    at: datetime
    timer_id: str
    record: Record | None = Field(
        default=None,
        description="the record as re-read when the timer came due; after a wait until a field the run checks "
        "that the moment has not moved and the trigger still holds (else it ends, sending nothing)",
    )


class DeliveryFailed(_Frozen):
    """A text of this run could not be delivered (provider error after acceptance, or refused at send)."""

    kind: Literal["delivery_failed"] = "delivery_failed"
    at: datetime
    action_id: str
    error: str = Field(description="our short vocabulary: opted_out, invalid_number, unreachable, ...")


class OptedOut(_Frozen):
    """The contact opted out (STOP by reply, the CRM's opt-out field, or the provider's 21610)."""

    kind: Literal["opted_out"] = "opted_out"
    at: datetime
    source: str = "reply"


Input = Annotated[Start | Reply | Timeout | DeliveryFailed | OptedOut, Field(discriminator="kind")]


# ---- actions ------------------------------------------------------------------------------------------------


class SendSms(_Frozen):
    """Text the run's contact. `id` doubles as the outbox idempotency key."""

    type: Literal["send_sms"] = "send_sms"
    id: str
    step: str
    body: str
    category: Literal["transactional", "marketing"]


class UpdateRecord(_Frozen):
    """Set fields on the run's CRM record."""

    type: Literal["update_record"] = "update_record"
    id: str
    step: str
    object: str
    record_id: str
    fields: dict[str, Scalar]


class CreateTask(_Frozen):
    """Create a CRM task for a person, on the run's record."""

    type: Literal["create_task"] = "create_task"
    id: str
    step: str
    object: str
    record_id: str
    subject: str
    priority: Literal["High", "Normal", "Low"] = "Normal"
    owner_id: str | None = None
    description: str | None = None
    due: datetime | None = None


class WaitUntil(_Frozen):
    """Wake the run with a Timeout(timer_id=id) at `at`, unless another input moves it first."""

    type: Literal["wait_until"] = "wait_until"
    id: str
    step: str
    at: datetime
    reason: Literal["reply", "delay"]


class EndRun(_Frozen):
    """The run is over; the host closes its timers and releases the contact."""

    type: Literal["end_run"] = "end_run"
    id: str
    step: str | None
    reason: str


Action = Annotated[SendSms | UpdateRecord | CreateTask | WaitUntil | EndRun, Field(discriminator="type")]


# ---- state --------------------------------------------------------------------------------------------------


class Visit(BaseModel):
    """One pass through a step, with the outcome that left it (reply label, timeout, ...)."""

    model_config = ConfigDict(extra="forbid")

    step: str
    at: datetime
    outcome: str | None = None
    reply: str | None = None


class RunState(BaseModel):
    """Everything the engine needs to continue a run; survives model_dump_json()/model_validate_json()."""

    model_config = ConfigDict(extra="forbid")

    run_id: str
    flow: str
    flow_version: str
    category: Literal["transactional", "marketing"]
    record: Record
    phone: str | None = None
    vars: dict[str, Any] = Field(default_factory=dict)
    owner: dict[str, Any] = Field(default_factory=dict)
    call: dict[str, Any] | None = None
    sender: str | None = None
    status: Literal["active", "waiting", "ended"] = "active"
    step: str | None = None
    waiting_for: Literal["reply", "delay"] | None = None
    timer_id: str | None = None
    wait_until: datetime | None = None
    seq: int = 0
    answers: dict[str, str] = Field(default_factory=dict)
    outcomes: dict[str, str] = Field(default_factory=dict)
    sent: list[str] = Field(default_factory=list, description="ids of SendSms actions, for DeliveryFailed")
    history: list[Visit] = Field(default_factory=list)
    reply: str | None = Field(default=None, description="the last reply, as the contact wrote it")
    opted_out: bool = False
    ended_reason: str | None = None


class Step(BaseModel):
    """What `advance` returns: the run's next state and what the host must do, in order."""

    model_config = ConfigDict(extra="forbid")

    state: RunState
    actions: list[Action] = Field(default_factory=list)
    outcome: str | None = None
    ignored: str | None = Field(default=None, description="why an input changed nothing (late reply, ...)")
