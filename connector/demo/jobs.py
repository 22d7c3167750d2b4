"""The connector's worker during the scripted run: the real jobs of connector/worker.py on one thread.

Dispatch, timers and event processing tick continuously; write-back and the catch-up poll run when the demo asks,
once everything has gone quiet (in production they run every 10 s and every minute). One thread and that order
make every Salesforce call happen the same way on every run, so the summary's API count is reproducible:
two jobs reading the same change at once would each spend a call, and a flush in the middle of a conversation
would split one upsert in two.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future
from contextlib import nullcontext
from queue import Empty, SimpleQueue

from connector.phones import mask_in_text
from connector.worker import JOBS, Job, Worker, leader, run_job

log = logging.getLogger(__name__)

TICKING = ("dispatch_outbox", "fire_timers", "process_events")
ON_REQUEST = ("flush_writebacks", "poll_crm")
TICK_SECONDS = 0.05


class WorkerThread:
    """Runs the ticking jobs in a loop, and a requested job between two ticks, on one background thread."""

    def __init__(self, worker: Worker, every: float = TICK_SECONDS) -> None:
        jobs = {job.name: job for job in JOBS}
        self.worker = worker
        self._ticking = [jobs[name] for name in TICKING]
        self._on_request = {name: jobs[name] for name in ON_REQUEST}
        self._every = every
        self._requests: SimpleQueue[tuple[Job, Future[object]]] = SimpleQueue()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="smsflow-demo-worker", daemon=True)

    def start(self) -> WorkerThread:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Finish the job in progress and stop; safe to repeat."""
        self.worker.stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    def run_now(self, name: str, timeout: float = 120.0) -> object:
        """Run a write-back or polling job on the worker's thread and return what it returned (None on error)."""
        future: Future[object] = Future()
        self._requests.put((self._on_request[name], future))
        self._wake.set()
        return future.result(timeout)

    def _loop(self) -> None:
        stop = self.worker.stop
        while not stop.is_set():
            for job in self._ticking:
                run_job(job, self.worker)
            self._serve_requests()
            self._wake.wait(self._every)
            self._wake.clear()
        self._serve_requests(cancel=True)

    def _serve_requests(self, cancel: bool = False) -> None:
        while True:
            try:
                job, future = self._requests.get_nowait()
            except Empty:
                return
            if cancel:
                future.cancel()
            else:
                future.set_result(_call(job, self.worker))


def _call(job: Job, worker: Worker) -> object:
    """run_job, keeping what the job returned: how many rows it wrote or changes it stored."""
    try:
        with leader(worker.container.store, job.name) if job.leader_only else nullcontext(True) as leading:
            return job.run(worker) if leading else None
    except Exception as exc:
        log.error("job %s failed: %s", job.name, mask_in_text(repr(exc)))
        return None
