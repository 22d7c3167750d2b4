"""`smsflow emulate salesforce`: run the emulator on loopback until SIGTERM or SIGINT.

Prints one JSON line first, for scripts and the demo to read:
{"instance_url": "https://127.0.0.1:N", "ca_bundle": "/tmp/.../salesforce-emulator-ca.pem", "session_id": "00D...!...",
 "org_id": "00D..."}. Set SALESFORCE_INSTANCE_URL, SALESFORCE_SESSION_ID and SALESFORCE_CA_BUNDLE from it.
"""

from __future__ import annotations

import json
import signal
import threading
from pathlib import Path
from types import FrameType

import click

from connector.sandbox.salesforce.server import SalesforceEmulator


@click.command("salesforce")
@click.option("--port", default=0, show_default=True, help="Port on 127.0.0.1; 0 picks a free one.")
@click.option(
    "--manifest",
    default="manifest.yaml",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Adds the custom fields it declares to the org's schema (standard fields only when the file is missing).",
)
@click.option("--daily-limit", default=15000, show_default=True, help="The org's daily API call budget.")
@click.option("--outbound-url", help="Send Outbound Messages for Lead/Contact changes and Task call logs here.")
@click.option("--callout-url", help="Send signed JSON callouts for the same changes here.")
@click.option("--callout-secret", envvar="SMSFLOW_CALLOUT_SECRET", help="Shared HMAC secret for --callout-url.")
def salesforce(
    port: int,
    manifest: Path,
    daily_limit: int,
    outbound_url: str | None,
    callout_url: str | None,
    callout_secret: str | None,
) -> None:
    """Run a wire-compatible Salesforce org (REST API, SOQL, logins, Outbound Messages) over HTTPS."""
    if callout_url and not callout_secret:
        raise click.BadParameter("--callout-url needs --callout-secret (or SMSFLOW_CALLOUT_SECRET)")
    emulator = SalesforceEmulator(
        manifest=manifest if manifest.is_file() else None, port=port, daily_limit=daily_limit
    ).start()
    stopped = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopped.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        if outbound_url:
            emulator.deliveries.add_standard_rules("outbound_message", outbound_url)
        if callout_url:
            emulator.deliveries.add_standard_rules("callout", callout_url, callout_secret)
        click.echo(json.dumps(emulator.summary()), nl=True)
        stopped.wait()
    finally:
        emulator.stop()
