"""The contact policy in the outbox dispatcher: every text is asked about first, and every answer is recorded.

Deferred texts wait in the outbox until the moment the policy names and then go; dropped ones fail and tell their
run; decisions are kept per contact. Time is the FakeClock of test_dispatch.py: nothing sleeps.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from test_dispatch import PHONE, ClockedSms, FakeClock, clock, lead, make, registry, sms, start

from connector.config.flow import QuietHours
from connector.engine.policy import PolicyOverrides
from connector.ratelimit import RateLimiter
from connector.services.contact_policy import SendPolicy
from connector.services.messages import queue_text
from connector.services.registry import Registry
from connector.services.runs import start_run
from connector.store.uow import Store

__all__ = ["clock", "registry", "sms"]  # fixtures shared with test_dispatch.py

# 14:00 UTC is 09:00 in New York; 03:00 UTC is 22:00 the evening before: outside 08:00-21:00.
NIGHT = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
NEXT_MORNING = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)  # 08:00 America/New_York


def decisions(store: Store, phone: str = PHONE) -> list[tuple[str, str]]:
    with store.unit_of_work() as uow:
        contact = uow.contacts.by_phone(phone)
        assert contact is not None
        return [(d.decision, d.cause) for d in uow.decisions.for_contact(contact.id)]


def message_status(store: Store, key: str) -> tuple[str, str | None]:
    with store.unit_of_work() as uow:
        message = uow.messages.by_action_id(key)
        assert message is not None
        return message.status, message.error_code


def start_promo(store: Store, registry: Registry, at: datetime, record_id: str, **changes: Any) -> str:
    with store.unit_of_work() as uow:
        started = start_run(
            uow,
            registry,
            registry.flows["promo-reactivation"],
            obj="Lead",
            record_id=record_id,
            fields=lead(Id=record_id, **changes),
            cause=f"campaign:{record_id}",
            at=at,
        )
        uow.commit()
    assert started.step is not None, started.reason
    return started.step.state.sent[0]


def test_a_text_queued_at_night_waits_for_the_morning_then_goes(
    store: Store, registry: Registry, sms: ClockedSms, clock: FakeClock
) -> None:
    clock.now = NIGHT
    key = start(store, registry)
    dispatcher = make(store, registry, sms, clock)

    report = dispatcher.run_once()

    assert (report.deferred, report.sent, sms.sent_at) == (1, 0, [])
    with store.unit_of_work() as uow:
        item = uow.outbox.get(key)
        assert item is not None
        assert (item.status, item.next_attempt_at, item.attempts) == ("pending", NEXT_MORNING, 0)
        assert "outside the window" in (item.last_error or "")
        contact = uow.contacts.by_phone(PHONE)
        assert contact is not None
        [deferral] = uow.decisions.for_contact(contact.id)
        assert (deferral.decision, deferral.cause, deferral.until, deferral.flow) == (
            "defer",
            "window",
            NEXT_MORNING,
            "booking-confirm",
        )
        assert deferral.local_window == "08:00-21:00 America/New_York"
    assert message_status(store, key) == ("pending", None)

    clock.now = NEXT_MORNING - timedelta(minutes=1)
    assert dispatcher.run_once().claimed == 0  # not due yet: nothing is asked, nothing recorded
    clock.now = NEXT_MORNING
    report = dispatcher.run_once()

    assert (report.sent, sms.sent_at) == (1, [NEXT_MORNING])
    assert decisions(store) == [("defer", "window"), ("send", "ok")]
    with store.unit_of_work() as uow:
        assert uow.decisions.count(decision="defer", cause="window") == 1
        message = uow.messages.by_action_id(key)
        assert message is not None and message.sent_at == NEXT_MORNING


def test_texts_deferred_at_night_spend_no_send_slots(
    store: Store, registry: Registry, sms: ClockedSms, clock: FakeClock
) -> None:
    clock.now = NIGHT
    keys = [
        start_promo(store, registry, NIGHT, f"00Q5e00000Hk{n:03d}EAJ", MobilePhone=f"+1202555{n:04d}")
        for n in range(30)
    ]
    # One text a second: had each deferral taken a token, putting 30 back would take half a minute.
    dispatcher = make(store, registry, sms, clock, limiter=RateLimiter(1, clock=clock.monotonic), batch=50)
    report = dispatcher.run_once()
    assert (report.claimed, report.deferred, report.sent) == (30, 30, 0)
    assert clock.now == NIGHT, "no waiting for the rate limit"
    with store.unit_of_work() as uow:
        assert {uow.outbox.get(key).status for key in keys} == {"pending"}  # type: ignore[union-attr]


def test_a_lead_marked_invalid_after_the_run_started_is_not_texted(
    store: Store, registry: Registry, sms: ClockedSms, clock: FakeClock
) -> None:
    key = start(store, registry)
    with store.unit_of_work() as uow:  # a rep marks the lead Unqualified; ingest keeps the record as seen
        uow.crm_state.remember("Lead", "00Q5e00000Hk7PbEAJ", lead(Status="Unqualified"), None, at=clock())
        uow.commit()

    report = make(store, registry, sms, clock).run_once()

    assert (report.dropped, report.failed, sms.sent_at) == (1, 1, [])
    assert message_status(store, key) == ("failed", "blocked")
    assert decisions(store) == [("drop", "record")]
    with store.unit_of_work() as uow:
        item = uow.outbox.get(key)
        assert item is not None and item.status == "failed"
        assert "never_text_when" in (item.last_error or "")
        run = uow.runs.get(key.split(":", 1)[0])
        assert run is not None and run.status == "ended"


def test_an_opted_out_contact_gets_nothing_and_the_reason_is_kept(
    store: Store, registry: Registry, sms: ClockedSms, clock: FakeClock
) -> None:
    key = start(store, registry)
    with store.unit_of_work() as uow:
        contact = uow.contacts.by_phone(PHONE)
        assert contact is not None
        uow.contacts.set_opted_out(contact.id, True, source="sms", at=clock())
        uow.commit()

    make(store, registry, sms, clock).run_once()

    assert sms.sent_at == []
    assert message_status(store, key) == ("failed", "opted_out")
    assert decisions(store) == [("drop", "consent")]


def test_marketing_needs_the_opt_in_on_the_record(
    store: Store, registry: Registry, sms: ClockedSms, clock: FakeClock
) -> None:
    clock.now = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)  # 11:00 in New York, inside the promo's 10:00-19:00
    key = start_promo(store, registry, clock(), "00Q5e00000PromoA1", SMS_Marketing_Opt_In__c=False)

    make(store, registry, sms, clock).run_once()

    assert sms.sent_at == []
    assert message_status(store, key) == ("failed", "blocked")
    assert decisions(store) == [("drop", "consent")]
    with store.unit_of_work() as uow:
        contact = uow.contacts.by_phone(PHONE)
        assert contact is not None
        history = [(c.category, c.state, c.source) for c in uow.contacts.consent_history(contact.id)]
        assert history == [("marketing", "revoked", "crm")]


def test_marketing_caps_count_texts_across_flows_and_defer_the_next(
    store: Store, registry: Registry, sms: ClockedSms, clock: FakeClock
) -> None:
    clock.now = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
    first = start_promo(store, registry, clock(), "00Q5e00000PromoA1")
    dispatcher = make(store, registry, sms, clock)
    assert dispatcher.run_once().sent == 1

    clock.now += timedelta(hours=1)  # another lead record with the same mobile: the contact's cap is shared
    second = start_promo(store, registry, clock(), "00Q5e00000PromoB2")
    report = dispatcher.run_once()

    assert (report.deferred, len(sms.sent_at)) == (1, 1)
    assert decisions(store) == [("send", "ok"), ("defer", "cap")]
    with store.unit_of_work() as uow:
        item = uow.outbox.get(second)
        assert item is not None
        # per_day 1 (rolling): free again 24 h after the first went, at 11:00 New York, inside 10:00-19:00.
        assert item.next_attempt_at == datetime(2026, 11, 24, 16, 0, tzinfo=UTC)
        assert "cap of 1 a day" in (item.last_error or "")
    assert message_status(store, first)[0] == "queued"  # accepted by the provider


def test_the_answer_to_help_goes_at_once_even_at_night(
    store: Store, registry: Registry, sms: ClockedSms, clock: FakeClock
) -> None:
    clock.now = NIGHT
    with store.unit_of_work() as uow:
        contact = uow.contacts.get_or_create(PHONE, time_zone="America/New_York", now=clock())
        queue_text(uow, contact.id, "help:SM1", "Acme Homes: reply STOP to opt out.", clock())
        uow.commit()

    report = make(store, registry, sms, clock).run_once()

    assert (report.sent, report.deferred) == (1, 0)
    assert decisions(store) == [("send", "response")]


def test_admin_overrides_narrow_a_region_window(
    store: Store, registry: Registry, sms: ClockedSms, clock: FakeClock
) -> None:
    key = start(store, registry)  # 09:00 in New York: inside the default window, outside a 10:00 start
    overrides = PolicyOverrides(regions={"US": QuietHours.model_validate("10:00-20:00")})

    report = make(store, registry, sms, clock, policy=SendPolicy(registry, overrides)).run_once()

    assert report.deferred == 1
    with store.unit_of_work() as uow:
        item = uow.outbox.get(key)
        assert item is not None and item.next_attempt_at == datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def test_a_text_whose_earlier_attempt_is_in_doubt_is_reconciled_not_re_decided(
    store: Store, registry: Registry, sms: ClockedSms, clock: FakeClock
) -> None:
    key = start(store, registry)
    dispatcher = make(store, registry, sms, clock)
    with store.unit_of_work() as uow:  # a worker marked it in flight at 09:00, then died
        message = uow.messages.by_action_id(key)
        assert message is not None
        uow.messages.record_status(message.id, "in_flight", at=clock())
        uow.commit()
    clock.now = NIGHT  # the lease ran out at night: the policy would defer, but the text may be out already

    dispatcher.run_once()

    assert decisions(store) == []
    assert len(sms.sent_at) == 1 and sms.lookups == 1
