"""What every repository shares: its session, and an INSERT that ignores a duplicate key."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Column, CursorResult, Executable, Row
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from connector.store.schema import Base


class Repository:
    """A repository works inside its unit of work's session and never commits."""

    def __init__(self, session: Session) -> None:
        self.session = session

    @property
    def dialect(self) -> str:
        return self.session.get_bind().dialect.name

    def insert_ignore(self, model: type[Base], **values: Any) -> bool:
        """Insert a row unless a unique key already holds it; return whether a row was added."""
        return self.insert_new(model, **values) is not None

    def insert_new(self, model: type[Base], **values: Any) -> Any | None:
        """Insert a row unless a unique key already holds it; return the new row's primary key, else None.

        INSERT .. ON CONFLICT DO NOTHING (SQLite and PostgreSQL) rather than catching IntegrityError, which on
        PostgreSQL would abort the caller's whole transaction.
        """
        added = self.insert_ignore_many(model, [values], *model.__table__.primary_key.columns)
        return added[0][0] if added else None

    def insert_ignore_many(
        self, model: type[Base], rows: Sequence[dict[str, Any]], *returning: Column[Any]
    ) -> list[Row[Any]]:
        """Insert each row unless a unique key holds it already (or an earlier row of `rows`); the added rows'
        `returning` columns, in no set order: name a key among them to tell which rows went in.

        One statement for the lot (SQLAlchemy's insertmanyvalues), where a loop of insert_new would make a
        round trip a row: a campaign batch of 200 runs costs a handful of statements, not thousands.
        """
        if not rows:
            return []
        # RETURNING says which rows went in; rowcount cannot (psycopg reports -1 alongside RETURNING).
        insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        stmt = insert(model.__table__).on_conflict_do_nothing().returning(*returning)
        return list(self.session.execute(stmt, list(rows)).all())

    def rowcount(self, stmt: Executable) -> int:
        """Execute a DML statement and return how many rows it touched."""
        return cast(CursorResult[Any], self.session.execute(stmt)).rowcount
