"""The needs-a-person queue is fed by receive_sms: a reply no run took, or one its run did not understand."""

from __future__ import annotations

from admin_seed import Seeded
from conftest import NOW

from connector.bootstrap import Container
from connector.services.messages import InboundSms, receive_sms


def receive(container: Container, sid: str, phone: str, body: str) -> str:
    with container.store.unit_of_work() as uow:
        outcome = receive_sms(uow, container.registry, InboundSms(sid, phone, body), NOW)
        uow.commit()
    return outcome


def open_bodies(container: Container) -> list[str]:
    with container.store.unit_of_work() as uow:
        return [item.body for item in uow.attention.open()]


def test_seeded_queue_has_one_of_each_kind(container: Container, seeded: Seeded) -> None:
    with container.store.unit_of_work() as uow:
        items = uow.attention.open()
    assert [(i.reason, i.flow) for i in items] == [("not_understood", "missed-call"), ("no_run", None)]


def test_understood_replies_and_stop_do_not_queue(container: Container, seeded: Seeded) -> None:
    assert open_bodies(container) == [
        "Who is this? I only asked for a quote",
        "Hi, is this the roofing company? Do you do gutters?",
    ]


def test_a_redelivered_reply_queues_once(container: Container) -> None:
    receive(container, "SM" + "1" * 32, "+12025550160", "hello?")
    assert receive(container, "SM" + "1" * 32, "+12025550160", "hello?") == "duplicate"
    assert open_bodies(container) == ["hello?"]


def test_a_reply_after_the_run_ended_needs_a_person(container: Container, seeded: Seeded) -> None:
    receive(container, "SM" + "2" * 32, "+12025550143", "One more thing: can I bring my dog?")
    assert open_bodies(container)[-1] == "One more thing: can I bring my dog?"
