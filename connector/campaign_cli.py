"""`smsflow campaign`: start a trigger-less flow for an audience of CRM records, resume it, and see how far it got.

    smsflow campaign start promo-reactivation --object Lead \\
        --where "LastActivityDate < LAST_N_DAYS:180 AND SMS_Marketing_Opt_In__c = true" --id spring-2027
    smsflow campaign status spring-2027
    smsflow campaign resume spring-2027        # after Ctrl-C, a CRM outage or a crash

Settings come from the environment, as for `smsflow worker` (DATABASE_URL, SALESFORCE_*, SMSFLOW_*). The
command plans and queues; the worker sends, under the contact policy (docs/campaigns.md).
"""

from __future__ import annotations

import json
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from connector.bootstrap import Container
    from connector.services.campaign import Progress
    from connector.store.tables_campaign import CampaignRecord

REPORT_EVERY = 5.0  # seconds between progress lines


@click.group()
def campaign() -> None:
    """Campaigns: a flow started for every record of an audience (docs/campaigns.md)."""


@campaign.command("start")
@click.argument("flow")
@click.option("--object", "obj", required=True, help="The mapped CRM object whose records are the audience (Lead).")
@click.option(
    "--where",
    "audience",
    default="",
    help='The audience as a SOQL condition: "LastActivityDate < LAST_N_DAYS:180 AND SMS_Marketing_Opt_In__c = true".',
)
@click.option("--id", "campaign_id", help="A name for the campaign (default: the flow and the current minute).")
@click.option("--by", default="cli", show_default=True, help="Who starts it, for the audit log.")
@click.option("--batch", type=click.IntRange(1, 2000), default=200, show_default=True, help="Records per transaction.")
def start(flow: str, obj: str, audience: str, campaign_id: str | None, by: str, batch: int) -> None:
    """Create a campaign for FLOW and plan it: a run per record of the audience; Ctrl-C pauses it."""
    from connector.services.campaign import CampaignError, create_campaign, default_id

    container = _container()
    now = container.clock()
    try:
        record, created = create_campaign(
            container.store, container.registry, campaign_id=campaign_id or default_id(flow, now), flow_id=flow,
            obj=obj, audience=audience, by=by, at=now,
        )  # fmt: skip
    except CampaignError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"campaign {record.id}: {'created' if created else 'exists; resuming'}")
    _run(container, record.id, batch)


@campaign.command("resume")
@click.argument("campaign_id")
@click.option("--batch", type=click.IntRange(1, 2000), default=200, show_default=True, help="Records per transaction.")
def resume(campaign_id: str, batch: int) -> None:
    """Go on with a paused or interrupted campaign from its checkpoint; nobody is started twice."""
    _run(_container(), campaign_id, batch)


@campaign.command("status")
@click.argument("campaign_id")
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of text.")
def status(campaign_id: str, as_json: bool) -> None:
    """Show a campaign's progress: planned, started, refused and why."""
    from connector.services.campaign import campaign_status

    container = _container(migrate=False)
    try:
        record = campaign_status(container.store, campaign_id)
    finally:
        container.store.dispose()
    if record is None:
        raise click.ClickException(f"no campaign {campaign_id!r}")
    if as_json:
        click.echo(json.dumps(as_dict(record), ensure_ascii=False))
        return
    current = container.registry.flows.get(record.flow)
    for line in describe(record, current.version if current else None):
        click.echo(line)


@campaign.command("list")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
def list_campaigns(limit: int) -> None:
    """The newest campaigns, one line each."""
    from connector.services.campaign import recent_campaigns

    container = _container(migrate=False)
    try:
        found = recent_campaigns(container.store, limit)
    finally:
        container.store.dispose()
    for record in found:
        click.echo(
            f"{record.id}  {record.status:<7}  {record.flow} on {record.object}  "
            f"planned {record.planned:,}, started {record.started:,}, refused {record.refused:,}"
        )


