"""The worker: APScheduler jobs that send the outbox and fire due timers; CRM jobs join them one line each.

    JOBS = (
        Job("dispatch_outbox", timedelta(seconds=5), dispatch_outbox),
        Job("poll_crm", timedelta(minutes=1), poll_crm, leader_only=True),   # a later line, for example
    )

Job names and intervals are manifest.yaml's `jobs:`. A job is a plain function of the Worker, so tests call it
directly; `smsflow worker` calls run_worker(container), which schedules every job until SIGTERM or Ctrl-C.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler

from connector.bootstrap import Container
from connector.phones import mask_in_text
from connector.ratelimit import RateLimiter
from connector.services.contact_policy import SendPolicy
from connector.services.dispatch import Dispatcher
from connector.services.ingest import Ingest, process_pending
from connector.services.polling import poll_changes
from connector.services.runs import fire_timer
from connector.services.writeback import flush_writebacks
from connector.sms.port import SmsPort
from connector.sms.twilio.hooks import status_callback_url
from connector.store.locks import try_advisory_lock
from connector.store.uow import Store

log = logging.getLogger(__name__)

# Texts per second per sender for this process: well under a long code's usual limit once Twilio queues, and
# divided by `processes` when several workers share the sender (see connector/ratelimit.py).
SEND_RATE = 5.0
TIMERS_PER_RUN = 200
BATCHES_PER_RUN = 50
EVENTS_PER_PASS = 200  # a pass reads its records back in one CRM query (CrmPort.get_many: 200 ids a call)
PASSES_PER_RUN = 50


@dataclass
class Worker:
    """What the jobs share: the container, this process's dispatcher (and its rate limiter), and the stop flag."""

    container: Container
    dispatcher: Dispatcher
    stop: threading.Event

    @classmethod
    def build(
        cls,
        container: Container,
        sms: SmsPort,
        *,
        stop: threading.Event | None = None,
        rate: float = SEND_RATE,
        processes: int = 1,
        **dispatcher_options: Any,
    ) -> Worker:
        """A worker whose dispatcher sends through `sms` at `rate` texts per second shared by `processes`."""
        settings, stop = container.settings, stop or threading.Event()
        options: dict[str, Any] = {
            "limiter": RateLimiter(rate, processes=processes),
            "sender": settings.twilio_messaging_service_sid or settings.twilio_from_number or "default",
            "callback_url": partial(status_callback_url, settings.public_url),
            "sleep": stop.wait,  # a pause for the rate limit ends early on shutdown
            "stopping": stop.is_set,
            "policy": SendPolicy(container.registry, container.overrides),
            **dispatcher_options,
        }
        dispatcher = Dispatcher(container.store, container.registry, sms, clock=container.clock, **options)
        return cls(container, dispatcher, stop)


def dispatch_outbox(worker: Worker) -> int:
    """Send due texts, batch after batch while there are more; returns how many rows were claimed."""
    claimed = 0
    for _ in range(BATCHES_PER_RUN):
        report = worker.dispatcher.run_once()
        claimed += report.claimed
        if report.claimed < worker.dispatcher.batch or worker.stop.is_set():
            break
    return claimed


def fire_timers(worker: Worker, limit: int = TIMERS_PER_RUN) -> int:
    """Wake the runs whose timers are due, one timer per transaction; returns how many were fired."""
    container, fired = worker.container, 0
    while fired < limit and not worker.stop.is_set():
        now = container.clock()
        with container.store.unit_of_work() as uow:
            due = uow.timers.due(now, 1)
            if not due:
                break
            timer = due[0]
            try:
                fire_timer(uow, container.registry, timer.run_id, timer.id, now)
                uow.commit()
            except Exception as exc:
                uow.rollback()
                # Left pending, the same timer would fail again on every run; park its run for a person.
                uow.timers.cancel_for_run(timer.run_id)
                uow.audit.log("worker", "timer_failed", timer.id, {"error": type(exc).__name__}, at=now)
                uow.commit()
                log.error("timer %s failed: %s", timer.id, mask_in_text(repr(exc)))
        fired += 1
    return fired


def _ingest(worker: Worker) -> Ingest | None:
    container = worker.container
    if container.crm is None:
        return None
    return Ingest.from_manifest(container.registry, container.crm, container.settings.manifest)


