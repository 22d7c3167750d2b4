"""Runs and flow versions: a RunState reads back exactly as saved, and runs are found by contact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from connector.engine.model import Record, RunState, Visit
from connector.store.uow import Store

from .builders import T0, make_state


def _rich_state() -> RunState:
    """A state using every field, with values JSON could plausibly mangle."""
    paris = timezone(timedelta(hours=2))
    return RunState(
        run_id="run-42",
        flow="booking-confirm",
        flow_version="sha256:9f86d081884c7d65",
        category="marketing",
        record=Record(
            object="Lead",
            id="00Q000000000042",
            fields={"Name": "Zoë Ångström 👋", "Score": 9.75, "Hot": True, "Owner": None, "Tags": ["a", "b"]},
        ),
        vars={"z_last": 1, "a_first": {"nested": [1, 2.5, "три"]}, "time_zone": "Europe/Paris"},
        owner={"first_name": "Sam", "phone": "+12025550100"},
        status="waiting",
        step="pick_time",
        waiting_for="reply",
        timer_id="run-42:7:timer",
        wait_until=datetime(2024, 6, 3, 17, 30, 15, 123456, tzinfo=paris),
        seq=7,
        answers={"confirm": "yes"},
        outcomes={"confirm": "yes"},
        sent=["run-42:1:send", "run-42:5:send"],
        history=[
            Visit(step="confirm", at=T0, outcome="yes", reply="Yes 👍"),
            Visit(step="pick_time", at=T0 + timedelta(minutes=3)),
        ],
        opted_out=False,
    )


def test_run_state_round_trips_unchanged(store: Store, contact_id: int) -> None:
    state = _rich_state()
    with store.unit_of_work() as uow:
        uow.runs.save(state, contact_id=contact_id, now=T0)
        uow.commit()
    with store.unit_of_work() as uow:
        loaded = uow.runs.get("run-42")
    assert loaded == state
    assert loaded is not None and loaded.model_dump_json() == state.model_dump_json()


def test_saving_again_replaces_the_state(store: Store, contact_id: int) -> None:
    with store.unit_of_work() as uow:
        uow.runs.save(make_state(), contact_id=contact_id, now=T0)
        uow.runs.save(make_state(seq=1, step="thanks", status="active", waiting_for=None), contact_id=contact_id)
        uow.commit()
        loaded = uow.runs.get("run-1", for_update=True)
        contact = uow.runs.contact_of("run-1")
    assert loaded is not None and (loaded.step, loaded.status, loaded.seq) == ("thanks", "active", 1)
    assert contact == contact_id


def test_unknown_run_is_none(store: Store) -> None:
    with store.unit_of_work() as uow:
        assert uow.runs.get("nope") is None
        assert uow.runs.by_dedupe_key("nope") is None


def test_waiting_runs_of_a_contact_most_recently_moved_first(store: Store, contact_id: int) -> None:
    with store.unit_of_work() as uow:
        other = uow.contacts.get_or_create("+12025550199", now=T0).id
        uow.runs.save(make_state("older"), contact_id=contact_id, now=T0)
        uow.runs.save(make_state("newer"), contact_id=contact_id, now=T0 + timedelta(minutes=5))
        uow.runs.save(make_state("ended", status="ended"), contact_id=contact_id, now=T0 + timedelta(hours=1))
        uow.runs.save(make_state("someone-else"), contact_id=other, now=T0 + timedelta(hours=1))
        uow.commit()
    with store.unit_of_work() as uow:
        waiting = [state.run_id for state in uow.runs.waiting_for_contact(contact_id)]
    assert waiting == ["newer", "older"]


def test_flow_version_is_kept_once(store: Store) -> None:
    definition = {"flow": "booking-confirm", "steps": {"confirm": {"send": "Hi {{ first_name }}"}}}
    with store.unit_of_work() as uow:
        assert uow.flows.add("booking-confirm", "v1", definition, now=T0) is True
        assert uow.flows.add("booking-confirm", "v1", {"changed": True}, now=T0) is False
        uow.commit()
    with store.unit_of_work() as uow:
        assert uow.flows.get("booking-confirm", "v1") == definition
        assert uow.flows.get("booking-confirm", "v2") is None


def test_datetimes_read_back_aware_in_utc(store: Store, contact_id: int) -> None:
    local = datetime(2024, 6, 3, 11, 0, tzinfo=timezone(timedelta(hours=-4)))
    with store.unit_of_work() as uow:
        uow.runs.save(make_state(), contact_id=contact_id, now=T0)
        uow.timers.add("t", "run-1", local)
        uow.commit()
    with store.unit_of_work() as uow:
        timer = uow.timers.get("t")
    assert timer is not None
    assert timer.due_at == local and timer.due_at.tzinfo == UTC
