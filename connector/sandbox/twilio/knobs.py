"""The emulator's knobs: how slow, flaky and strict the fake Twilio is, settable in-process or over HTTP."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal

OptOutMode = Literal["refuse", "callback"]
Fault = Literal["500", "429", "slow"]
FAULTS: tuple[Fault, ...] = ("500", "429", "slow")
RATES = ("failure_rate", "undelivered_rate", "duplicate_rate", "out_of_order_rate", "error_rate", "slow_rate")

# Twilio's delivery-time errors (https://www.twilio.com/docs/api/errors/30003 ... /30008).
DELIVERY_ERRORS = {
    30003: "Unreachable destination handset",
    30004: "Message blocked",
    30005: "Unknown destination handset",
    30006: "Landline or unreachable carrier",
    30007: "Message filtered",
    30008: "Unknown error",
    21610: "Attempt to send to unsubscribed recipient",
}


@dataclass(frozen=True)
class Knobs:
    """Behaviour of the emulator; every random choice is drawn from generators seeded with `seed`.

    Over HTTP, POST /_emulator/knobs with some of them:

    {"callback_delay": 0.05, "undelivered_rate": 0.2, "out_of_order_rate": 1.0, "max_per_second": 10}
    """

    seed: int = 0
    callback_delay: float = 0.0  # seconds between lifecycle steps (and so between status callbacks)
    failure_rate: float = 0.0  # share of messages that end `failed` with one of failed_codes
    undelivered_rate: float = 0.0  # share that end `undelivered` with one of undelivered_codes
    failed_codes: tuple[int, ...] = (30007, 30008)
    undelivered_codes: tuple[int, ...] = (30003, 30004, 30005, 30006, 30007, 30008)
    duplicate_rate: float = 0.0  # chance each status callback is POSTed twice (same idempotency token)
    out_of_order_rate: float = 0.0  # chance a message's callbacks are held and POSTed shuffled after its last step
    error_rate: float = 0.0  # chance an API request answers 500 without doing anything
    slow_rate: float = 0.0  # chance an API request is done, then answered only after slow_seconds
    slow_seconds: float = 0.0
    max_per_second: float | None = None  # create requests per rolling second of the clock, then 429 / 20429
    opt_out_mode: OptOutMode = "refuse"  # after STOP: "refuse" = 400/21610 at create; "callback" = failed/21610
    webhook_timeout: float = 15.0  # Twilio gives a webhook 15 s before error 11200

    def __post_init__(self) -> None:
        for name in RATES:
            _check_rate(name, getattr(self, name))
        for a, b in (("failure_rate", "undelivered_rate"), ("error_rate", "slow_rate")):
            if getattr(self, a) + getattr(self, b) > 1:
                raise ValueError(f"{a} + {b} must not exceed 1")
        for name in ("callback_delay", "slow_seconds", "webhook_timeout"):
            if not isinstance(getattr(self, name), int | float) or getattr(self, name) < 0:
                raise ValueError(f"{name} must be a number of seconds >= 0")
        if self.max_per_second is not None and not (
            isinstance(self.max_per_second, int | float) and self.max_per_second > 0
        ):
            raise ValueError("max_per_second must be a positive number or null")
        if self.opt_out_mode not in ("refuse", "callback"):
            raise ValueError('opt_out_mode must be "refuse" or "callback"')
        for name in ("failed_codes", "undelivered_codes"):
            codes = getattr(self, name)
            if not codes or not all(isinstance(c, int) and not isinstance(c, bool) for c in codes):
                raise ValueError(f"{name} must be a non-empty list of Twilio error codes")
        if not isinstance(self.seed, int) or isinstance(self.seed, bool):
            raise ValueError("seed must be an integer")

    def replace(self, **changes: Any) -> Knobs:
        """A copy with `changes` applied and checked; unknown names raise ValueError."""
        unknown = sorted(set(changes) - {f.name for f in dataclasses.fields(self)})
        if unknown:
            raise ValueError(f"unknown knob(s): {', '.join(unknown)}")
        for name in ("failed_codes", "undelivered_codes"):
            if isinstance(changes.get(name), list):
                changes[name] = tuple(changes[name])
        return dataclasses.replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        """The knobs as JSON-ready values (tuples become lists)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(self).items()}


def _check_rate(name: str, value: object) -> None:
    if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 1:
        raise ValueError(f"{name} must be a number between 0 and 1")
