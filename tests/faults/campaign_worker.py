"""A worker process for the campaign kill test: run_worker on the real Twilio and Salesforce adapters, killable.

    python tests/faults/campaign_worker.py [--die-after-send N] [--die-after-crm-write N]
                                           [--lease-seconds S] [--rate R] [--writeback-ahead-minutes M]

Settings come from the environment (DATABASE_URL, TWILIO_*, SALESFORCE_*, SMSFLOW_*). The two --die options
SIGKILL the process in the two windows where a naive worker would repeat itself: right after Twilio accepted a
text and before the dispatcher records it (the dispatcher's `after_send` hook), and right after Salesforce took a
write-back batch and before the store marks its rows done. Test-only; nothing in connector/ knows about it.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import signal
import sys
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from connector.settings import load_settings

if TYPE_CHECKING:
    from connector.crm.port import CrmPort, WriteOp, WriteResult
    from connector.worker import Worker

TICK = timedelta(seconds=0.2)  # every job, far quicker than production's intervals


def die(*_: object) -> None:
    """kill -9 ourselves: no cleanup, no commit, no finally."""
    os.kill(os.getpid(), signal.SIGKILL)


class DyingCrm:
    """The real CRM adapter, except that the process dies right after the `n`th write call returned."""

    def __init__(self, crm: CrmPort, n: int) -> None:
        self._crm, self._left = crm, n

    def write(self, ops: Sequence[WriteOp]) -> list[WriteResult]:
        results = self._crm.write(ops)
        self._left -= 1
        if self._left <= 0:
            die()
        return results

    def __getattr__(self, name: str) -> Any:
        return getattr(self._crm, name)


def main(argv: list[str]) -> int:
    from connector.bootstrap import build
    from connector.worker import Job, dispatch_outbox, fire_timers, flush_crm_writebacks, run_worker

    parser = argparse.ArgumentParser()
    parser.add_argument("--die-after-send", type=int, default=0)
    parser.add_argument("--die-after-crm-write", type=int, default=0)
    parser.add_argument("--lease-seconds", type=float, default=3.0)
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--writeback-ahead-minutes", type=float, default=0.0)
    args = parser.parse_args(argv)
    settings = load_settings({k: v for k, v in os.environ.items() if k != "NO_PROXY"})
    container = build(settings)
    if args.die_after_crm_write:
        assert container.crm is not None, "set SALESFORCE_* for write-back"
        container.crm = DyingCrm(container.crm, args.die_after_crm_write)  # type: ignore[assignment]
    sends = [0]

    def after_send(_item: object) -> None:
        sends[0] += 1
        if sends[0] >= args.die_after_send:
            die()

    ahead = timedelta(minutes=args.writeback_ahead_minutes)

    def flush(worker: Worker) -> int:
        # A write-back claim is leased for minutes (the store's default); a worker killed mid-flush leaves its rows
        # claimed that long. Running this life's write-back clock ahead stands in for that wait.
        clock = container.clock
        later = dataclasses.replace(worker.container, clock=lambda: clock() + ahead)
        return flush_crm_writebacks(dataclasses.replace(worker, container=later))

    # Polling and event processing are left out: the test starts the campaign's runs itself.
    jobs = (Job("dispatch_outbox", TICK, dispatch_outbox), Job("fire_timers", TICK, fire_timers),
            Job("flush_writebacks", TICK * 5, flush))  # fmt: skip
    run_worker(
        container,
        jobs=jobs,
        rate=args.rate,
        lease=timedelta(seconds=args.lease_seconds),
        after_send=after_send if args.die_after_send else None,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
