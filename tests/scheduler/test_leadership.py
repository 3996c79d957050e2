"""With PostgreSQL only the holder of the advisory lock runs ticks; another takes over when it
dies. Each :class:`AdvisoryLockLeader` below stands for one bot process with its own pool."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.scheduler import AdvisoryLockLeader, SoleLeader, TickScheduler, leader_for, lock_key
from core.clock import FixedClock
from storage import Database
from tests.conftest import START

pytestmark = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)


@pytest.fixture
async def second_process(database: Database) -> AsyncIterator[Database]:
    """The same database through another engine, as a second bot process has it."""
    other = Database(database.url, schema=database.schema)
    try:
        yield other
    finally:
        await other.dispose()


async def _terminate(database: Database, leader: AdvisoryLockLeader) -> None:
    """Kill the leader's connection on the server, as when its process dies."""
    assert leader.connection is not None
    pid = (await leader.connection.exec_driver_sql("SELECT pg_backend_pid()")).scalar_one()
    async with database.engine.connect() as connection:
        # With a timeout (PostgreSQL 14+) the call waits until the backend has really exited
        # and released its locks; without one it only sends the signal, and the test races it.
        ended = await connection.exec_driver_sql(
            f"SELECT pg_terminate_backend({int(pid)}, 10000)")
        assert ended.scalar() is True
        await connection.commit()


async def test_one_leader_at_a_time_and_another_takes_over_when_its_connection_dies(
        database: Database, second_process: Database) -> None:
    first, second = AdvisoryLockLeader(database), AdvisoryLockLeader(second_process)
    try:
        assert await first.ensure()
        assert not await second.ensure()
        assert await first.ensure()  # still leading: its connection is alive

        await _terminate(second_process, first)

        assert await second.ensure()  # the server released the lock with the connection
        assert not await first.ensure()  # the old leader notices and follows
        await second.release()
        assert await first.ensure()  # a clean release hands the lead on too
    finally:
        await first.release()
        await second.release()


async def test_only_the_leading_process_runs_the_ticks(
        database: Database, second_process: Database) -> None:
    clock = FixedClock(START)
    one = TickScheduler(database, clock, leader=AdvisoryLockLeader(database))
    two = TickScheduler(second_process, clock, leader=AdvisoryLockLeader(second_process))
    try:
        assert await one.tick_now() is not None
        assert await two.tick_now() is None
    finally:
        await one.stop()
        await two.stop()


async def test_postgresql_gets_the_advisory_lock_and_sqlite_a_sole_leader(
        database: Database, tmp_path: object) -> None:
    leader = leader_for(database)
    assert isinstance(leader, AdvisoryLockLeader)
    assert leader.key == lock_key(database.schema) != lock_key(None)
    sqlite = Database(f"sqlite+aiosqlite:///{tmp_path}/x.db")
    try:
        assert isinstance(leader_for(sqlite), SoleLeader)
    finally:
        await sqlite.dispose()
