"""The demo's run: play the scenario whenever the connector is at rest, jump the clock when only later work is left.

    with open_demo(None, seed=7, write=print) as demo:
        result = demo.play()        # result.counts: the summary; result.stalled: beats that never became ready
        demo.serve(stop_event)      # optional: `smsflow worker`'s schedule, until stop_event is set

At rest means: neither emulator has anything in flight, and the store has no change to process, text to send or
timer that is due. Then write-back and (after a jump) the catch-up poll run, and the next beats play. When no beat
can play, the clock jumps to the next deferred text or timer, and so on until nothing is left to do.
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from connector.demo.clock import DemoClock
from connector.demo.logs import logs_to
from connector.demo.progress import Progress, Write, duration
from connector.demo.quiet import Wake, busy, next_wake, read_engine
from connector.demo.scenario import START, Beat, Scenario
from connector.demo.stack import ADMIN_USER, Stack, running
from connector.demo.summary import summarize
from connector.demo.watch import Watcher
from connector.store.tables import Event

SETTLE_TIMEOUT = 120.0  # real seconds for the connector to come to rest after a step; far more than it needs
CALM_CHECKS = 3  # consecutive idle readings, so work passing from one part to another is not missed
CHECK_EVERY = 0.05
HORIZON = timedelta(days=7)  # the clock never jumps past START + HORIZON
LOG_NAME = "smsflow-demo.log"


class DemoError(RuntimeError):
    """The connector did not come to rest, or another part of the demo failed."""


@dataclass
class Result:
    """The summary's counts, and the beats that could not be played (none when the run went as scripted)."""

    counts: dict[str, int]
    stalled: list[Beat] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.stalled and self.counts.get("activities_missing", 0) == 0


