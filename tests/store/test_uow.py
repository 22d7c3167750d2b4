"""The unit of work keeps nothing unless commit() is reached, and never loses what was committed before."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from connector.store.tables import AuditEntry, Contact
from connector.store.uow import Store

from .builders import T0


def test_work_without_commit_adds_nothing_and_keeps_earlier_commits(store: Store, count: Callable[..., int]) -> None:
    with store.unit_of_work() as uow:
        uow.contacts.get_or_create("+12025550143", now=T0)
        uow.commit()
    with store.unit_of_work() as uow:
        uow.contacts.get_or_create("+12025550144", now=T0)
        uow.audit.log("test", "created", "+12025550144", at=T0)
    assert count(Contact) == 1
    assert count(Contact, phone="+12025550143") == 1
    assert count(AuditEntry) == 0


def test_exception_inside_unit_of_work_rolls_back(store: Store, count: Callable[..., int]) -> None:
    with pytest.raises(RuntimeError), store.unit_of_work() as uow:
        uow.contacts.get_or_create("+12025550143", now=T0)
        raise RuntimeError("webhook handler failed")
    assert count(Contact) == 0


def test_work_after_the_last_commit_is_rolled_back(store: Store, count: Callable[..., int]) -> None:
    with store.unit_of_work() as uow:
        uow.contacts.get_or_create("+12025550143", now=T0)
        uow.commit()
        uow.contacts.get_or_create("+12025550144", now=T0)
    assert count(Contact) == 1


def test_explicit_rollback_discards_work_since_commit(store: Store, count: Callable[..., int]) -> None:
    with store.unit_of_work() as uow:
        uow.audit.log("test", "kept", "a", at=T0)
        uow.commit()
        uow.audit.log("test", "dropped", "b", at=T0)
        uow.rollback()
        uow.audit.log("test", "kept", "c", at=T0)
        uow.commit()
        subjects = [entry.subject for entry in uow.audit.recent()]
    assert sorted(subjects) == ["a", "c"]
    assert count(AuditEntry) == 2
