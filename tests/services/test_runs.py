"""The host around the engine: runs start, move and end in one transaction with their side effects.

Runs on SQLite always and on PostgreSQL when SMSFLOW_TEST_DATABASE_URL is set (the `store` fixture).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from connector.services.registry import Registry
from connector.services.runs import deliver_reply, delivery_failed, fire_timer, opt_out, start_run
from connector.store.tables import AuditEntry, Message, Outbox, Run, Timer, Writeback
from connector.store.uow import Store

ROOT = Path(__file__).resolve().parents[2]
RECORDS = ROOT / "tests" / "flows" / "records"
T0 = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.load(ROOT / "flows", ROOT / "mappings", ROOT / "manifest.yaml")


def lead(name: str = "lead-booking.json", **changes: Any) -> dict[str, Any]:
    fields = json.loads((RECORDS / name).read_text(encoding="utf-8"))
    fields.pop("attributes")
    fields.update(changes)
    return fields


def count(store: Store, model: type, **where: Any) -> int:
    with store.unit_of_work() as uow:
        stmt = select(func.count()).select_from(model)
        for column, value in where.items():
            stmt = stmt.where(getattr(model, column) == value)
        return uow.session.scalar(stmt) or 0


def start(store: Store, registry: Registry, flow: str = "booking-confirm", cause: str = "evt-1", **kw: Any):
    fields = kw.pop("fields", None) or lead()
    with store.unit_of_work() as uow:
        result = start_run(
            uow,
            registry,
            registry.flows[flow],
            obj="Lead",
            record_id=fields["Id"],
            fields=fields,
            cause=cause,
            at=kw.pop("at", T0),
        )
        uow.commit()
    return result


def test_start_queues_the_text_and_the_timer_with_the_run(store: Store, registry: Registry) -> None:
    result = start(store, registry)
    assert result.status == "started"
    assert count(store, Run, status="waiting") == 1
    assert count(store, Outbox, kind="send_sms", status="pending") == 1
    assert count(store, Message, direction="out") == 1
    assert count(store, Timer, status="pending") == 1


def test_crash_before_commit_leaves_nothing_behind(store: Store, registry: Registry) -> None:
    fields = lead()
    with pytest.raises(RuntimeError), store.unit_of_work() as uow:
        start_run(
            uow,
            registry,
            registry.flows["booking-confirm"],
            obj="Lead",
            record_id=fields["Id"],
            fields=fields,
            cause="evt-1",
            at=T0,
        )
        raise RuntimeError("the process dies before commit")
    assert count(store, Run) == count(store, Outbox) == count(store, Timer) == 0
    assert start(store, registry).status == "started", "the redelivered event starts the run once"
    assert count(store, Outbox) == 1


def test_redelivered_event_starts_nothing_twice(store: Store, registry: Registry) -> None:
    assert start(store, registry, cause="evt-1").status == "started"
    assert start(store, registry, cause="evt-1").status == "duplicate"
    assert count(store, Run) == 1 and count(store, Outbox) == 1


def test_dedupe_key_stops_a_second_trigger_within_the_window(store: Store, registry: Registry) -> None:
    assert start(store, registry, cause="webhook-1").status == "started"
    second = start(store, registry, cause="polling-7", at=T0 + timedelta(hours=1))
    assert second.status == "duplicate"
    assert count(store, Outbox) == 1


def test_dedupe_key_is_free_again_after_the_window(store: Store, registry: Registry) -> None:
    assert start(store, registry, cause="a").status == "started"
    later = start(store, registry, cause="b", at=T0 + timedelta(days=8))
    assert later.status == "started"
    assert count(store, Run) == 2


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        pytest.param({"MobilePhone": "not a phone", "Phone": None}, "no_phone", id="no-valid-number-no-run"),
        pytest.param({"SMS_Opt_Out__c": True}, "opted_out", id="crm-opt-out-field-blocks"),
        pytest.param({"Status": "Unqualified"}, "never_text", id="lead-marked-invalid-is-never-texted"),
        pytest.param({"DoNotCall": True}, "never_text", id="do-not-call-is-never-texted"),
        pytest.param({"MobilePhone": None, "Phone": "(202) 555-0143"}, "started", id="fallback-phone-is-used"),
    ],
)
def test_records_that_may_not_be_texted(store: Store, registry: Registry, changes: dict, status: str) -> None:
    result = start(store, registry, fields=lead(**changes))
    assert result.status == status, result.reason
    if status != "started":
        assert count(store, Outbox) == 0
        assert count(store, AuditEntry, action=f"run_not_started:{status}") == 1


def test_reply_moves_the_waiting_run_and_queues_writebacks(store: Store, registry: Registry) -> None:
    start(store, registry)
    with store.unit_of_work() as uow:
        result = deliver_reply(uow, registry, "+12025550143", "Yes, see you then", T0 + timedelta(minutes=5))
        uow.commit()
    assert result.outcome == "yes"
    assert count(store, Run, status="ended") == 1
    assert count(store, Writeback, kind="update_record") == 1
    assert count(store, Outbox, kind="send_sms") == 2
    assert count(store, Timer, status="pending") == 0, "the reply beat the timer; it no longer fires"


def test_reply_from_a_stranger_moves_nothing(store: Store, registry: Registry) -> None:
    start(store, registry)
    with store.unit_of_work() as uow:
        result = deliver_reply(uow, registry, "+14155550199", "yes", T0)
    assert result.run_id is None


def test_stop_opts_out_and_nothing_more_is_sent(store: Store, registry: Registry) -> None:
    start(store, registry)
    start(store, registry, flow="missed-call", cause="call-1", fields=lead(Id="00Q5e00000Hk7PbEAJ"))
    with store.unit_of_work() as uow:
        result = deliver_reply(uow, registry, "+12025550143", "STOP", T0 + timedelta(minutes=5))
        uow.commit()
    assert result.outcome == "stop"
    assert count(store, Run, status="ended") == 2, "every waiting run of the contact ends"
    assert count(store, Outbox, kind="send_sms") == 2, "only the two first texts, nothing after STOP"
    again = start(store, registry, cause="evt-9", at=T0 + timedelta(days=30))
    assert again.status == "opted_out"


def test_timeout_fires_once_and_sends_the_reminder(store: Store, registry: Registry) -> None:
    result = start(store, registry)
    assert result.step is not None
    timer_id = result.step.state.timer_id
    due = T0 + timedelta(hours=24)
    with store.unit_of_work() as uow:
        timers = uow.timers.due(due, 10)
        assert [t.id for t in timers] == [timer_id]
        fire_timer(uow, registry, timers[0].run_id, timers[0].id, due)
        uow.commit()
    with store.unit_of_work() as uow:
        assert uow.timers.due(due, 10) == []
    assert count(store, Outbox, kind="send_sms") == 2


def test_provider_opt_out_counts_as_stop(store: Store, registry: Registry) -> None:
    result = start(store, registry)
    assert result.step is not None
    with store.unit_of_work() as uow:
        step = delivery_failed(uow, registry, result.step.state.sent[0], "opted_out", T0)
        uow.commit()
    assert step is not None and step.state.opted_out and step.state.status == "ended"


def test_run_finishes_on_the_flow_version_it_started_on(store: Store, registry: Registry) -> None:
    start(store, registry)
    changed = registry.flows["booking-confirm"].model_copy(update={"version": "newer"})
    newer = Registry(flows={**registry.flows, "booking-confirm": changed}, mappings=registry.mappings)
    with store.unit_of_work() as uow:
        result = deliver_reply(uow, newer, "+12025550143", "no", T0 + timedelta(minutes=5))
        uow.commit()
    assert result.outcome == "no"


def test_opt_out_with_no_contact_is_a_no_op(store: Store, registry: Registry) -> None:
    with store.unit_of_work() as uow:
        assert opt_out(uow, registry, "+12025550100", T0, source="crm") == 0


@pytest.mark.parametrize(
    ("phone", "zone_field", "says"),
    [
        pytest.param("+13105550143", None, "9:30am", id="no-zone-field-los-angeles-number"),
        pytest.param("+13105550143", "America/New_York", "12:30pm", id="the-record-field-wins"),
        pytest.param("+447700900123", None, "5:30pm", id="uk-mobile"),
    ],
)
def test_dates_in_texts_read_in_the_contacts_zone(
    store: Store, registry: Registry, phone: str, zone_field: str | None, says: str
) -> None:
    # Booking_Time__c is 2026-11-25 17:30 UTC: 09:30 in Los Angeles, 12:30 in New York, 17:30 in London.
    fields = lead(MobilePhone=phone, SMS_Time_Zone__c=zone_field, Booking_Time__c="2026-11-25T17:30:00.000+0000")
    started = start(store, registry, fields=fields)
    assert started.step is not None, started.reason
    [text] = [a for a in started.step.actions if a.type == "send_sms"]
    assert says in text.body
    with store.unit_of_work() as uow:
        contact = uow.contacts.by_phone(phone)
        # The contact keeps only a zone the record named: the policy reads every zone of the number otherwise.
        assert contact is not None and contact.time_zone == zone_field


@pytest.mark.parametrize(
    ("now_on_record", "sends"),
    [
        pytest.param({}, True, id="unchanged-the-reminder-goes"),
        pytest.param({"Booking_Time__c": "2026-11-27T15:30:00.000+0000"}, False, id="moved-the-old-run-ends-quietly"),
        pytest.param({"Status": "Cancelled"}, False, id="cancelled-the-run-ends-quietly"),
    ],
)
def test_a_reminder_timer_reads_the_record_as_last_seen(
    store: Store, registry: Registry, now_on_record: dict[str, Any], sends: bool
) -> None:
    started = start(store, registry, flow="appointment-reminder", fields=lead("lead-booked.json"))
    assert started.step is not None and started.run_id is not None, started.reason
    timer = started.step.state.timer_id
    assert timer is not None
    with store.unit_of_work() as uow:  # what ingest or polling saw of the lead since
        uow.crm_state.remember("Lead", "00Q5e00000Hk7PbEAJ", lead("lead-booked.json", **now_on_record), None, at=T0)
        uow.commit()

    due = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)  # a day before 2026-11-25 15:30
    with store.unit_of_work() as uow:
        step = fire_timer(uow, registry, started.run_id, timer, due)
        uow.commit()

    assert step is not None
    assert any(a.type == "send_sms" for a in step.actions) is sends
    assert (step.state.status == "ended") is not sends
