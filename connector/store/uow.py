"""The store's entry point: a unit of work per transaction, with a repository per table family."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from connector.store.db import make_engine
from connector.store.repos.attention import AttentionRepository, FlowSwitchRepository
from connector.store.repos.contacts import ContactRepository
from connector.store.repos.events import AuditRepository, EventRepository
from connector.store.repos.messages import MessageRepository
from connector.store.repos.outbox import OutboxRepository
from connector.store.repos.runs import FlowRepository, RunRepository
from connector.store.repos.timers import TimerRepository
from connector.store.repos.writebacks import WritebackRepository
from connector.store.tables_crm import CrmStateRepository
from connector.store.tables_policy import DecisionRepository


class UnitOfWork:
    """One transaction: repositories share its session, and nothing is kept unless commit() is called."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.runs = RunRepository(session)
        self.flows = FlowRepository(session)
        self.contacts = ContactRepository(session)
        self.events = EventRepository(session)
        self.messages = MessageRepository(session)
        self.outbox = OutboxRepository(session)
        self.timers = TimerRepository(session)
        self.writebacks = WritebackRepository(session)
        self.audit = AuditRepository(session)
        self.crm_state = CrmStateRepository(session)
        self.decisions = DecisionRepository(session)
        self.attention, self.flow_switches = AttentionRepository(session), FlowSwitchRepository(session)

    def commit(self) -> None:
        """Make everything done so far durable; later work starts a new transaction."""
        self.session.commit()

    def rollback(self) -> None:
        """Discard everything since the last commit."""
        self.session.rollback()


class Store:
    """The durable store behind a database URL (or an engine made with db.make_engine)."""

    def __init__(self, target: str | Engine) -> None:
        self.engine = make_engine(target) if isinstance(target, str) else target
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def unit_of_work(self) -> Iterator[UnitOfWork]:
        """Yield a unit of work that rolls back on leaving unless commit() was its last database step."""
        with self._sessions() as session:
            uow = UnitOfWork(session)
            try:
                yield uow
            finally:
                # Rolls back an exception's half-done work, and any work after the last commit().
                session.rollback()

    def dispose(self) -> None:
        """Close pooled connections (at shutdown, or in tests before dropping the database)."""
        self.engine.dispose()
