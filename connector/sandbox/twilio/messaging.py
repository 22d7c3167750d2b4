"""The Messages resource's operations (create, fetch, list, update, delete) on the emulator's state."""

from __future__ import annotations

import math
import threading
from collections import deque
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from werkzeug.datastructures import MultiDict

from connector.sandbox.twilio.checks import check_create, opted_out
from connector.sandbox.twilio.store import Filters, Message
from connector.sandbox.twilio.wire import ApiError, not_found
from connector.sms.segments import count

if TYPE_CHECKING:
    from connector.sandbox.twilio.emulator import TwilioEmulator

DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 50, 1000
DATE_FILTERS = {"DateSent": "on", "DateSent<": "on_or_before", "DateSent>": "on_or_after"}


class RateLimit:
    """At most `limit` creates in any rolling second of the emulator's clock, else 429 / 20429."""

    def __init__(self) -> None:
        self._times: deque[datetime] = deque()
        self._lock = threading.Lock()

    def take(self, now: datetime, per_second: float | None) -> None:
        if per_second is None:
            return
        with self._lock:
            while self._times and self._times[0] <= now - timedelta(seconds=1):
                self._times.popleft()
            if len(self._times) >= max(1, math.floor(per_second)):
                raise ApiError(429, 20429, "Too Many Requests")
            self._times.append(now)


def create(emu: TwilioEmulator, form: MultiDict[str, str]) -> Message:
    """POST Messages.json: check, store, and start the message on its way; returns it in its first status."""
    now = emu.clock.now()
    emu.rate_limit.take(now, emu.knobs.max_per_second)
    service = form.get("MessagingServiceSid") or None
    body, media = form.get("Body", ""), form.getlist("MediaUrl")
    to = check_create(form.get("To"), form.get("From"), service, body, media, form.get("StatusCallback"))
    handset = emu.phone(to)
    if handset.opted_out and emu.knobs.opt_out_mode == "refuse":
        raise opted_out()
    scheduled = bool(service and form.get("ScheduleType") == "fixed" and form.get("SendAt"))
    # Only Messaging Services schedule; without one Twilio drops SendAt and sends at once.
    status = "scheduled" if scheduled else "accepted" if service else "queued"
    from_ = form.get("From") or None
    message = emu.store.add(
        Message(
            sid=emu.new_sid(),
            account_sid=emu.account_sid,
            to=to,
            from_=from_,
            body=body,
            status=status,
            direction="outbound-api",
            date_created=now,
            date_updated=now,
            seq=0,
            messaging_service_sid=service,
            status_callback=form.get("StatusCallback") or None,
            media_urls=tuple(media),
            # With a Messaging Service no sender is picked yet, so Twilio reports 0 segments at first.
            num_segments=max(count(body).segments, 1) if from_ else 0,
        )
    )
    if not scheduled:  # scheduled messages are held until canceled; the emulator never releases them
        emu.start_lifecycle(message, opted_out=handset.opted_out)
    return message


def fetch(emu: TwilioEmulator, sid: str, path: str) -> Message:
    message = emu.store.get(sid)
    if message is None:
        raise not_found(path)
    return message


def update(emu: TwilioEmulator, sid: str, form: MultiDict[str, str], path: str) -> Message:
    """POST Messages/{Sid}.json: Body="" redacts the text, Status=canceled cancels a scheduled message."""
    fetch(emu, sid, path)
    now = emu.clock.now()
    if "Status" in form:
        if form["Status"] != "canceled":
            raise ApiError(400, 20001, f"Invalid Status: {form['Status']}")
        if emu.store.cancel(sid, now) is None:
            raise ApiError(400, 30409, "This message cannot be canceled")
    if "Body" in form:
        if form["Body"] != "":
            raise ApiError(400, 20001, "Body can only be updated to an empty string to redact the message")
        emu.store.redact(sid, now)
    return fetch(emu, sid, path)


def delete(emu: TwilioEmulator, sid: str, path: str) -> None:
    if not emu.store.delete(sid):
        raise not_found(path)


def parse_filters(args: MultiDict[str, str]) -> tuple[Filters, list[tuple[str, str]]]:
    """The list filters and, to repeat in paging URIs, the query pairs they came from.

    Twilio compares DateSent by UTC day: "2026-11-23" and "2026-11-23T14:05:00Z" (what twilio-python sends
    for a datetime) both mean the whole of 23 November. A message not yet sent matches by its creation day.
    """
    days: dict[str, date] = {}
    query: list[tuple[str, str]] = []
    for name in ("To", "From", *DATE_FILTERS):
        value = args.get(name)
        if value is None:
            continue
        query.append((name, value))
        if name in DATE_FILTERS:
            days[DATE_FILTERS[name]] = _day(name, value)
    return Filters(to=args.get("To"), from_=args.get("From"), **days), query


def _day(name: str, value: str) -> date:
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise ApiError(400, 20001, f"Invalid {name}: {value}") from None


def page_of(items: list[Message], args: MultiDict[str, str]) -> tuple[list[Message], int, int, str | None]:
    """Slice one page: (items, page number, page size, PageToken of the next page or None).

    PageToken names the last message of the previous page ("PA" + its SID), so pages stay put when new
    messages arrive while a client is paging; without a token, Page and PageSize give the offset.
    """
    try:
        size = min(max(int(args.get("PageSize", DEFAULT_PAGE_SIZE)), 1), MAX_PAGE_SIZE)
        page = max(int(args.get("Page", 0)), 0)
    except ValueError:
        raise ApiError(400, 20001, "Invalid PageSize or Page") from None
    start = page * size
    token = args.get("PageToken")
    if token:
        anchor = token.removeprefix("PA")
        start = next((i + 1 for i, m in enumerate(items) if m.sid == anchor), len(items))
    chunk = items[start : start + size]
    more = start + size < len(items)
    return chunk, page, size, ("PA" + chunk[-1].sid) if more and chunk else None
