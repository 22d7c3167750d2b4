"""Texts sent and received, and the history of each one's delivery status."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, insert, select, update

from connector.store.records import MessageRecord, snapshot
from connector.store.repos.base import Repository
from connector.store.tables import Message, MessageStatus


class MessageRepository(Repository):
    def add_outbound(
        self,
        *,
        action_id: str,
        contact_id: int,
        body: str,
        at: datetime,
        run_id: str | None = None,
        status: str = "pending",
        category: str | None = None,
        flow: str | None = None,
    ) -> bool:
        """Record a text we are about to send under the engine's SendSms id; False if already recorded.

        `category` and `flow` are what the contact policy counts this text under once it is sent.
        """
        row = self.outbound_row(
            action_id=action_id, run_id=run_id, contact_id=contact_id, body=body, at=at, category=category, flow=flow
        )
        return bool(self.add_outbound_many([{**row, "status": status}]))

    @staticmethod
    def outbound_row(
        *,
        action_id: str,
        contact_id: int,
        body: str,
        at: datetime,
        run_id: str | None,
        category: str | None,
        flow: str | None,
    ) -> dict[str, Any]:
        """The row add_outbound would insert (status pending), for add_outbound_many."""
        return {
            "action_id": action_id,
            "run_id": run_id,
            "contact_id": contact_id,
            "direction": "out",
            "body": body,
            "status": "pending",
            "category": category,
            "flow": flow,
            "created_at": at,
            "updated_at": at,
        }

    def add_outbound_many(self, rows: list[dict[str, Any]]) -> set[str]:
        """Record many texts (rows made by outbound_row) and their first status; the action ids that were new."""
        added = {r.action_id: r.id for r in self.insert_ignore_many(Message, rows, Message.id, Message.action_id)}
        new = set(added)
        # pop: a row repeated within `rows` went in once, and gets one history entry.
        self._first_statuses(
            [(added.pop(r["action_id"]), r["status"], r["created_at"]) for r in rows if r["action_id"] in added]
        )
        return new

    def add_inbound(
        self,
        *,
        provider_id: str,
        contact_id: int,
        body: str,
        at: datetime,
        run_id: str | None = None,
        segments: int | None = None,
        encoding: str | None = None,
    ) -> bool:
        """Record a text the contact sent; False when the provider redelivered one we already have."""
        return self._add(
            provider_id=provider_id,
            run_id=run_id,
            contact_id=contact_id,
            direction="in",
            body=body,
            segments=segments,
            encoding=encoding,
            status="received",
            at=at,
        )

    def by_action_id(self, action_id: str) -> MessageRecord | None:
        """The outbound text created for this SendSms action."""
        return self._one(Message.action_id == action_id)

    def by_provider_id(self, provider_id: str) -> MessageRecord | None:
        """The text the provider knows by this id (Twilio's MessageSid)."""
        return self._one(Message.provider_id == provider_id)

    def mark_sent(
        self,
        message_id: int,
        *,
        provider_id: str,
        status: str,
        at: datetime,
        segments: int | None = None,
        encoding: str | None = None,
    ) -> None:
        """Record that the provider accepted the text, under its id; `at` becomes its sent_at."""
        values = {"provider_id": provider_id, "segments": segments, "encoding": encoding, "sent_at": at}
        self.session.execute(update(Message).where(Message.id == message_id).values(**values))
        self.record_status(message_id, status, at=at)

    def record_status(self, message_id: int, status: str, *, at: datetime, error_code: str | None = None) -> None:
        """Set the text's current status and append it to its history.

        Deciding whether a status may replace the current one (they only move forward) is the SMS layer's job.
        """
        stmt = update(Message).where(Message.id == message_id)
        self.session.execute(stmt.values(status=status, error_code=error_code, updated_at=at))
        self.session.add(MessageStatus(message_id=message_id, status=status, error_code=error_code, at=at))
        self.session.flush()

    def status_history(self, message_id: int) -> list[tuple[str, str | None, datetime]]:
        """(status, error_code, at) for each status the text went through, in the order recorded."""
        stmt = (
            select(MessageStatus.status, MessageStatus.error_code, MessageStatus.at)
            .where(MessageStatus.message_id == message_id)
            .order_by(MessageStatus.id)
        )
        return [(row.status, row.error_code, row.at) for row in self.session.execute(stmt)]

    def sent_times(
        self, contact_id: int, *, since: datetime, category: str | None = None, flow: str | None = None
    ) -> list[datetime]:
        """When the provider accepted each of the contact's texts since then (of this category, from this flow)."""
        stmt = select(Message.sent_at).where(
            Message.contact_id == contact_id, Message.direction == "out", Message.sent_at >= since
        )
        if category is not None:
            stmt = stmt.where(Message.category == category)
        if flow is not None:
            stmt = stmt.where(Message.flow == flow)
        return [at for at in self.session.scalars(stmt.order_by(Message.sent_at)) if at is not None]

    def for_run(self, run_id: str) -> list[MessageRecord]:
        """The run's texts in both directions, oldest first."""
        stmt = select(Message).where(Message.run_id == run_id).order_by(Message.created_at, Message.id)
        return [snapshot(MessageRecord, row) for row in self.session.scalars(stmt)]

    def _add(self, *, at: datetime, status: str, **values: object) -> bool:
        message_id = self.insert_new(Message, status=status, created_at=at, updated_at=at, **values)
        if message_id is None:
            return False
        self._first_statuses([(message_id, status, at)])
        return True

    def _first_statuses(self, entries: list[tuple[int, str, datetime]]) -> None:
        """Each new message's first status-history entry: (message id, status, at)."""
        if entries:
            rows = [{"message_id": m, "status": s, "error_code": None, "at": at} for m, s, at in entries]
            self.session.execute(insert(MessageStatus), rows)

    def _one(self, where: ColumnElement[bool]) -> MessageRecord | None:
        stmt = select(Message).where(where).execution_options(populate_existing=True)
        row = self.session.scalars(stmt).first()
        return None if row is None else snapshot(MessageRecord, row)
