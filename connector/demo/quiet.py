"""Is the connector's store at rest, and if so, when is anything due next? Read-only questions for the demo's clock.

Busy means something can happen now without anyone acting: a change to process, a text to send, a timer that
is due. At rest, the next moment anything is due (a deferred text, a reply timer, a write-back retry) is where
the demo's clock jumps to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import Engine, create_engine, func, or_, select
from sqlalchemy.orm import Session

from connector.store.tables import Contact, Event, Outbox, Run, Timer, Writeback


def read_engine(database_url: str) -> Engine:
    """An engine for reading only, without the store's BEGIN IMMEDIATE: in WAL mode readers never wait for writers."""
    return create_engine(database_url, connect_args={"timeout": 30})


@dataclass(frozen=True)
class Wake:
    """The next moment something is due, what it is, and whose phone it concerns."""

    at: datetime
    kind: Literal["text", "timer", "write-back"]
    phone: str | None = None
    flow: str | None = None  # for a timer: its run's flow, and what the run waits for ("reply" or "delay")
    waiting_for: str | None = None


def busy(session: Session, now: datetime) -> str | None:
    """What the worker still has to do at `now`, or None when nothing is due."""
    if session.scalar(select(func.count()).select_from(Event).where(Event.status == "received")):
        return "record changes to process"
    due = or_(Outbox.status == "claimed", (Outbox.status == "pending") & (Outbox.next_attempt_at <= now))
    if session.scalar(select(func.count()).select_from(Outbox).where(due)):
        return "texts to send"
    if session.scalar(select(func.count()).select_from(Timer).where(Timer.status == "pending", Timer.due_at <= now)):
        return "timers to fire"
    return None


def next_wake(session: Session, now: datetime) -> Wake | None:
    """The earliest pending text, timer or write-back due after `now`."""
    wakes: list[Wake] = []
    text = session.execute(
        select(Outbox.next_attempt_at, Outbox.payload)
        .where(Outbox.status == "pending", Outbox.next_attempt_at > now)
        .order_by(Outbox.next_attempt_at)
        .limit(1)
    ).first()
    if text is not None:
        contact = session.get(Contact, int(text.payload.get("contact_id") or 0))
        wakes.append(Wake(text.next_attempt_at, "text", contact.phone if contact else None))
    timer = session.execute(
        select(Timer.due_at, Contact.phone, Run.flow, Run.waiting_for)
        .join(Run, Run.id == Timer.run_id)
        .join(Contact, Contact.id == Run.contact_id)
        .where(Timer.status == "pending", Timer.due_at > now)
        .order_by(Timer.due_at)
        .limit(1)
    ).first()
    if timer is not None:
        wakes.append(Wake(timer.due_at, "timer", timer.phone, timer.flow, timer.waiting_for))
    retry = session.scalar(
        select(func.min(Writeback.next_attempt_at)).where(
            Writeback.status == "pending", Writeback.next_attempt_at > now
        )
    )
    if retry is not None:
        wakes.append(Wake(retry, "write-back"))
    return min(wakes, key=lambda w: w.at, default=None)
