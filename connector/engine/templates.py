"""Texts and field values with merge fields: Jinja2 in its sandbox, with a few SMS-minded filters.

Record data is untrusted (a lead types its own name), so templates run in Jinja2's SandboxedEnvironment and
merge values are only ever inserted as text: a name like "{{ 7*7 }}" stays that string, it is never evaluated.
Missing values render as empty text; `smsflow validate` catches undefined merge fields before a flow runs.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import ChainableUndefined, Template, pass_context
from jinja2.sandbox import SandboxedEnvironment

from connector.phones import display_format, region_of, try_e164

# The widest text each date filter can produce, used to measure a template's worst-case length.
WIDEST = {"time": "12:30pm", "time24": "23:30", "date": "Wed 30 Sep", "datetime": "Wed 30 Sep 12:30pm"}
MEASURE_KEY = "_measure"
TZ_KEY = "_tz"
PHONE_KEY = "_to"


def _when(value: Any, tz_name: Any) -> datetime | None:
    """Salesforce dates and datetimes ("2026-11-24T15:00:00.000+0000") as an aware datetime in the contact's zone."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value.strip():
        text = value.strip().replace("Z", "+00:00")
        if len(text) >= 5 and text[-5] in "+-" and text[-3] != ":":
            text = text[:-2] + ":" + text[-2:]
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is None:
        return moment
    try:
        zone = ZoneInfo(str(tz_name)) if tz_name else None
    except (ZoneInfoNotFoundError, ValueError):
        zone = None
    try:
        return moment.astimezone(zone) if zone else moment
    except OverflowError:  # 9999-12-31T23:00Z seen from Tokyo, or year 1 from New York: off the calendar
        return None


def moment_of(value: Any, tz_name: Any) -> datetime | None:
    """A date or date-time field as an aware moment in the contact's zone; a value without an offset (a Date
    field, "2026-11-25") is read in that zone, or in UTC when the contact has none. None when it is not one."""
    moment = _when(value, tz_name)
    if moment is None or moment.tzinfo is not None:
        return moment
    try:
        zone = ZoneInfo(str(tz_name)) if tz_name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        zone = UTC
    moment = moment.replace(tzinfo=zone)
    try:
        moment.astimezone(UTC)  # 0001-01-01 in Tokyo is a moment before year 1 in UTC: not one we can wait for
    except OverflowError:
        return None
    return moment


def _clock(moment: datetime, style: str) -> str:
    if style == "24h":
        return moment.strftime("%H:%M")
    hour = moment.hour % 12 or 12
    minutes = f":{moment.minute:02d}" if moment.minute else ""
    return f"{hour}{minutes}{'am' if moment.hour < 12 else 'pm'}"


def _date_filter(kind: str) -> Any:
    def apply(ctx: Any, value: Any, style: str = "12h") -> str:
        if ctx.get(MEASURE_KEY):
            return WIDEST["time24" if kind == "time" and style == "24h" else kind]
        moment = _when(value, ctx.get(TZ_KEY))
        if moment is None:
            return "" if value is None else str(value)
        day = f"{moment:%a} {moment.day} {moment:%b}"
        if kind == "time":
            return _clock(moment, style)
        if kind == "date":
            return day
        return f"{day} {_clock(moment, style)}"

    return pass_context(apply)


@pass_context
def _phone(ctx: Any, value: Any) -> str:
    """A phone number as the recipient would dial it: "020 7946 0000" in the UK, "+44 20 7946 0000" from abroad."""
    e164 = try_e164(str(value)) if value else None
    if e164 is None:
        return "" if value is None else str(value)
    to = ctx.get(PHONE_KEY)
    return display_format(e164, region_of(to) if to else None)


def _first(value: Any) -> str:
    """The first word: "Anna Maria" -> "Anna" (for owners whose name field holds the full name)."""
    words = str(value or "").split()
    return words[0] if words else ""


def _finalize(value: Any) -> Any:
    return "" if value is None else value


@lru_cache(maxsize=1)
def environment() -> SandboxedEnvironment:
    """The one template environment flows use (validation, the engine and the simulator alike)."""
    env = SandboxedEnvironment(autoescape=False, undefined=ChainableUndefined, finalize=_finalize)
    env.filters.update(
        time=_date_filter("time"),
        date=_date_filter("date"),
        datetime=_date_filter("datetime"),
        phone=_phone,
        first=_first,
    )
    return env


@lru_cache(maxsize=512)
def compile_template(source: str) -> Template:
    """Compile once; raises jinja2.TemplateError on bad syntax or an unknown filter."""
    return environment().from_string(source)


def render(source: str, values: dict[str, Any]) -> str:
    """Render a template with merge values; plain text without `{` is returned as it is."""
    if "{" not in source:
        return source
    return compile_template(source).render(values)
