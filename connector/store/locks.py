"""PostgreSQL advisory locks by name: one process at a time for a job, a poll or a schema upgrade.

Every name maps to its key one way, `lock_key`, so two places that mean the same lock cannot drift apart. Each
lock is session-level on a connection of its own: held across the holder's own transactions, and released by
PostgreSQL when the holder's connection goes (a process killed -9 holds nothing).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, func, select


def lock_key(name: str) -> int:
    """The advisory-lock key for a name: CRC-32 of "smsflow:<name>" (the keys earlier releases used for jobs
    and upgrades, so processes of two releases still exclude each other during a rolling upgrade)."""
    return zlib.crc32(f"smsflow:{name}".encode())


@contextmanager
def try_advisory_lock(engine: Engine, name: str) -> Iterator[bool]:
    """Yield whether this process got the lock; it is held for the block. PostgreSQL only."""
    key = lock_key(name)
    with engine.connect() as conn:
        got = bool(conn.scalar(select(func.pg_try_advisory_lock(key))))
        # A session lock outlives the transaction: end it, so the connection is not left "idle in transaction"
        # for the whole block (idle_in_transaction_session_timeout would end the session, and the lock with it).
        conn.commit()
        try:
            yield got
        finally:
            if got:
                conn.scalar(select(func.pg_advisory_unlock(key)))
                conn.commit()


@contextmanager
def advisory_lock(engine: Engine, name: str) -> Iterator[None]:
    """Wait for the lock, and hold it for the block. PostgreSQL only."""
    key = lock_key(name)
    with engine.connect() as conn:
        conn.scalar(select(func.pg_advisory_lock(key)))
        conn.commit()
        try:
            yield
        finally:
            conn.scalar(select(func.pg_advisory_unlock(key)))
            conn.commit()
