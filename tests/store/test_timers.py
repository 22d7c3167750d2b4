"""Timers: due ones fire once, earliest first; cancelled ones never fire."""

from __future__ import annotations

from datetime import timedelta

import pytest

from connector.store.uow import Store

from .builders import T0, make_state

HOUR = timedelta(hours=1)


@pytest.fixture
def timers(store: Store, contact_id: int) -> Store:
    """Three timers of run-1 due at T0+1h, T0+2h and T0+3h, and one of run-2 due at T0+1h."""
    with store.unit_of_work() as uow:
        uow.runs.save(make_state("run-1"), contact_id=contact_id, now=T0)
        uow.runs.save(make_state("run-2"), contact_id=contact_id, now=T0)
        for n in (3, 1, 2):
            uow.timers.add(f"run-1:{n}:timer", "run-1", T0 + n * HOUR)
        uow.timers.add("run-2:1:timer", "run-2", T0 + HOUR)
        uow.commit()
    return store


def _due(store: Store, at: timedelta, limit: int = 10) -> list[str]:
    with store.unit_of_work() as uow:
        ids = [timer.id for timer in uow.timers.due(T0 + at, limit)]
        uow.commit()
    return ids


def test_due_returns_timers_due_by_now_earliest_first(timers: Store) -> None:
    assert _due(timers, 2 * HOUR) == ["run-1:1:timer", "run-2:1:timer", "run-1:2:timer"]


def test_nothing_is_due_before_its_time(timers: Store) -> None:
    assert _due(timers, HOUR - timedelta(microseconds=1)) == []


def test_due_respects_the_limit(timers: Store) -> None:
    assert _due(timers, 3 * HOUR, limit=2) == ["run-1:1:timer", "run-2:1:timer"]
    assert _due(timers, 3 * HOUR, limit=2) == ["run-1:2:timer", "run-1:3:timer"]


def test_fired_timer_is_not_due_again(timers: Store) -> None:
    _due(timers, HOUR)
    assert _due(timers, 10 * HOUR) == ["run-1:2:timer", "run-1:3:timer"]
    with timers.unit_of_work() as uow:
        fired = uow.timers.get("run-1:1:timer")
    assert fired is not None and (fired.status, fired.fired_at) == ("fired", T0 + HOUR)


def test_firing_rolled_back_leaves_the_timer_pending(timers: Store) -> None:
    with timers.unit_of_work() as uow:
        assert len(uow.timers.due(T0 + HOUR, 10)) == 2
    assert _due(timers, HOUR) == ["run-1:1:timer", "run-2:1:timer"]


def test_cancelled_timers_never_fire(timers: Store) -> None:
    with timers.unit_of_work() as uow:
        assert uow.timers.cancel_for_run("run-1") == 3
        uow.commit()
    assert _due(timers, 10 * HOUR) == ["run-2:1:timer"]


def test_cancel_can_keep_the_timer_the_run_waits_on(timers: Store) -> None:
    with timers.unit_of_work() as uow:
        assert uow.timers.cancel_for_run("run-1", keep="run-1:3:timer") == 2
        pending = [timer.id for timer in uow.timers.pending_for_run("run-1")]
    assert pending == ["run-1:3:timer"]


def test_cancel_leaves_fired_timers_fired(timers: Store) -> None:
    _due(timers, HOUR)
    with timers.unit_of_work() as uow:
        uow.timers.cancel_for_run("run-1")
        fired = uow.timers.get("run-1:1:timer")
    assert fired is not None and fired.status == "fired"


def test_timer_id_is_set_once(timers: Store) -> None:
    with timers.unit_of_work() as uow:
        assert uow.timers.add("run-1:1:timer", "run-1", T0 + 9 * HOUR) is False
        timer = uow.timers.get("run-1:1:timer")
    assert timer is not None and timer.due_at == T0 + HOUR
