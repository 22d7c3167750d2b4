"""Contacts by phone number, their opt-out flag and consent, and the history of every consent change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update

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
        return self.get_or_create_many([(phone, time_zone, crm_object, crm_record_id)], now=now or utcnow())[phone]

    def get_or_create_many(
        self, contacts: list[tuple[str, str | None, str | None, str | None]], *, now: datetime
    ) -> dict[str, ContactRecord]:
        """get_or_create for many (phone, time zone, CRM object, CRM record id) at once, by phone; a number given
        twice is created with its first details. Two statements whatever the count."""
        rows: dict[str, dict[str, object]] = {}
        for phone, time_zone, crm_object, crm_record_id in contacts:
            if not phone.startswith("+"):
                raise ValueError(f"phone numbers are stored in E.164 form (+15551234567), got {phone!r}")
            rows.setdefault(
                phone,
                {
                    "phone": phone,
                    "time_zone": time_zone,
                    "crm_object": crm_object,
                    "crm_record_id": crm_record_id,
                    "created_at": now,
                    "updated_at": now,
                },
            )
        # ON CONFLICT keeps two requests for the same new number from failing each other's transaction; in phone
        # order, so two batches sharing numbers wait for each other on PostgreSQL rather than deadlock.
        self.insert_ignore_many(Contact, [rows[phone] for phone in sorted(rows)], Contact.id)
        stmt = select(Contact).where(Contact.phone.in_(rows)).execution_options(populate_existing=True)
        found = {row.phone: snapshot(ContactRecord, row) for row in self.session.scalars(stmt)}
        assert found.keys() == rows.keys()
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
        self.set_consent_many(category, [(contact_id, state, detail)], source=source, at=at)

    def set_consent_many(
        self, category: str, changes: list[tuple[int, str, str | None]], *, source: str, at: datetime
    ) -> None:
        """set_consent for many (contact id, state, detail), applied in order, in a few statements."""
        if category not in ("transactional", "marketing"):
            raise ValueError(f"consent category must be transactional or marketing, got {category!r}")
        final: dict[int, str] = {}
        for contact_id, state, _ in changes:
            if state not in CONSENT_STATES:
                raise ValueError(f"consent state must be one of {CONSENT_STATES}, got {state!r}")
            final[contact_id] = state
        column = Contact.consent_transactional if category == "transactional" else Contact.consent_marketing
        for state in sorted(set(final.values())):
            ids = [contact_id for contact_id, last in final.items() if last == state]
            self._update(ids, {column.key: state}, at)
        self._history([(contact_id, category, state, detail) for contact_id, state, detail in changes], source, at)

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
        self._update([contact_id], values, at)
        self._history([(contact_id, category, state, detail)], source, at)

    def _update(self, contact_ids: list[int], values: dict[str, object], at: datetime) -> None:
        stmt = update(Contact).where(Contact.id.in_(contact_ids)).values(**values, updated_at=at)
        if self.rowcount(stmt) != len(set(contact_ids)):
            ids = sorted(set(contact_ids))
            raise LookupError(f"no contact {ids[0]}" if len(ids) == 1 else f"some of contacts {ids[:10]} do not exist")

    def _history(self, entries: list[tuple[int, str, str, str | None]], source: str, at: datetime) -> None:
        rows = [
            {"contact_id": c, "category": k, "state": s, "source": source, "detail": d, "at": at}
            for c, k, s, d in entries
        ]
        if rows:
            self.session.execute(insert(ConsentChange), rows)
