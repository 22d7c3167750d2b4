"""The outbox dispatcher: claim due texts, send each through the SMS port once, and record what the provider said.

Per text: ask the contact policy (a deferral or a drop ends there); wait for the sender's rate limit; mark it in
flight and commit; call the provider; then, in a new transaction, record the provider's id and mark the outbox
row done. A worker that dies after the call leaves the text in flight; whoever claims it next (once the lease
ends) first asks the provider for a message with this body to this number created since, and records that one
instead of sending again.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from connector.phones import mask, mask_in_text
from connector.ratelimit import Backoff, RateLimiter
from connector.services.activities import ActivityKind
from connector.services.contact_policy import SendPolicy
from connector.services.messages import delivery_failure, locked
from connector.services.registry import Registry
from connector.services.writeback import queue_activity
from connector.sms.port import ErrorCode, OutboundSms, SendError, SendResult, SmsPort
from connector.sms.segments import count
from connector.sms.twilio.statuses import IN_FLIGHT, PENDING, at_most
from connector.store.records import ContactRecord, MessageRecord, OutboxItem
from connector.store.uow import Store, UnitOfWork

log = logging.getLogger(__name__)

# Provider timestamps have whole seconds and its clock is not ours: look this much earlier when reconciling.
RECONCILE_SKEW = timedelta(minutes=2)
# Errors worth another try whatever the adapter says; "auth" waits for an admin to fix the credentials.
RETRY_CODES = frozenset({"throttled", "unavailable", "auth"})


@dataclass
class Report:
    """What one pass did with the rows it claimed."""

    claimed: int = 0
    sent: int = 0
    reconciled: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0
    deferred: int = 0  # the contact policy said "not now"; due again when it allows
    dropped: int = 0  # the contact policy said "never"; counted in failed too


@dataclass(frozen=True)
class _Plan:
    item: OutboxItem
    message: MessageRecord
    to: str
    since: datetime | None  # set when an earlier attempt's outcome is unknown: look it up before sending


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class Dispatcher:
    """Sends due outbox texts for one worker process; `run_once()` handles one claimed batch."""

    store: Store
    registry: Registry
    sms: SmsPort
    limiter: RateLimiter
    clock: Callable[[], datetime]
    sender: str = "default"
    callback_url: Callable[[str], str | None] = lambda key: None
    backoff: Backoff = field(default_factory=Backoff)
    lease: timedelta = timedelta(minutes=2)  # must exceed the adapter's HTTP timeout by a wide margin
    batch: int = 20
    worker_id: str = field(default_factory=default_worker_id)
    sleep: Callable[[float], object] = time.sleep
    random: Callable[[], float] = random.random
    stopping: Callable[[], bool] = lambda: False
    # Test-only: called right after the provider accepted a text, before it is recorded (the crash window).
    after_send: Callable[[OutboxItem], None] | None = None
    policy: SendPolicy | None = None  # None: the contact policy with the registry's flows and no overrides

    def __post_init__(self) -> None:
        if self.policy is None:
            self.policy = SendPolicy(self.registry)

    def run_once(self) -> Report:
        """Claim up to `batch` due texts and send each; the report says what became of them."""
        now = self.clock()
        with self.store.unit_of_work() as uow:
            items = uow.outbox.claim(now, self.batch, self.worker_id, lease=self.lease)
            uow.commit()
        report = Report(claimed=len(items))
        for n, item in enumerate(items):
            if self.stopping():
                self._release(items[n:])
                break
            if item.kind == "send_sms":
                self._dispatch(item, report)
        return report

    def _dispatch(self, item: OutboxItem, report: Report) -> None:
        plan = self._prepare(item, report)
        if plan is None:
            return
        # The sender's token only once the policy said send: a text deferred to the morning spends no send slot,
        # so a campaign queued at night is put back at database speed, not at the send rate.
        wait = self.limiter.reserve(self.sender)
        if wait > 0:
            self.sleep(wait)
        # Marked in flight after the wait, never before it: a wait while in flight could outlast the lease.
        if plan.since is None and not self._mark_in_flight(plan, report):
            return
        if plan.since is not None and self._reconcile(plan, report):
            return
        outbound = OutboundSms(
            plan.to, plan.message.body, item.idempotency_key, self.callback_url(item.idempotency_key)
        )
        try:
            result = self.sms.send(outbound)
        except SendError as err:
            self._failed(plan, err, report)
            return
        except Exception as exc:  # an adapter bug or an unwrapped network error: the outcome is unknown
            log.error("send %s raised %s", item.idempotency_key, mask_in_text(repr(exc)))
            self._failed(plan, SendError("unavailable", True, type(exc).__name__), report)
            return
        if self.after_send is not None:
            self.after_send(item)
        self._sent(plan, result)
        self.limiter.speed_up(self.sender)
        report.sent += 1

    def _prepare(self, item: OutboxItem, report: Report) -> _Plan | None:
        """Check the text may still go (the policy's answer committed); None when it may not, or not now."""
        now = self.clock()
        if item.claimed_until is None or item.claimed_until - now < self.lease / 4:
            report.skipped += 1  # too little lease left to send safely; it is due again when the lease ends
            return None
        with self.store.unit_of_work() as uow:
            message = uow.messages.by_action_id(item.idempotency_key)
            contact = uow.contacts.get(int(item.payload.get("contact_id") or 0))
            if message is None or contact is None:
                uow.outbox.fail(item.id, "no message or contact recorded for this text", now=now)
                uow.commit()
                report.failed += 1
                return None
            message = locked(uow, message)
            if message.provider_id is not None:  # the status hook matched it by its key after a crash
                uow.outbox.done(item.id, now=now)
                uow.commit()
                report.reconciled += 1
                return None
            if contact.opted_out:
                assert self.policy is not None
                self.policy.check(uow, item, message, contact, now)  # records the drop, and why, on the contact
                self._give_up(uow, item, message, "opted_out", "the contact opted out", None, now)
                uow.commit()
                report.failed += 1
                return None
            since = None
            if message.status == IN_FLIGHT:
                # An earlier attempt may have sent it: find out first; the policy already allowed that attempt.
                since = max(at for status, _, at in uow.messages.status_history(message.id) if status == IN_FLIGHT)
                since -= RECONCILE_SKEW
            elif not self._allowed(uow, item, message, contact, now, report):
                uow.commit()
                return None
            uow.commit()
        return _Plan(item, message, contact.phone, since)

    def _mark_in_flight(self, plan: _Plan, report: Report) -> bool:
        """Mark the text in flight (committed) just before the call; False, and it waits, if it may not go now."""
        now, item = self.clock(), plan.item
        if item.claimed_until is None or item.claimed_until - now < self.lease / 4:
            report.skipped += 1  # the rate limit's wait used the lease up; due again when it ends
            return False
        with self.store.unit_of_work() as uow:
            message = locked(uow, plan.message)
            contact = uow.contacts.get(message.contact_id)
            if message.status != plan.message.status or contact is None or contact.opted_out:
                # A STOP (or anything else) got in since the policy answered: the next claim decides afresh.
                uow.outbox.defer(item.id, now, "changed while waiting to send", now=now)
                uow.commit()
                report.skipped += 1
                return False
            uow.messages.record_status(message.id, IN_FLIGHT, at=now)
            uow.commit()
        return True

    def _allowed(
        self,
        uow: UnitOfWork,
        item: OutboxItem,
        message: MessageRecord,
        contact: ContactRecord,
        now: datetime,
        report: Report,
    ) -> bool:
        """Ask the contact policy; a deferral puts the text back until then, a drop fails it and tells its run."""
        assert self.policy is not None
        decision = self.policy.check(uow, item, message, contact, now)
        if decision.decision == "send":
            return True
        if decision.decision == "defer" and decision.until is not None:
            uow.outbox.defer(item.id, decision.until, decision.reason, now=now)
            report.deferred += 1
            log.info("deferred %s until %s: %s", item.idempotency_key, decision.until.isoformat(), decision.cause)
            return False
        self._give_up(uow, item, message, "blocked", decision.reason, None, now)
        report.dropped += 1
        report.failed += 1
        log.info("dropped %s (%s): %s", item.idempotency_key, decision.cause, mask_in_text(decision.reason))
        return False

    def _reconcile(self, plan: _Plan, report: Report) -> bool:
        """Whether the provider already has this text (an earlier attempt died unrecorded); if so, record it."""
        assert plan.since is not None
        try:
            found = self.sms.find_sent(plan.to, plan.message.body, plan.since)
        except SendError as err:
            self._failed(plan, SendError("unavailable", True, f"lookup failed: {err.reason}"), report)
            return True
        now = self.clock()
        with self.store.unit_of_work() as uow:
            message = locked(uow, plan.message)
            # A message another text of ours already claimed (same body, same number) is not this one.
            free = [m for m in found if _owner(uow, m.provider_id) in (None, message.id)]
            match = min(free, key=lambda m: m.created_at or now, default=None)
            if message.provider_id is None and match is None:
                return False
            if message.provider_id is None and match is not None:
                # Statuses past "sent" (and their error codes) arrive by status callback; recording them here
                # would make that callback look like a redelivery.
                status = at_most(match.status, "sent")
                uow.messages.mark_sent(message.id, provider_id=match.provider_id, status=status, at=now)
                _queue_written_back(uow, message, "sent", now)
                uow.audit.log(
                    "dispatch", "send_reconciled", plan.item.idempotency_key, {"sid": match.provider_id}, at=now
                )
            uow.outbox.done(plan.item.id, now=now)
            uow.commit()
        log.info("%s was sent before the last worker died; recorded, not resent", plan.item.idempotency_key)
        report.reconciled += 1
        return True

    def _sent(self, plan: _Plan, result: SendResult) -> None:
        now = self.clock()
        with self.store.unit_of_work() as uow:
            message = locked(uow, plan.message)
            if message.provider_id is None:
                segments = count(message.body)
                uow.messages.mark_sent(
                    message.id,
                    provider_id=result.provider_id,
                    status=result.status,
                    at=now,
                    segments=result.segments or segments.segments,
                    encoding=segments.encoding,
                )
                _queue_written_back(uow, message, "sent", now)
            uow.outbox.done(plan.item.id, now=now)
            uow.commit()
        log.info("sent %s to %s as %s", plan.item.idempotency_key, mask(plan.to), result.provider_id)

    def _failed(self, plan: _Plan, err: SendError, report: Report) -> None:
        now, item = self.clock(), plan.item
        reason = mask_in_text(f"{err.code}: {err.reason}")
        retry = (err.retryable or err.code in RETRY_CODES) and item.attempts < self.backoff.max_attempts
        with self.store.unit_of_work() as uow:
            message = locked(uow, plan.message)
            if retry:
                uow.outbox.retry(item.id, now + self.backoff.delay(item.attempts, self.random()), reason, now=now)
                if err.code in ("throttled", "auth") and plan.since is None:
                    # Refused before anything was created, and no earlier attempt is in doubt: not in flight.
                    uow.messages.record_status(message.id, PENDING, at=now)
            else:
                self._give_up(uow, item, message, err.code, reason, err.provider_code, now)
            uow.commit()
        if err.code == "throttled":
            self.limiter.slow_down(self.sender)
        report.retried += retry
        report.failed += not retry
        log.warning("send %s %s: %s", item.idempotency_key, "will retry" if retry else "failed", reason)

    def _give_up(
        self,
        uow: UnitOfWork,
        item: OutboxItem,
        message: MessageRecord,
        code: ErrorCode,
        reason: str,
        provider_code: str | None,
        now: datetime,
    ) -> None:
        uow.outbox.fail(item.id, reason, now=now)
        uow.messages.record_status(message.id, "failed", at=now, error_code=provider_code or code)
        _queue_written_back(uow, message, "status", now)
        delivery_failure(uow, self.registry, message, code, now, provider_code=provider_code)

    def _release(self, items: list[OutboxItem]) -> None:
        """Hand unsent claims back at shutdown, so the next worker need not wait for their leases."""
        now = self.clock()
        with self.store.unit_of_work() as uow:
            for item in items:
                uow.outbox.retry(item.id, now, "released at shutdown", now=now)
            uow.commit()


def _queue_written_back(uow: UnitOfWork, message: MessageRecord, kind: ActivityKind, now: datetime) -> None:
    """Queue the text's activity for the CRM timeline, from the row as just recorded."""
    fresh = uow.messages.by_action_id(message.action_id) if message.action_id else None
    if fresh is not None:
        queue_activity(uow, fresh, kind, at=now)


def _owner(uow: UnitOfWork, provider_id: str) -> int | None:
    """The id of our message recorded under this provider id, if any."""
    owner = uow.messages.by_provider_id(provider_id)
    return None if owner is None else owner.id
