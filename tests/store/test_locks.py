"""Leader locks: one holder at a time per name, the same key for a name everywhere, and no lock blocks its own job.

Runs on SQLite always and on PostgreSQL when SMSFLOW_TEST_DATABASE_URL is set (the `store` fixture).
"""

from __future__ import annotations

import zlib

from connector.services import polling
from connector.store.locks import lock_key, try_advisory_lock
from connector.store.uow import Store
from connector.worker import leader


def test_lock_keys_are_the_ones_earlier_releases_used() -> None:
    # Processes of two releases must exclude each other during a rolling upgrade.
    assert lock_key("migrate") == zlib.crc32(b"smsflow:migrate")
    assert lock_key("poll_crm") == zlib.crc32(b"smsflow:poll_crm")


def test_one_holder_at_a_time_and_released_after(store: Store) -> None:
    if store.engine.dialect.name != "postgresql":
        with leader(store, "poll_crm") as first, leader(store, "poll_crm") as second:
            assert (first, second) == (True, True), "SQLite runs one worker: every job leads"
        return
    with try_advisory_lock(store.engine, "flush_writebacks") as first:
        with try_advisory_lock(store.engine, "flush_writebacks") as second:
            assert (first, second) == (True, False)
        with leader(store, "flush_writebacks") as third:
            assert third is False
    with leader(store, "flush_writebacks") as again:
        assert again is True


def test_the_poll_job_can_take_the_poll_lock_it_runs_under(store: Store) -> None:
    with leader(store, "poll_crm") as job, polling.leader(store) as poll:
        assert (job, poll) == (True, True)
    with polling.leader(store) as first, polling.leader(store) as second:
        assert (first, second) == (True, False)
