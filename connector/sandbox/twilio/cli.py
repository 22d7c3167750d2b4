"""`smsflow emulate twilio`: run the Twilio emulator on loopback until SIGTERM or SIGINT.

$ smsflow emulate twilio --port 0
{"url": "http://127.0.0.1:41237", "account_sid": "AC...", "auth_token": "..."}
"""

from __future__ import annotations

import json
import logging
import secrets
import signal
import sys
import threading
from types import FrameType

import click


@click.command("twilio")
@click.option("--port", default=0, show_default=True, help="Port on 127.0.0.1; 0 picks a free one.")
@click.option("--seed", type=int, default=None, help="Seed every random choice (and the credentials) for replays.")
@click.option("--account-sid", default=None, help="Account SID to accept (default: generated).")
@click.option("--auth-token", default=None, help="Auth token to accept and sign webhooks with (default: generated).")
@click.option("--inbound-url", default=None, help="Where handset replies are POSTed (the connector's inbound hook).")
@click.option("--callback-delay", type=float, default=0.0, show_default=True, help="Seconds between status steps.")
@click.option("--opt-out-mode", type=click.Choice(["refuse", "callback"]), default="refuse", show_default=True)
@click.option("--verbose", is_flag=True, help="Log every request (phone numbers masked) to stderr.")
def twilio(
    port: int,
    seed: int | None,
    account_sid: str | None,
    auth_token: str | None,
    inbound_url: str | None,
    callback_delay: float,
    opt_out_mode: str,
    verbose: bool,
) -> None:
    """Serve a fake api.twilio.com; print one JSON line with its URL and credentials, then run until stopped.

    Knobs, faults and handsets can then be steered over HTTP under /_emulator/ (same credentials).
    """
    from connector.sandbox.twilio.emulator import TwilioEmulator
    from connector.sandbox.twilio.knobs import Knobs

    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, stream=sys.stderr)
    if seed is None:  # unseeded, the credentials are unguessable rather than reproducible
        seed = secrets.randbits(63)
        account_sid = account_sid or f"AC{secrets.token_hex(16)}"
        auth_token = auth_token or secrets.token_hex(16)
    try:
        knobs = Knobs(seed=seed, callback_delay=callback_delay, opt_out_mode=opt_out_mode)  # type: ignore[arg-type]
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    emulator = TwilioEmulator(account_sid=account_sid, auth_token=auth_token, knobs=knobs, inbound_url=inbound_url)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        emulator.start(port)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}") from None
    click.echo(json.dumps(emulator.describe()))
    sys.stdout.flush()
    try:
        while not stop.wait(0.5):  # a bounded wait keeps the main thread responsive to signals
            pass
    finally:
        emulator.stop()


if __name__ == "__main__":
    twilio()