def process_events(worker: Worker, per_pass: int = EVENTS_PER_PASS) -> int:
    """Start the flows stored record changes trigger, each change once, pass after pass while more are waiting
    (a burst of a thousand web leads is not held to one pass every 5 s); returns how many were processed."""
    ingest = _ingest(worker)
    if ingest is None:
        return 0
    processed = 0
    for _ in range(PASSES_PER_RUN):
        report = process_pending(worker.container.store, ingest, now=worker.container.clock(), limit=per_pass)
        processed += report.processed
        # Deferred: the CRM is away or out of budget, so the rest waits for the next run.
        if report.deferred or report.processed + report.ignored + report.failed < per_pass or worker.stop.is_set():
            break
    return processed


def poll_crm(worker: Worker) -> int:
    """Store changes a webhook missed (leader only), then process them; returns how many were new."""
    ingest = _ingest(worker)
    if ingest is None:
        return 0
    report = poll_changes(worker.container.store, ingest, now=worker.container.clock())
    if report is None:
        return 0
    with leader(worker.container.store, "process_events") as leading:  # the process_events job's own lock
        if leading:
            process_events(worker)
    return sum(report.stored.values())


def flush_crm_writebacks(worker: Worker) -> int:
    """Write queued activities, record updates and tasks to the CRM in batches; returns how many were written."""
    container = worker.container
    if container.crm is None:
        return 0
    settings = container.settings
    report = flush_writebacks(
        container.store,
        container.registry,
        container.crm,
        now=container.clock(),
        our_number=settings.twilio_from_number,
    )
    return report.written


@dataclass(frozen=True)
class Job:
    """A scheduled job: its manifest name, how often it runs, and the function of the Worker it calls."""

    name: str
    every: timedelta
    run: Callable[[Worker], object]
    leader_only: bool = False  # one process at a time (a PostgreSQL advisory lock), e.g. CRM polling


JOBS: tuple[Job, ...] = (
    Job("dispatch_outbox", timedelta(seconds=5), dispatch_outbox),
    Job("fire_timers", timedelta(seconds=15), fire_timers),
    # Leader-only because events.pending()'s row locks end before the CRM reads: every process would read the same
    # events from the metered API, and two could apply one at once.
    Job("process_events", timedelta(seconds=5), process_events, leader_only=True),
    Job("poll_crm", timedelta(minutes=1), poll_crm, leader_only=True),
    # One writer at a time keeps a record's updates in order: rows claimed by two processes could land swapped.
    Job("flush_writebacks", timedelta(seconds=10), flush_crm_writebacks, leader_only=True),
)


def run_job(job: Job, worker: Worker) -> None:
    """Run one job, as the leader if it must be; an error is logged (numbers masked), never raised."""
    try:
        with leader(worker.container.store, job.name) if job.leader_only else _always() as leading:
            if leading:
                job.run(worker)
    except Exception as exc:
        log.error("job %s failed: %s", job.name, mask_in_text(repr(exc)))


@contextmanager
def leader(store: Store, name: str) -> Iterator[bool]:
    """Whether this process may run `name` now: a PostgreSQL advisory lock held for the block (SQLite: yes)."""
    if store.engine.dialect.name != "postgresql":
        yield True
        return
    with try_advisory_lock(store.engine, name) as got:
        yield got


@contextmanager
def _always() -> Iterator[bool]:
    yield True


def run_worker(
    container: Container,
    stop_event: threading.Event | None = None,
    *,
    sms: SmsPort | None = None,
    jobs: Sequence[Job] = JOBS,
    **worker_options: Any,
) -> None:
    """Run every job on its interval until `stop_event` is set (or, without one, until SIGTERM or Ctrl-C)."""
    sms = sms or _sms_from(container)  # a missing Twilio setting stops us here, before any signal handler
    stop = stop_event or _stop_on_signals()
    settings = container.settings
    worker_options = {"rate": settings.send_rate, "processes": settings.worker_processes, **worker_options}
    worker = Worker.build(container, sms, stop=stop, **worker_options)
    scheduler = BackgroundScheduler(timezone="UTC")
    for job in jobs:
        # One run at a time per job; runs missed while one was busy collapse into the next.
        scheduler.add_job(
            run_job,
            "interval",
            args=(job, worker),
            seconds=job.every.total_seconds(),
            id=job.name,
            max_instances=1,
            coalesce=True,
            next_run_time=datetime.now(UTC),  # APScheduler keeps wall time; the first run starts at once
        )
    scheduler.start()
    log.info("worker started: %s", ", ".join(job.name for job in jobs))
    try:
        stop.wait()
    finally:
        stop.set()
        scheduler.shutdown(wait=True)
        log.info("worker stopped")


def _sms_from(container: Container) -> SmsPort:
    from connector.sms.twilio import build_sms

    return build_sms(container.settings)


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    return stop