class Demo:
    """A running stack, the scenario and the progress lines: `play()` once, then `serve()` if wanted."""

    def __init__(self, stack: Stack, scenario: Scenario, progress: Progress, log: Path) -> None:
        self.stack = stack
        self.scenario = scenario
        self.progress = progress
        self.log = log
        self.reader = read_engine(stack.settings.database_url.get_secret_value())
        self._watcher = Watcher(self.reader, scenario)
        self._caught_up = 0

    def play(self) -> Result:
        """Run the whole scenario and return the summary."""
        stack, say = self.stack, self.progress.say
        say(f"connector (web + worker) on {stack.url}, SQLite in {self.log.parent}")
        say(f"Salesforce emulator on {stack.salesforce.instance_url}, Twilio emulator on {stack.twilio.url}")
        say("the org sends Outbound Messages for Lead, Contact and call log changes to the connector")
        self.settle(poll=True)
        while True:
            beats = self.scenario.ready(self._texts_on)
            if beats:
                for beat in beats:
                    say(self.scenario.play(beat, stack.salesforce, stack.twilio))
                self.settle()
                continue
            wake = self._next_wake()
            if wake is None or wake.at > START + HORIZON:
                break
            self._jump(wake)
            self.settle(poll=True)
        for beat in self.scenario.remaining():
            say(f"never played: {beat.who} {beat.do} (their phone got too few texts)")
        return Result(summarize(stack.container.store, stack.salesforce), self.scenario.remaining())

    def serve(self, stop: threading.Event) -> None:
        """Keep everything running on `smsflow worker`'s schedule until `stop` is set, telling what happens."""
        self.stack.hand_over()
        while not stop.wait(0.5):
            self._tell()

    def urls(self) -> list[str]:
        """Where to look while it serves."""
        stack, twilio = self.stack, self.stack.twilio
        lines = [f"connector:  {stack.url}  ({stack.url}/healthz answers)"]
        if any(rule.rule.startswith("/admin") for rule in stack.app.url_map.iter_rules()):
            lines.append(f"admin:      {stack.url}/admin/  (sign in as {ADMIN_USER}, password {stack.admin_password})")
        return [
            *lines,
            f"Twilio:     {stack.twilio.url}/_emulator  (Basic auth {twilio.account_sid}:{twilio.auth_token})",
            f"Salesforce: {stack.salesforce.instance_url}  (CA bundle {stack.salesforce.ca_bundle})",
            f"log:        {self.log}",
        ]

    # -- at rest ----------------------------------------------------------------------------------------------

    def settle(self, *, poll: bool = False) -> None:
        """Wait until the connector is at rest, then write back, and poll once if asked, until nothing is left."""
        stack, say = self.stack, self.progress.say
        while True:
            self._until_idle()
            used = stack.salesforce.api_usage[0]
            written = stack.worker.run_now("flush_writebacks")
            if written:
                self._tell()
                calls = stack.salesforce.api_usage[0] - used
                say(f"write-back: {written} queued writes sent to the org in {calls} API call{'s' * (calls != 1)}")
                continue
            if poll:
                poll = False
                stack.worker.run_now("poll_crm")
                found = self._count_caught_up()
                if found:
                    say(f"catch-up poll found {found} changes no Outbound Message had brought")
                continue
            break
        self._tell()

    def _until_idle(self) -> None:
        deadline, calm = time.monotonic() + SETTLE_TIMEOUT, 0
        while calm < CALM_CHECKS:
            reason = self._busy()
            calm = 0 if reason else calm + 1
            self._tell()
            if reason and time.monotonic() > deadline:
                raise DemoError(f"the connector did not come to rest in {SETTLE_TIMEOUT:.0f} s: still {reason}")
            time.sleep(CHECK_EVERY)

    def _busy(self) -> str | None:
        if not self.stack.twilio.wait_idle(0):
            return "Twilio messages in flight"
        if not self.stack.salesforce.deliveries.wait_idle(0):
            return "Outbound Messages in flight"
        with Session(self.reader) as session:
            return busy(session, self.stack.clock())

    def _next_wake(self) -> Wake | None:
        with Session(self.reader) as session:
            return next_wake(session, self.stack.clock())

    def _jump(self, wake: Wake) -> None:
        person = self.scenario.by_phone().get(wake.phone or "")
        name = person.first if person else "someone"
        if wake.kind == "text":
            what = f"a text to {name} held for quiet hours"
        elif wake.kind == "timer":
            what = f"{name}'s {wake.flow} " + ("stops waiting for a reply" if wake.waiting_for == "reply" else "is due")
        else:
            what = "a write-back retry"
        step = self.stack.clock.jump_to(wake.at)
        self.progress.say(f"nothing to do until {wake.at:%a %H:%M} UTC ({what}): the clock jumps {duration(step)}")

    def _count_caught_up(self) -> int:
        with Session(self.reader) as session:
            stmt = select(func.count()).select_from(Event).where(Event.source == "polling", Event.status == "processed")
            total = int(session.scalar(stmt) or 0)
        found, self._caught_up = total - self._caught_up, total
        return found

    def _texts_on(self, phone: str) -> int:
        return len(self.stack.twilio.phone(phone).inbox)

    def _tell(self) -> None:
        for line in self._watcher.lines():
            self.progress.say(line)


@contextmanager
def _workspace(data_dir: Path | None) -> Iterator[Path]:
    if data_dir is not None:
        data_dir.mkdir(parents=True, exist_ok=True)
        yield data_dir
        return
    with tempfile.TemporaryDirectory(prefix="smsflow-demo-", ignore_cleanup_errors=True) as tmp:
        yield Path(tmp)


@contextmanager
def open_demo(data_dir: Path | None, *, seed: int = 7, port: int = 0, write: Write | None = None) -> Iterator[Demo]:
    """Start everything on loopback (logs go to <data dir>/smsflow-demo.log) and stop it all on leaving."""
    with _workspace(data_dir) as where, logs_to(where / LOG_NAME) as log:
        clock = DemoClock(START)
        with running(where, clock, seed=seed, port=port) as stack:
            demo = Demo(stack, Scenario(), Progress(clock, write), log)
            try:
                yield demo
            finally:
                demo.reader.dispose()
