"""`smsflow policy check`: the decision the contact policy would take for one text, as JSON, for admins."""

from __future__ import annotations

import json
from datetime import datetime
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
    from connector.config.policy_overrides import load_overrides

    if path is None:
        return None
    try:
        return load_overrides(path)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--overrides") from None


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


@policy.command("history")
@click.option("--phone", required=True, help="The contact's number, E.164 (+1…) or national US.")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True, help="The newest N decisions.")
def history(phone: str, limit: int) -> None:
    """Print the decisions the policy took for one contact's texts, oldest first, one JSON object per line.

    Reads the store named by DATABASE_URL: what the dispatcher decided, when, and why.
    """
    from connector.phones import InvalidPhone, to_e164
    from connector.settings import SettingsError, load_settings
    from connector.store.uow import Store

    try:
        e164 = to_e164(phone)
    except InvalidPhone as exc:
        raise click.BadParameter(f"not a phone number ({exc.reason})", param_hint="--phone") from None
    try:
        settings = load_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    store = Store(settings.database_url.get_secret_value())
    try:
        with store.unit_of_work() as uow:
            contact = uow.contacts.by_phone(e164)
            found = uow.decisions.for_contact(contact.id, limit=limit) if contact else []
    finally:
        store.dispose()
    if contact is None:
        raise click.ClickException("no contact with that number in the store")
    for d in found:
        click.echo(
            json.dumps(
                {
                    "at": _z(d.at),
                    "decision": d.decision,
                    "cause": d.cause,
                    "until": _z(d.until) if d.until else None,
                    "flow": d.flow,
                    "category": d.category,
                    "message_id": d.message_id,
                    "reason": d.reason,
                    "window": d.local_window,
                },
                ensure_ascii=False,
            )
        )


def _z(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
