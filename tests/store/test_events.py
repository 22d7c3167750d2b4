"""Ingested events: a redelivered event is a no-op, and claiming pending events."""

from __future__ import annotations

from collections.abc import Callable

from connector.store.tables import AuditEntry, Event
from connector.store.uow import Store, UnitOfWork

from .builders import T0


def _event(uow: UnitOfWork, event_id: str = "evt-1", source: str = "salesforce-cdc") -> bool:
    return uow.events.add(
        source,
        event_id,
        object="Lead",
        record_id="00Q000000000001",
        kind="created",
        payload={"Status": "Open"},
        received_at=T0,
    )


def _add(store: Store, event_id: str = "evt-1", source: str = "salesforce-cdc") -> bool:
    with store.unit_of_work() as uow:
        added = _event(uow, event_id, source)
        uow.commit()
    return added


def test_redelivered_event_is_a_no_op(store: Store, count: Callable[..., int]) -> None:
    assert _add(store) is True
    assert _add(store) is False
    assert count(Event) == 1


def test_duplicate_event_leaves_the_transaction_usable(store: Store, count: Callable[..., int]) -> None:
    _add(store)
    with store.unit_of_work() as uow:
        again = _event(uow)
        uow.audit.log("test", "noted", "evt-1", {"again": again}, at=T0)
        uow.commit()
    assert again is False
    assert count(AuditEntry) == 1


def test_same_event_id_from_another_source_is_a_new_event(store: Store, count: Callable[..., int]) -> None:
    _add(store)
    assert _add(store, source="salesforce-outbound") is True
    assert count(Event) == 2


def test_processed_event_is_no_longer_pending(store: Store) -> None:
    _add(store, "evt-1")
    _add(store, "evt-2")
    with store.unit_of_work() as uow:
        first, second = uow.events.pending(10)
        uow.events.mark(first.id, "processed", at=T0)
        uow.events.mark(second.id, "failed", at=T0, error="no mapping for Lead")
        uow.commit()
    with store.unit_of_work() as uow:
        assert uow.events.pending(10) == []
        failed = uow.events.get("salesforce-cdc", "evt-2")
    assert failed is not None
    assert (failed.status, failed.error, failed.processed_at) == ("failed", "no mapping for Lead", T0)


def test_event_claimed_by_a_rolled_back_unit_of_work_stays_pending(store: Store) -> None:
    _add(store)
    with store.unit_of_work() as uow:
        (event,) = uow.events.pending(10)
        uow.events.mark(event.id, "processed", at=T0)
    with store.unit_of_work() as uow:
        assert [e.source_event_id for e in uow.events.pending(10)] == ["evt-1"]
