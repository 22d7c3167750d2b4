"""`smsflow policy check`: the decision the contact policy would take for one text, as JSON, for admins."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from connector.engine.policy import PolicyOverrides


def _moment(value: str, option: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a time like 2026-11-28T19:30:00Z", param_hint=option) from None
    if moment.tzinfo is None:
        raise click.BadParameter(f"{value!r} has no offset; add Z (UTC) or one like -05:00", param_hint=option)
    return moment


def _overrides(path: str | None) -> PolicyOverrides | None:
    # Imported here, as in connector/cli.py, so `smsflow --help` stays fast.
    import yaml
    from pydantic import ValidationError

    from connector.engine.policy import PolicyOverrides

    if path is None:
        return None
    try:
        return PolicyOverrides.model_validate(yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {})
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise click.BadParameter(f"{path}: {exc}", param_hint="--overrides") from None


@click.group("policy")
def policy() -> None:
    """Ask the contact policy what it would do, and why."""


@policy.command("check")
@click.option("--phone", required=True, help="The number, E.164 (+1…) or national US.")
@click.option("--at", "at_text", required=True, help="The moment, ISO 8601 with an offset: 2026-11-28T19:30:00Z.")
@click.option("--category", type=click.Choice(["transactional", "marketing"]), required=True)
@click.option("--time-zone", help="The record's time-zone field (IANA name); left out: the number's zones.")
@click.option("--opted-in/--not-opted-in", default=True, show_default=True, help="A marketing opt-in on record.")
@click.option("--opted-out", is_flag=True, help="The contact sent STOP.")
@click.option("--do-not-contact", is_flag=True, help="The record is marked do-not-contact.")
@click.option("--quiet-hours", help='The flow\'s window, e.g. "09:00-20:00" (default 08:00-21:00).')
@click.option("--per-day", type=click.IntRange(min=1), help="The flow's cap per rolling day.")
@click.option("--per-week", type=click.IntRange(min=1), help="The flow's cap per rolling week.")
@click.option("--sent", multiple=True, help="An earlier text of this category to the contact (repeatable).")
@click.option("--overrides", "overrides_path", type=click.Path(dir_okay=False), help="Admin overrides, YAML/JSON.")
def check(
    phone: str,
    at_text: str,
    category: str,
    time_zone: str | None,
    opted_in: bool,
    opted_out: bool,
    do_not_contact: bool,
    quiet_hours: str | None,
    per_day: int | None,
    per_week: int | None,
    sent: tuple[str, ...],
    overrides_path: str | None,
) -> None:
    """Print {"decision", "until", "reason", "window"} for a text to PHONE at AT."""
    from pydantic import ValidationError

    from connector.config.flow import Caps, Policy, QuietHours
    from connector.engine.policy import ConsentView, decide
    from connector.phones import InvalidPhone, to_e164

    try:
        e164 = to_e164(phone)
    except InvalidPhone as exc:
        raise click.BadParameter(f"not a phone number ({exc.reason})", param_hint="--phone") from None
    try:
        window = QuietHours.model_validate(quiet_hours) if quiet_hours else None
    except ValidationError:
        hint = f'{quiet_hours!r} is not a window like "08:00-21:00"'
        raise click.BadParameter(hint, param_hint="--quiet-hours") from None
    flow_policy = Policy(
        category=category,  # type: ignore[arg-type]
        caps=Caps(per_day=per_day, per_week=per_week) if per_day or per_week else None,
        **({"quiet_hours": window} if window else {}),
    )
    decision = decide(
        phone=e164,
        at=_moment(at_text, "--at"),
        category=category,  # type: ignore[arg-type]
        consent=ConsentView(opted_out=opted_out, marketing_opt_in=opted_in, do_not_contact=do_not_contact),
        policy=flow_policy,
        record_time_zone=time_zone,
        recent=[_moment(text, "--sent") for text in sent],
        overrides=_overrides(overrides_path),
    )
    click.echo(json.dumps(decision.as_json(), ensure_ascii=False))
