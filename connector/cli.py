"""The `smsflow` command: validate config, export schemas, simulate flows, count segments, migrate the store."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from connector import __version__
from connector.admin_cli import admin as admin_commands
from connector.campaign_cli import campaign
from connector.config import DEFAULT_SENDER_NAME, SENDER_MAX_LENGTH
from connector.demo.cli import demo
from connector.policy_cli import policy
from connector.sandbox.salesforce.cli import salesforce as emulate_salesforce
from connector.sandbox.twilio.cli import twilio as emulate_twilio
from connector.understand_cli import understand


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="smsflow")
def main() -> None:
    """SMS Flow Connector: SMS flows for CRM records."""


main.add_command(demo)
main.add_command(policy)
main.add_command(understand)
main.add_command(admin_commands)
main.add_command(campaign)


@main.group()
def emulate() -> None:
    """Run a wire-compatible sandbox emulator on 127.0.0.1 until SIGTERM or Ctrl-C."""


emulate.add_command(emulate_twilio)
emulate.add_command(emulate_salesforce)


@main.command()
def worker() -> None:
    """Run the background jobs (send the outbox, fire timers, ingest, poll, write back) until SIGTERM."""
    from connector.bootstrap import build
    from connector.sms.twilio import build_sms
    from connector.web import upgrade_database
    from connector.worker import run_worker

    settings = _settings()
    try:
        sms = build_sms(settings)
    except ValueError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    _log_to_stderr(settings.log_level)
    upgrade_database(settings)
    run_worker(build(settings), sms=sms)


def _log_to_stderr(level: str) -> None:
    """Give a long-running command's logs somewhere to go (a process manager collects stderr); numbers are masked
    where the connector logs them and by connector.logmask in the libraries' lines."""
    import logging

    from connector import logmask

    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(process)d %(name)s: %(message)s")
    logmask.install()


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--mappings", default="mappings", show_default=True, help="Mappings used when PATHS has none.")
@click.option("--manifest", default="manifest.yaml", show_default=True, help="Manifest used when PATHS has none.")
def validate(paths: tuple[str, ...], strict: bool, mappings: str, manifest: str) -> None:
    """Check flows, mappings and the manifest; print every problem as file:line:column."""
    from connector.config.validate import load_config

    bundle = load_config(list(paths) or None, mappings=mappings, manifest=manifest)
    for problem in bundle.problems:
        click.echo(str(problem), err=True)
    errors = len(bundle.errors)
    warnings = len(bundle.problems) - len(bundle.errors)
    summary = (
        f"{len(bundle.flows)} flows, {len(bundle.mappings)} mappings, "
        f"{'1 manifest' if bundle.manifest else 'no manifest'}: {errors} errors, {warnings} warnings"
    )
    click.echo(summary)
    if errors or (strict and warnings):
        sys.exit(1)


@main.command()
@click.argument("kind", type=click.Choice(["flow", "mapping", "manifest"]), default="flow")
def schema(kind: str) -> None:
    """Print the JSON Schema of a flow, mapping or manifest file (for editors)."""
    from connector.config.flow import Flow
    from connector.config.manifest import Manifest
    from connector.config.mapping import Mapping

    model: Any = {"flow": Flow, "mapping": Mapping, "manifest": Manifest}[kind]
    document = model.model_json_schema(mode="validation")
    if kind == "flow":
        document["properties"].pop("version", None)
    document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    document["$id"] = f"https://smsflow.dev/schema/{kind}.json"
    click.echo(json.dumps(document, indent=2, ensure_ascii=False))


def _load_record(path: str) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise click.BadParameter(f"{path}: {exc}", param_hint="--record") from None
    if not isinstance(data, dict):
        raise click.BadParameter(f"{path}: expected a JSON object (a record)", param_hint="--record")
    return data


@main.command()
@click.argument("flow_file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--record",
    "record_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="A record as JSON (the CRM's REST shape).",
)
@click.option(
    "--call",
    "call_file",
    type=click.Path(exists=True, dir_okay=False),
    help="For call_logged flows: the logged call (a Task) as JSON.",
)
@click.option("--reply", "replies", multiple=True, help='A reply, in order; "/timeout" lets a wait run out.')
@click.option("--at", "at_text", help="When the run starts (ISO 8601); default: now.")
@click.option(
    "--sender",
    default=DEFAULT_SENDER_NAME,
    show_default=True,
    help="The business name texts are signed with ({{ sender }}).",
)
def simulate(
    flow_file: str,
    record_file: str,
    call_file: str | None,
    replies: tuple[str, ...],
    at_text: str | None,
    sender: str,
) -> None:
    """Play a flow against a record in the terminal, without sending anything."""
    from connector.config.validate import load_config
    from connector.simulate import simulate as run_simulation
    from connector.sms.segments import is_gsm7

    sender = " ".join(sender.split())
    if not sender or len(sender) > SENDER_MAX_LENGTH or not is_gsm7(sender):
        raise click.BadParameter(
            f"give a name of 1 to {SENDER_MAX_LENGTH} GSM-7 characters, as the sender setting takes",
            param_hint="--sender",
        )

    bundle = load_config([flow_file])
    if bundle.errors:
        for problem in bundle.errors:
            click.echo(str(problem), err=True)
        sys.exit(1)
    flow = next(iter(bundle.flows.values()))
    mapping = bundle.mappings.get(flow.trigger.object) if flow.trigger else bundle.mappings.get("Lead")
    record = _load_record(record_file)
    try:
        at = datetime.fromisoformat(at_text) if at_text else datetime.now(UTC)
    except ValueError:
        raise click.BadParameter(f"{at_text!r} is not an ISO 8601 time", param_hint="--at") from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    scripted = list(replies)
    interactive = not scripted and sys.stdin.isatty()

    def next_reply(_state: Any) -> str | None:
        if scripted:
            return scripted.pop(0)
        if interactive:
            text = click.prompt("reply (/timeout, /quit)", default="/quit", show_default=False)
            return None if text.strip() == "/quit" else text
        return None

    call = _load_record(call_file) if call_file else None
    run_simulation(flow, mapping, record, at, next_reply, call=call, emit=click.echo, sender=sender)


@main.command()
def segments() -> None:
    """Read one JSON string per line; write {"encoding", "segments"} per line."""
    from connector.sms.segments import main_lines

    for line in main_lines(sys.stdin):
        click.echo(line)


def _settings() -> Any:
    """Settings from the environment, or a clear message naming every bad variable (exit 2)."""
    from connector.settings import SettingsError, load_settings

    try:
        return load_settings()
    except SettingsError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)


@main.group()
def db() -> None:
    """The store: migrations."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Bring the database at DATABASE_URL up to date."""
    from connector.store.migrate import upgrade

    settings = _settings()
    upgrade(settings.database_url.get_secret_value(), revision)
    click.echo(f"database upgraded to {revision}")


if __name__ == "__main__":
    main()