def as_dict(record: CampaignRecord) -> dict[str, Any]:
    """The campaign as JSON-ready data."""
    out: dict[str, Any] = dict(record.__dict__)
    for name in ("created_at", "updated_at", "finished_at"):
        value = out[name]
        out[name] = value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None
    return out


def describe(record: CampaignRecord, flow_version_now: str | None) -> list[str]:
    """A campaign's progress for people: what, how far, and why records were not started."""
    lines = [
        f"campaign {record.id}: {record.status}"
        + (f" since {record.finished_at:%Y-%m-%d %H:%M} UTC" if record.finished_at else ""),
        f"  flow     {record.flow} (version {record.flow_version}) on {record.object}",
        f"  audience {record.audience or '(every record)'}",
        f"  planned  {record.planned:,} records in {record.batches:,} batches; last record {record.checkpoint or '-'}",
        f"  started  {record.started:,} runs (their texts wait in the outbox for the contact policy)",
        f"  refused  {record.refused:,}",
    ]
    for reason, n in sorted(record.refusals.items(), key=lambda item: -item[1]):
        examples = ", ".join(record.examples.get(reason, []))
        lines.append(f"    {reason:<16} {n:>7,}  {REASONS.get(reason, '')}" + (f"; e.g. {examples}" * bool(examples)))
    if flow_version_now and flow_version_now != record.flow_version:
        lines.append(f"  note     the flow file changed since (now version {flow_version_now}); new runs use it")
    if record.last_error:
        lines.append(f"  paused   {record.last_error}")
    if record.status != "done":
        lines.append(f"  resume   smsflow campaign resume {record.id}")
    return lines


REASONS = {
    "no_phone": "no valid mobile or fallback number",
    "opted_out": "texted STOP, or the record's opt-out field is set",
    "never_text": "the mapping's never_text_when holds",
    "duplicate": "the flow's dedupe key: texted by this flow recently",
    "already_started": "started by this campaign before (a re-run)",
    "no_mapping": "no mapping for the object",
    "error": "the record could not be started (see the audit log)",
}


def _container(*, migrate: bool = True) -> Container:
    from connector.bootstrap import build
    from connector.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    if migrate:
        from connector.web import upgrade_database

        upgrade_database(settings)
    return build(settings)


def _run(container: Container, campaign_id: str, batch: int) -> None:
    from connector.services.campaign import CampaignError, run_campaign
    from connector.services.ingest import Ingest

    if container.crm is None:
        raise click.ClickException("Salesforce is not configured (SALESFORCE_USERNAME or SALESFORCE_SESSION_ID)")
    ingest = Ingest.from_manifest(container.registry, container.crm, container.settings.manifest)
    last = [time.monotonic()]

    def report(record: CampaignRecord, progress: Progress) -> None:
        if time.monotonic() - last[0] >= REPORT_EVERY:
            last[0] = time.monotonic()
            click.echo(f"  planned {record.planned:,}: started {record.started:,}, refused {record.refused:,}")

    try:
        with _pause_on_ctrl_c() as stop:
            record = run_campaign(
                container.store, ingest, campaign_id, clock=container.clock, batch=batch, stopping=stop.is_set,
                on_batch=report,
            )  # fmt: skip
    except CampaignError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        container.store.dispose()
    current = container.registry.flows.get(record.flow)
    for line in describe(record, current.version if current else None):
        click.echo(line)
    if record.status != "done":
        sys.exit(3)


@contextmanager
def _pause_on_ctrl_c() -> Iterator[threading.Event]:
    """The first Ctrl-C (or SIGTERM) pauses after the batch in hand; a second one stops at once."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def pause(signum: int, _frame: object) -> None:
        click.echo(f"  pausing after this batch ({datetime.now(UTC):%H:%M:%S}); Ctrl-C again stops at once", err=True)
        stop.set()
        signal.signal(signum, signal.default_int_handler)

    for sig in previous:
        signal.signal(sig, pause)
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
