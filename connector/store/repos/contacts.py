"""Contacts by phone number, their opt-out flag and consent, and the history of every consent change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from connector.store.records import ConsentChangeRecord, ContactRecord, snapshot
from connector.store.repos.base import Repository
from connector.store.schema import CONSENT_STATES
from connector.store.tables import ConsentChange, Contact
from connector.store.types import utcnow


class ContactRepository(Repository):
    def get(self, contact_id: int) -> ContactRecord | None:
        """The contact with this id."""
        row = self.session.get(Contact, contact_id, populate_existing=True)
        return None if row is None else snapshot(ContactRecord, row)

    def by_phone(self, phone: str) -> ContactRecord | None:
        """The contact with this E.164 number."""
        row = self.session.scalars(select(Contact).where(Contact.phone == phone)).first()
        return None if row is None else snapshot(ContactRecord, row)

    def get_or_create(
        self,
        phone: str,
        *,
        time_zone: str | None = None,
        crm_object: str | None = None,
        crm_record_id: str | None = None,
        now: datetime | None = None,
    ) -> ContactRecord:
        """The contact for an E.164 number, created with these details if new (an existing one is kept)."""
        if not phone.startswith("+"):
            raise ValueError(f"phone numbers are stored in E.164 form (+15551234567), got {phone!r}")
        now = now or utcnow()
        # ON CONFLICT keeps two requests for the same new number from failing each other's transaction.
        self.insert_ignore(
            Contact,
            phone=phone,
            time_zone=time_zone,
            crm_object=crm_object,
            crm_record_id=crm_record_id,
            created_at=now,
            updated_at=now,
        )
        found = self.by_phone(phone)
        assert found is not None
        return found

    def set_consent(
        self,
        contact_id: int,
        category: str,
        state: str,
        *,
        source: str,
        at: datetime,
        detail: str | None = None,
    ) -> None:
        """Set the contact's "transactional" or "marketing" consent, and append the change to the history."""
        if category not in ("transactional", "marketing"):
            raise ValueError(f"consent category must be transactional or marketing, got {category!r}")
        if state not in CONSENT_STATES:
            raise ValueError(f"consent state must be one of {CONSENT_STATES}, got {state!r}")
        column = Contact.consent_transactional if category == "transactional" else Contact.consent_marketing
        self._change(contact_id, {column.key: state}, category, state, source, at, detail)

    def set_opted_out(
        self, contact_id: int, opted_out: bool, *, source: str, at: datetime, detail: str | None = None
    ) -> None:
        """Set the STOP/START flag (history category "all": revoked on opt-out, granted on opt-in)."""
        state = "revoked" if opted_out else "granted"
        self._change(contact_id, {"opted_out": opted_out}, "all", state, source, at, detail)

    def consent_history(self, contact_id: int) -> list[ConsentChangeRecord]:
        """Every consent change of the contact, oldest first."""
        stmt = (
            select(ConsentChange)
            .where(ConsentChange.contact_id == contact_id)
            .order_by(ConsentChange.at, ConsentChange.id)
        )
        return [snapshot(ConsentChangeRecord, row) for row in self.session.scalars(stmt)]

    def _change(
        self,
        contact_id: int,
        values: dict[str, object],
        category: str,
        state: str,
        source: str,
        at: datetime,
        detail: str | None,
    ) -> None:
        if not self.rowcount(update(Contact).where(Contact.id == contact_id).values(**values, updated_at=at)):
            raise LookupError(f"no contact {contact_id}")
        self.session.add(
            ConsentChange(contact_id=contact_id, category=category, state=state, source=source, detail=detail, at=at)
        )
        self.session.flush()
