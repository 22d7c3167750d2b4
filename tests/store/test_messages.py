"""Messages: inbound redeliveries are no-ops, and every status change is kept in order."""

from __future__ import annotations

from datetime import timedelta

from connector.store.uow import Store

from .builders import T0


def test_redelivered_inbound_text_is_a_no_op(store: Store, contact_id: int) -> None:
    with store.unit_of_work() as uow:
        first = uow.messages.add_inbound(provider_id="SM1", contact_id=contact_id, body="YES", at=T0)
        again = uow.messages.add_inbound(provider_id="SM1", contact_id=contact_id, body="YES", at=T0)
        uow.commit()
        message = uow.messages.by_provider_id("SM1")
    assert (first, again) == (True, False)
    assert message is not None and (message.direction, message.status, message.body) == ("in", "received", "YES")


def test_status_history_is_kept_in_order(store: Store, contact_id: int) -> None:
    with store.unit_of_work() as uow:
        uow.messages.add_outbound(action_id="run-1:1:send", contact_id=contact_id, body="Hi", at=T0)
        message = uow.messages.by_action_id("run-1:1:send")
        assert message is not None
        uow.messages.mark_sent(message.id, provider_id="SM9", status="queued", segments=1, encoding="GSM-7", at=T0)
        uow.messages.record_status(message.id, "sent", at=T0 + timedelta(seconds=1))
        uow.messages.record_status(message.id, "undelivered", error_code="30003", at=T0 + timedelta(seconds=5))
        uow.commit()
    with store.unit_of_work() as uow:
        stored = uow.messages.by_provider_id("SM9")
        history = uow.messages.status_history(message.id)
    assert stored is not None
    assert (stored.status, stored.error_code, stored.segments, stored.encoding) == (
        "undelivered",
        "30003",
        1,
        "GSM-7",
    )
    assert history == [
        ("pending", None, T0),
        ("queued", None, T0),
        ("sent", None, T0 + timedelta(seconds=1)),
        ("undelivered", "30003", T0 + timedelta(seconds=5)),
    ]
