"""SQLite specifics: WAL, foreign keys, busy timeout, and BEGIN IMMEDIATE for every transaction."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from core.accounts import User
from core.clock import FixedClock
from core.rating import Award
from storage import Database


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated SQLite database in a temporary file."""
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    await database.migrate()
    yield database
    await database.dispose()


async def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(
        sqlite_db: Database) -> None:
    async with sqlite_db.uow() as uow:
        pragma = {name: (await uow.session.execute(text(f"PRAGMA {name}"))).scalar_one()
                  for name in ("journal_mode", "foreign_keys")}
        # What may wait runs on aiosqlite's thread, where the busy timeout is in force (on the
        # event loop's thread it is 0: nothing there waits, see storage.sqlite_inline).
        await uow.session.rollback()
        driver = (await uow.session.get_raw_connection()).driver_connection
        assert driver is not None
        async with driver.execute("PRAGMA busy_timeout") as cursor:
            row = await cursor.fetchone()
    assert pragma == {"journal_mode": "wal", "foreign_keys": 1}
    assert row is not None and row[0] == 30_000


async def test_every_sqlite_transaction_begins_immediate(sqlite_db: Database) -> None:
    statements: list[str] = []
    async with sqlite_db.uow() as uow:  # the SQL the sqlite3 connection itself runs
        driver = (await uow.session.get_raw_connection()).driver_connection
        assert driver is not None
        driver._connection.set_trace_callback(statements.append)
    try:
        async with sqlite_db.uow() as uow:
            await uow.users.get(1)
    finally:
        driver._connection.set_trace_callback(None)
    # BEGIN IMMEDIATE first, and nothing else around it (no per-transaction PRAGMAs)
    assert statements[0] == "BEGIN IMMEDIATE"
    assert [s.split()[0] for s in statements] == ["BEGIN", "SELECT", "ROLLBACK"], statements


async def test_a_reading_unit_of_work_already_holds_the_sqlite_write_lock(
        sqlite_db: Database, tmp_path: Path) -> None:
    other = sqlite3.connect(tmp_path / "bot.db", timeout=0, isolation_level=None)
    try:
        async with sqlite_db.uow() as uow:
            await uow.users.get(1)  # a read only: a deferred BEGIN would take no write lock
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # released once the unit of work ends
        other.execute("ROLLBACK")
    finally:
        other.close()


async def test_concurrent_read_then_write_units_of_work_all_succeed(
        sqlite_db: Database, clock: FixedClock) -> None:
    async with sqlite_db.uow() as uow:
        await uow.users.add(User(id=1, created_at=clock.now()))
        await uow.commit()

    async def read_then_write(n: int) -> None:
        async with sqlite_db.uow() as uow:
            before = await uow.points.total(1)
            await asyncio.sleep(0)  # let the others start their transactions in between
            await uow.points.award(1, Award(f"k{n}", before + 1, "test"), clock.now())
            await uow.commit()

    await asyncio.gather(*(read_then_write(n) for n in range(8)))
    async with sqlite_db.uow() as uow:
        assert await uow.points.total(1) == 2 ** 8 - 1  # each read saw all earlier writes


async def test_a_unit_of_work_nested_in_the_same_task_is_refused_at_once_on_sqlite(
        sqlite_db: Database, clock: FixedClock) -> None:
    async with sqlite_db.uow() as outer:
        await outer.users.add(User(id=1, created_at=clock.now()))
        with pytest.raises(RuntimeError, match="already open in this task"):
            async with sqlite_db.uow():
                pass
        await outer.commit()
    async with sqlite_db.uow() as again:  # the refusal left nothing behind
        assert await again.users.get(1) is not None


async def test_units_of_work_in_separate_tasks_are_not_nested(
        sqlite_db: Database, clock: FixedClock) -> None:
    async def add(user_id: int) -> None:
        async with sqlite_db.uow() as uow:
            await uow.users.add(User(id=user_id, created_at=clock.now()))
            await uow.commit()

    async with sqlite_db.uow() as uow:
        await uow.users.get(1)
    await asyncio.gather(*(asyncio.create_task(add(n)) for n in (1, 2, 3)))
    async with sqlite_db.uow() as uow:
        assert [await uow.users.get(n) is not None for n in (1, 2, 3)] == [True, True, True]
