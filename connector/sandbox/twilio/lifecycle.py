"""A message's way from accepted/queued to delivered, undelivered or failed, and the callbacks reporting it.

Twilio reports each status change after creation to the message's StatusCallback; the callbacks may arrive
more than once and out of order (NOTES.md sections 4 and 5), which the knobs reproduce.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

from connector.sandbox.twilio.knobs import Knobs
from connector.sandbox.twilio.store import Message
from connector.sandbox.twilio.wire import API_VERSION

OPTED_OUT = 21610
LANDLINE = 30006


@dataclass(frozen=True)
class Step:
    """One status change: the new status and, for failed/undelivered, Twilio's error code."""

    status: str
    error_code: int | None = None


@dataclass(frozen=True)
class Plan:
    """The steps a message will take, and in which order their callbacks are POSTed (indexes into steps).

    `deliver_at[i]` lists the callbacks POSTed right after step i happened.
    """

    steps: tuple[Step, ...]
    deliver_at: tuple[tuple[int, ...], ...]


def fate(
    m: Message, knobs: Knobs, rng: random.Random, *, opted_out: bool, forced: Step | None, landline: bool
) -> tuple[Step, ...]:
    """The steps after creation; the first reason that applies wins, random draws come last."""
    head = (Step("queued"),) if m.status == "accepted" else ()
    # Always draw both, whatever applies, so that turning one knob does not reshuffle the other outcomes.
    draw, code_pick = rng.random(), rng.random()
    if opted_out:  # only reached in "callback" mode; "refuse" answered 21610 at create time
        return (*head, Step("failed", OPTED_OUT))
    if forced is not None:  # a handset told how its texts end (Handset.fail_with)
        end = forced
    elif landline:  # Twilio accepts texts to landlines; the carrier then reports 30006
        end = Step("undelivered", LANDLINE)
    elif draw < knobs.failure_rate:
        return (*head, Step("failed", _pick(knobs.failed_codes, code_pick)))
    elif draw < knobs.failure_rate + knobs.undelivered_rate:
        end = Step("undelivered", _pick(knobs.undelivered_codes, code_pick))
    else:
        end = Step("delivered")
    if end.status == "failed":
        return (*head, end)
    return (*head, Step("sending"), Step("sent"), end)


def _pick(codes: tuple[int, ...], draw: float) -> int:
    return codes[min(int(draw * len(codes)), len(codes) - 1)]


def callback_order(steps: tuple[Step, ...], knobs: Knobs, rng: random.Random) -> tuple[tuple[int, ...], ...]:
    """When each step's callback goes out: in order by default; held and shuffled, or doubled, when asked."""
    n = len(steps)
    shuffled = rng.random() < knobs.out_of_order_rate
    doubled = [rng.random() < knobs.duplicate_rate for _ in range(n)]
    order = list(range(n))
    if shuffled and n > 1:
        rng.shuffle(order)
        if order == sorted(order):  # asked for disorder, so never hand back the right order by chance
            order.reverse()
    posts = [tuple([i, i] if doubled[i] else [i]) for i in order]
    if shuffled and n > 1:
        return (*([()] * (n - 1)), tuple(i for post in posts for i in post))
    return tuple(posts)


def status_params(m: Message, step: Step, raw_dlr_date: str) -> list[tuple[str, str]]:
    """The form a status callback carries (samples/status_callback_*.form.txt)."""
    params = [
        ("SmsSid", m.sid),
        ("SmsStatus", step.status),
        ("MessageStatus", step.status),
        ("To", m.to),
        ("MessageSid", m.sid),
        ("AccountSid", m.account_sid),
        ("From", m.from_ or ""),
        ("ApiVersion", API_VERSION),
    ]
    if m.messaging_service_sid:
        params.append(("MessagingServiceSid", m.messaging_service_sid))
    if step.error_code is not None:
        params.insert(0, ("ErrorCode", str(step.error_code)))
    if step.status in ("delivered", "undelivered"):
        params.append(("RawDlrDoneDate", raw_dlr_date))
    return params


def idempotency_token(sid: str, step: Step) -> str:
    """The same token for every POST of one status change, so a receiver can spot Twilio's retries."""
    return hashlib.sha256(f"{sid}/{step.status}".encode()).hexdigest()[:32]
