"""Record changes pushed out the way an org does: Outbound Messages and signed JSON callouts, retried with back-off.

    emulator.deliveries.add_outbound_message("Lead", "http://127.0.0.1:5000/hooks/salesforce/outbound-message")
    emulator.deliveries.add_callout("Task", url, secret, on=("created",), when="TaskSubtype = 'Call'")

A rule fires for its object on `on` (created, updated), when the new record matches the SOQL condition `when`,
and, on updates, when one of `changed_fields` changed (any change when empty). Outbound Messages are resent until
the listener acknowledges (Ack = true), with exponential back-off, as Salesforce does for 24 hours; each resend
carries the record's current field values. Callouts are resent until a 2xx answer, with the same back-off.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from connector.sandbox.salesforce import callout, outbound
from connector.sandbox.salesforce.auth import Auth
from connector.sandbox.salesforce.org import Change, Org
from connector.sandbox.salesforce.soql_eval import condition
from connector.sandbox.salesforce.triggers import (
    Attempt,
    Item,
    RetryPolicy,
    Rule,
    Transport,
    batches,
    http_transport,
)

log = logging.getLogger(__name__)


@dataclass
class Deliveries:
    """The org's configured triggers and the worker thread that delivers and retries them."""

    org: Org
    auth: Auth
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    transport: Transport = http_transport
    version: str = "61.0"
    base_url: str = ""

    def __post_init__(self) -> None:
        self.rules: list[Rule] = []
        self._predicates: dict[str, Callable[[dict[str, Any]], bool]] = {}
        self._queue: list[Item] = []
        self._attempts: list[Attempt] = []
        self._cond = threading.Condition()
        self._stopping = False
        self._inflight = 0
        self._paused = False
        self.enqueued = 0  # deliveries triggered so far (each notification or callout once, however often resent)
        self._thread: threading.Thread | None = None
        self.org.subscribe(self._on_change)

    def add_outbound_message(self, obj: str, url: str, **options: Any) -> Rule:
        """An Outbound Message action on `obj` (options: name, on, when, changed_fields, fields, send_session_id)."""
        return self._add("outbound_message", obj, url, action_id=self.org.ids.new("04k"), **options)

    def add_callout(self, obj: str, url: str, secret: str, **options: Any) -> Rule:
        """A Flow HTTP callout on `obj`, signed with `secret` (options: name, on, when, changed_fields, fields)."""
        return self._add("callout", obj, url, secret=secret, **options)

    def _add(
        self, kind: str, obj: str, url: str, *, on: Iterable[str] = ("created", "updated"), **options: Any
    ) -> Rule:
        definition = self.org.object(obj)
        name = options.pop("name", None) or f"{definition.name}_{kind}_{len(self.rules) + 1}"
        for key in ("changed_fields", "fields"):
            if options.get(key) is not None:
                options[key] = tuple(options[key])
        rule = Rule(name=name, kind=kind, object=definition.name, url=url, on=frozenset(on), **options)  # type: ignore[arg-type]
        if rule.when:
            self._predicates[name] = condition(self.org, definition.name, rule.when)
        self.rules.append(rule)
        return rule

    def clear_rules(self) -> None:
        self.rules.clear()
        self._predicates.clear()

    def add_standard_rules(self, kind: str, url: str, secret: str | None = None) -> list[Rule]:
        """The manifest's events: Lead and Contact created or updated, and Task call logs (TaskSubtype = 'Call')."""
        if kind == "callout" and not secret:
            raise ValueError("callouts need a shared secret")
        add = (lambda obj, **o: self.add_callout(obj, url, secret or "", **o)) if kind == "callout" else (
            lambda obj, **o: self.add_outbound_message(obj, url, **o)
        )  # fmt: skip
        return [
            add("Lead", name=f"lead_{kind}"),
            add("Contact", name=f"contact_{kind}"),
            add("Task", name=f"call_logged_{kind}", on=("created",), when="TaskSubtype = 'Call'"),
        ]

    def _fires(self, rule: Rule, change: Change) -> bool:
        if rule.object != change.object or change.event not in rule.on:
            return False
        if change.event == "updated" and rule.changed_fields and not set(rule.changed_fields) & set(change.changed):
            return False
        predicate = self._predicates.get(rule.name)
        return predicate is None or predicate(dict(change.record))

    def _on_change(self, change: Change) -> None:
        now = time.monotonic()
        items = []
        for rule in list(self.rules):
            try:
                fires = self._fires(rule, change)
            except Exception:  # a rule must never break the write that triggered it
                log.exception("delivery rule %s failed on %s %s", rule.name, change.object, change.record_id)
                continue
            if not fires:
                continue
            if rule.kind == "callout":
                item_id = str(uuid.uuid4())
                raw = callout.body(
                    event_id=item_id, org_id=self.org.org_id, rule=rule.name, obj=change.object, event=change.event,
                    record=change.record, old=change.old, changed=change.changed, fields=rule.fields, at=change.at,
                )  # fmt: skip
                items.append(Item(rule, item_id, change.record_id, raw, now, now))
            else:
                items.append(Item(rule, self.org.ids.new("04l"), change.record_id, None, now, now))
        if items:
            with self._cond:
                self._queue.extend(items)
                self.enqueued += len(items)
                self._cond.notify_all()

    def pause(self) -> None:
        """Hold deliveries (as if the org's queue were stalled); changes keep queueing until `resume()`."""
        with self._cond:
            self._paused = True

    def resume(self) -> None:
        with self._cond:
            self._paused = False
            self._cond.notify_all()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="salesforce-deliveries", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._stopping:
                    now = time.monotonic()
                    due = [] if self._paused else [i for i in self._queue if i.due <= now]
                    if due:
                        break
                    next_due = None if self._paused else min((i.due for i in self._queue), default=None)
                    self._cond.wait(None if next_due is None else next_due - now)
                if self._stopping:
                    return
                self._queue = [i for i in self._queue if i not in due]
                self._inflight += len(due)
            for batch in batches(due):
                self._send(batch)

    def _send(self, batch: Sequence[Item]) -> None:
        rule = batch[0].rule
        if rule.kind == "callout":
            assert rule.secret is not None and batch[0].raw is not None
            raw = batch[0].raw
            headers = callout.headers(rule.secret, batch[0].item_id, int(time.time()), raw)
        else:
            raw = self._outbound(rule, batch)
            headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'}
        headers["User-Agent"] = f"SFDC-Callout/{self.version}"
        status, answer = self.transport(rule.url, headers, raw, self.retry.timeout)
        ok = outbound.acknowledged(status, answer) if rule.kind == "outbound_message" else bool(status and status < 300)
        now = time.monotonic()
        number = max(i.attempts for i in batch) + 1
        dropped = not ok and now - min(i.first for i in batch) >= self.retry.give_up_after
        with self._cond:
            self._inflight -= len(batch)
            ids = tuple(i.item_id for i in batch)
            self._attempts.append(Attempt(rule.name, rule.kind, rule.url, ids, number, status, ok, dropped))
            if not ok and not dropped:
                for item in batch:
                    item.attempts += 1
                    item.due = now + min(self.retry.cap, self.retry.base * 2 ** (item.attempts - 1))
                self._queue.extend(batch)
            self._cond.notify_all()

    def _outbound(self, rule: Rule, batch: Sequence[Item]) -> bytes:
        definition = self.org.object(rule.object)
        parts = []
        for item in batch:
            found = self.org.find(item.record_id)
            record = found[1] if found else {"Id": item.record_id}
            parts.append(outbound.notification(definition, item.item_id, record, rule.fields))
        session = self.auth.issue() if rule.send_session_id else None
        return outbound.envelope(
            org_id=self.org.org_id, action_id=rule.action_id, session_id=session, base_url=self.base_url,
            version=self.version, notifications=parts,
        )  # fmt: skip

    @property
    def attempts(self) -> list[Attempt]:
        with self._cond:
            return list(self._attempts)

    @property
    def pending(self) -> int:
        with self._cond:
            return len(self._queue)

    def wait_for(self, predicate: Callable[[list[Attempt]], bool], timeout: float = 10.0) -> bool:
        """Block until `predicate(attempts)` holds or `timeout` passes (bounded, for tests); returns whether it held."""
        with self._cond:
            return self._cond.wait_for(lambda: predicate(list(self._attempts)), timeout)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until nothing is queued (everything delivered or dropped) or `timeout` passes."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._queue and not self._inflight, timeout)
