"""The emulator's messages in memory: created, moved through their statuses, listed newest first."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from connector.sandbox.twilio.knobs import DELIVERY_ERRORS
from connector.sms.segments import count

# Outbound statuses in the order they may follow each other; a message never moves back (NOTES.md section 5).
ORDER = {"accepted": 0, "scheduled": 0, "queued": 1, "sending": 2, "sent": 3}
FINAL = frozenset({"delivered", "undelivered", "failed", "canceled", "received"})
PRICE_PER_SEGMENT = 0.0079  # USD, a US long-code SMS; only so that `price` looks like Twilio's


@dataclass(frozen=True)
class Message:
    """One Message resource as Twilio stores it, with our field names."""

    sid: str
    account_sid: str
    to: str
    from_: str | None
    body: str
    status: str
    direction: str
    date_created: datetime
    date_updated: datetime
    seq: int
    messaging_service_sid: str | None = None
    status_callback: str | None = None
    media_urls: tuple[str, ...] = ()
    num_segments: int = 0
    date_sent: datetime | None = None
    error_code: int | None = None
    price: str | None = None

    @property
    def error_message(self) -> str | None:
        return DELIVERY_ERRORS.get(self.error_code, "Unknown error") if self.error_code else None

    @property
    def day(self) -> date:
        """The UTC day the DateSent filters compare: when sent, else when created (see list_messages)."""
        return (self.date_sent or self.date_created).date()


@dataclass(frozen=True)
class Filters:
    """The list filters of GET Messages.json; dates compare whole UTC days, as Twilio's DateSent does."""

    to: str | None = None
    from_: str | None = None
    on: date | None = None
    on_or_before: date | None = None
    on_or_after: date | None = None

    def match(self, m: Message) -> bool:
        return (
            (self.to is None or m.to == self.to)
            and (self.from_ is None or m.from_ == self.from_)
            and (self.on is None or m.day == self.on)
            and (self.on_or_before is None or m.day <= self.on_or_before)
            and (self.on_or_after is None or m.day >= self.on_or_after)
        )


@dataclass
class MessageStore:
    """Thread-safe message table; every method returns immutable snapshots."""

    _by_sid: dict[str, Message] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _seq: int = 0

    def add(self, message: Message) -> Message:
        with self._lock:
            self._seq += 1
            stored = replace(message, seq=self._seq)
            self._by_sid[stored.sid] = stored
            return stored

    def get(self, sid: str) -> Message | None:
        with self._lock:
            return self._by_sid.get(sid)

    def delete(self, sid: str) -> bool:
        with self._lock:
            return self._by_sid.pop(sid, None) is not None

    def query(self, filters: Filters) -> list[Message]:
        """Matching messages, newest first (Twilio lists most recent first).

        Ordered by creation, not by date_sent, so that a message being sent between two page requests cannot
        move across a page boundary.
        """
        with self._lock:
            found = [m for m in self._by_sid.values() if filters.match(m)]
        return sorted(found, key=lambda m: (m.date_created, m.seq), reverse=True)

    def advance(
        self, sid: str, status: str, error_code: int | None, now: datetime, sender: str | None
    ) -> Message | None:
        """Move a message to `status` unless it is gone, final or already further along; return the new state."""
        with self._lock:
            m = self._by_sid.get(sid)
            if m is None or m.status in FINAL or ORDER.get(status, 9) <= ORDER.get(m.status, -1):
                return None
            changes: dict[str, object] = {"status": status, "date_updated": now, "error_code": error_code}
            if m.from_ is None and sender is not None:  # a Messaging Service picks the sender when it queues
                changes.update(from_=sender, num_segments=max(count(m.body).segments, 1))
            if status in ("sent", "delivered", "undelivered") and m.date_sent is None:
                changes["date_sent"] = now
            if status == "sent":
                changes["price"] = f"-{PRICE_PER_SEGMENT * max(m.num_segments, 1):.5f}"
            self._by_sid[sid] = updated = replace(m, **changes)  # type: ignore[arg-type]
            return updated

    def redact(self, sid: str, now: datetime) -> Message | None:
        with self._lock:
            m = self._by_sid.get(sid)
            if m is not None:
                self._by_sid[sid] = m = replace(m, body="", date_updated=now)
            return m

    def cancel(self, sid: str, now: datetime) -> Message | None:
        """Cancel a scheduled message; None when it is not scheduled any more."""
        with self._lock:
            m = self._by_sid.get(sid)
            if m is None or m.status != "scheduled":
                return None
            self._by_sid[sid] = m = replace(m, status="canceled", date_updated=now)
            return m
