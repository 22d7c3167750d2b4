"""One of several worker processes on one store: `smsflow worker` as the CLI runs it, with quick ticks for a test.

    python tests/scale/scale_worker.py --ready DIR [--jobs dispatch_outbox,fire_timers] [--rate N]
                                       [--leader-log FILE]

Settings come from the environment (see settings_env). --ready names a directory where the process leaves a file
once its jobs are scheduled. --leader-log wraps poll_crm (still leader-only, still the real job): each run appends
"start <pid>" to FILE, holds the lead a little longer than the job alone would, and appends "end <pid>", so runs
in two processes would interleave in FILE if the lock let them.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from connector.settings import load_settings

if TYPE_CHECKING:
    from connector.sandbox.twilio import TwilioEmulator
    from connector.worker import Worker

ROOT = Path(__file__).resolve().parents[2]
PUBLIC = "https://connector.example.com"
TICK = timedelta(seconds=0.05)
HOLD_SECONDS = 0.1  # how long an instrumented poll_crm keeps the lead beyond the real job's own time


def settings_env(db_url: str, emu: TwilioEmulator) -> dict[str, str]:
    """The environment of a connector on this store that talks to this emulator."""
    return {
        "DATABASE_URL": db_url,
        "SMSFLOW_PUBLIC_URL": PUBLIC,
        "SMSFLOW_LOG_LEVEL": "WARNING",
        "TWILIO_ACCOUNT_SID": emu.account_sid,
        "TWILIO_AUTH_TOKEN": emu.auth_token,
        "TWILIO_FROM_NUMBER": emu.number,
        "TWILIO_API_BASE": emu.url,
        "SMSFLOW_FLOWS_DIR": str(ROOT / "flows"),
        "SMSFLOW_MAPPINGS_DIR": str(ROOT / "mappings"),
        "SMSFLOW_MANIFEST": str(ROOT / "manifest.yaml"),
        "NO_PROXY": "127.0.0.1,localhost",
    }


def note(log: Path, what: str) -> None:
    """Append "<what> <pid>" as one write to a file opened for appending, so lines of two processes never mix."""
    with log.open("a", encoding="utf-8") as out:
        out.write(f"{what} {os.getpid()}\n")


def main(argv: list[str]) -> int:
    from connector.bootstrap import build
    from connector.worker import JOBS, SEND_RATE, Job, poll_crm, run_worker

    parser = argparse.ArgumentParser()
    parser.add_argument("--ready", type=Path, required=True)
    parser.add_argument("--jobs", default=",".join(job.name for job in JOBS))
    parser.add_argument("--rate", type=float, default=SEND_RATE)
    parser.add_argument("--leader-log", type=Path)
    args = parser.parse_args(argv)
    settings = load_settings({k: v for k, v in os.environ.items() if k != "NO_PROXY"})
    wanted = args.jobs.split(",")
    jobs = [Job(job.name, TICK, job.run, job.leader_only) for job in JOBS if job.name in wanted]
    if args.leader_log is not None:
        log = args.leader_log

        def instrumented(worker: Worker) -> int:
            note(log, "start")
            try:
                time.sleep(HOLD_SECONDS)
                return poll_crm(worker)
            finally:
                note(log, "end")

        jobs = [Job(j.name, j.every, instrumented, j.leader_only) if j.name == "poll_crm" else j for j in jobs]
    container = build(settings)
    args.ready.mkdir(parents=True, exist_ok=True)
    (args.ready / str(os.getpid())).touch()
    # No sms= here: run_worker builds the Twilio adapter from settings, as `smsflow worker` does.
    run_worker(container, jobs=jobs, rate=args.rate)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
