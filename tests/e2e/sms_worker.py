"""A worker process for the crash test: `smsflow worker` as the CLI will run it, on the real Twilio adapter.

    python tests/e2e/sms_worker.py [--crash-after-send] [--lease-seconds N]

Settings come from the environment (DATABASE_URL, TWILIO_*, SMSFLOW_*; see settings_env). With
--crash-after-send the process SIGKILLs itself right after Twilio accepted a text and before the dispatcher
records it: the one moment where a crash could make a naive outbox send twice. Test-only; nothing in connector/
knows about it.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from connector.settings import load_settings

if TYPE_CHECKING:
    from connector.sandbox.twilio import TwilioEmulator
    from connector.store.records import OutboxItem

ROOT = Path(__file__).resolve().parents[2]
PUBLIC = "https://connector.example.com"


def settings_env(db_url: str, emu: TwilioEmulator) -> dict[str, str]:
    """The environment of a connector on this store that talks to this emulator."""
    return {
        "DATABASE_URL": db_url,
        "SMSFLOW_PUBLIC_URL": PUBLIC,
        "TWILIO_ACCOUNT_SID": emu.account_sid,
        "TWILIO_AUTH_TOKEN": emu.auth_token,
        "TWILIO_FROM_NUMBER": emu.number,
        "TWILIO_API_BASE": emu.url,
        "SMSFLOW_FLOWS_DIR": str(ROOT / "flows"),
        "SMSFLOW_MAPPINGS_DIR": str(ROOT / "mappings"),
        "SMSFLOW_MANIFEST": str(ROOT / "manifest.yaml"),
        "NO_PROXY": "127.0.0.1,localhost",
    }


def die(item: OutboxItem) -> None:
    """kill -9 ourselves: no cleanup, no commit, no finally."""
    os.kill(os.getpid(), signal.SIGKILL)


def main(argv: list[str]) -> int:
    from connector.bootstrap import build
    from connector.worker import JOBS, Job, run_worker

    parser = argparse.ArgumentParser()
    parser.add_argument("--crash-after-send", action="store_true")
    parser.add_argument("--lease-seconds", type=float, default=120.0)
    args = parser.parse_args(argv)
    settings = load_settings({k: v for k, v in os.environ.items() if k != "NO_PROXY"})
    jobs = tuple(Job(job.name, timedelta(seconds=0.2), job.run) for job in JOBS)  # quick ticks for a test
    after_send = die if args.crash_after_send else None
    # No sms= here: run_worker builds the Twilio adapter from settings, as `smsflow worker` will.
    run_worker(build(settings), jobs=jobs, lease=timedelta(seconds=args.lease_seconds), after_send=after_send)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
