"""`smsflow demo`: run the whole product on this machine, show it working, and summarise.

$ smsflow demo --once --json 2>/dev/null
{"texts_sent": 18, "texts_delivered": 18, ..., "crm_api_calls": 57}

Importing this module imports click only; the demo itself loads when the command runs.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

import click


@click.command()
@click.option("--once", is_flag=True, help="Exit after the scripted run instead of serving until Ctrl-C.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary on stdout as one JSON object.")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep the SQLite file (smsflow-demo.db, made afresh) and the log here. Default: a temporary directory.",
)
@click.option("--port", default=0, show_default=True, help="The connector's port on 127.0.0.1; 0 picks a free one.")
@click.option("--seed", default=7, show_default=True, help="Seed of the Twilio emulator's duplicates and reorderings.")
@click.option("--quiet", is_flag=True, help="No progress lines on stderr.")
def demo(once: bool, as_json: bool, data_dir: Path | None, port: int, seed: int, quiet: bool) -> None:
    """The whole product on one machine, no accounts: emulated Salesforce and Twilio, the connector, scripted leads.

    Shows each step as it happens (stderr), then a summary; unless --once, leaves everything running and prints
    where until Ctrl-C. docs/demo.md tells the story and how to read the summary.
    """
    from connector.config.errors import ConfigError
    from connector.demo.run import DemoError, open_demo
    from connector.demo.scenario import ScenarioError
    from connector.demo.summary import describe

    write = None if quiet else (lambda line: click.echo(line, err=True))
    try:
        with open_demo(data_dir, seed=seed, port=port, write=write) as run:
            result = run.play()
            if as_json:
                click.echo(json.dumps(result.counts))
            else:
                click.echo("\n".join(["", "summary", *describe(result.counts)]))
            if not result.ok:
                click.echo("the run did not go as scripted; see the lines above and the log", err=True)
            if not once:
                click.echo("\n".join(["", "running until Ctrl-C:", *run.urls()]), err=as_json)
                with _until_signal() as stop:
                    run.serve(stop)
    except (DemoError, ScenarioError, ConfigError) as exc:  # a flow that does not validate stops it too
        raise click.ClickException(str(exc)) from None
    sys.exit(0 if result.ok else 1)


@contextmanager
def _until_signal() -> Iterator[threading.Event]:
    """An event set by Ctrl-C or SIGTERM; the previous handlers come back afterwards."""
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    saved = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
