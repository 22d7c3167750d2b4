"""Contacts: one per phone number, with consent state and the full history of consent changes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from connector.store.uow import Store

from .builders import T0

PHONE = "+12025550143"


def test_same_phone_gives_the_same_contact_and_keeps_its_details(store: Store, contact_id: int) -> None:
    with store.unit_of_work() as uow:
        again = uow.contacts.get_or_create(PHONE, time_zone="Europe/Paris", crm_object="Contact", now=T0)
    assert again.id == contact_id
    assert (again.time_zone, again.crm_object) == ("America/New_York", None)


def test_new_contact_starts_opted_in_with_unknown_consent(store: Store, contact_id: int) -> None:
    with store.unit_of_work() as uow:
        contact = uow.contacts.get(contact_id)
    assert contact is not None
    assert (contact.opted_out, contact.consent_transactional, contact.consent_marketing) == (
        False,
        "unknown",
        "unknown",
    )


def test_phone_not_in_e164_is_refused(store: Store) -> None:
    with store.unit_of_work() as uow, pytest.raises(ValueError, match=r"E\.164"):
        uow.contacts.get_or_create("(202) 555-0143")


def test_consent_history_records_every_change_in_order(store: Store, contact_id: int) -> None:
    with store.unit_of_work() as uow:
        uow.contacts.set_consent(contact_id, "marketing", "granted", source="web_form", at=T0, detail="form 7")
        uow.contacts.set_opted_out(contact_id, True, source="reply", at=T0 + timedelta(days=1), detail="STOP")
        uow.contacts.set_opted_out(contact_id, False, source="reply", at=T0 + timedelta(days=2), detail="START")
        uow.contacts.set_consent(contact_id, "marketing", "revoked", source="crm", at=T0 + timedelta(days=3))
        uow.commit()
    with store.unit_of_work() as uow:
        contact = uow.contacts.get(contact_id)
        history = uow.contacts.consent_history(contact_id)
    assert contact is not None
    assert (contact.opted_out, contact.consent_marketing, contact.consent_transactional) == (
        False,
        "revoked",
        "unknown",
    )
    assert [(c.category, c.state, c.source, c.detail) for c in history] == [
        ("marketing", "granted", "web_form", "form 7"),
        ("all", "revoked", "reply", "STOP"),
        ("all", "granted", "reply", "START"),
        ("marketing", "revoked", "crm", None),
    ]
    assert [c.at for c in history] == [T0 + timedelta(days=n) for n in range(4)]


def test_opt_out_is_kept_with_its_history(store: Store, contact_id: int) -> None:
    with store.unit_of_work() as uow:
        uow.contacts.set_opted_out(contact_id, True, source="twilio_21610", at=T0)
        uow.commit()
    with store.unit_of_work() as uow:
        contact = uow.contacts.by_phone(PHONE)
        (change,) = uow.contacts.consent_history(contact_id)
    assert contact is not None and contact.opted_out is True
    assert (change.category, change.state, change.source) == ("all", "revoked", "twilio_21610")


CONSENT_ERRORS = [
    pytest.param("promo", "granted", ValueError, id="unknown-category-is-refused"),
    pytest.param("marketing", "maybe", ValueError, id="unknown-state-is-refused"),
]


@pytest.mark.parametrize(("category", "state", "error"), CONSENT_ERRORS)
def test_set_consent_refuses(store: Store, contact_id: int, category: str, state: str, error: type[Exception]) -> None:
    with store.unit_of_work() as uow, pytest.raises(error):
        uow.contacts.set_consent(contact_id, category, state, source="test", at=T0)


def test_consent_for_a_missing_contact_is_an_error_and_records_nothing(store: Store) -> None:
    with store.unit_of_work() as uow:
        with pytest.raises(LookupError):
            uow.contacts.set_opted_out(999, True, source="reply", at=T0)
        assert uow.contacts.consent_history(999) == []
