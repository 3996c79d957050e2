"""SQLite without needless thread switches: what cannot block runs on the event loop's thread,
what can (waiting for another connection's write lock) still waits on aiosqlite's thread."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from core.clock import FixedClock
from storage import Database
from storage.sqlite_inline import InlineConnection, inline_connector
from tests.fakes import present


async def _migrated(path: Path, *, inline: bool) -> Database:
    database = Database(f"sqlite+aiosqlite:///{path}", sqlite_inline=inline)
    await database.migrate()
    return database


@pytest.fixture
async def inline_db(tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated SQLite file database with inline calls (the default)."""
    database = await _migrated(tmp_path / "bot.db", inline=True)
    yield database
    await database.dispose()


async def _thread_running_sql(database: Database) -> int:
    """The id of the thread on which a statement inside a unit of work runs."""
    async with database.uow() as uow:
        connection = await uow.session.connection()
        raw = await connection.get_raw_connection()
        await present(raw.driver_connection).create_function("thread_id", 0, threading.get_ident)
        return int((await uow.session.execute(text("SELECT thread_id()"))).scalar_one())


async def test_statements_in_a_transaction_run_on_the_event_loop_thread(
        inline_db: Database) -> None:
    assert await _thread_running_sql(inline_db) == threading.get_ident()


async def test_without_inline_calls_every_statement_runs_on_the_driver_thread(
        tmp_path: Path) -> None:
    database = await _migrated(tmp_path / "threaded.db", inline=False)
    try:
        assert await _thread_running_sql(database) != threading.get_ident()
    finally:
        await database.dispose()


def _spy_on_thread_begins(monkeypatch: pytest.MonkeyPatch) -> asyncio.Event:
    """An event set when a ``BEGIN IMMEDIATE`` is handed to aiosqlite's thread."""
    sent = asyncio.Event()
    original = InlineConnection._on_thread

    async def spy(self: InlineConnection, function: Callable[[], Any]) -> Any:
        if getattr(function, "args", ())[:1] == ("BEGIN IMMEDIATE",):
            sent.set()
        return await original(self, function)

    monkeypatch.setattr(InlineConnection, "_on_thread", spy)
    return sent


async def test_a_begin_behind_another_writer_waits_on_the_driver_thread_then_succeeds(
        inline_db: Database, tmp_path: Path, clock: FixedClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    async with inline_db.uow() as uow:  # connect first: the pool's one connection is open
        await uow.users.get(1)
    sent = _spy_on_thread_begins(monkeypatch)
    other = sqlite3.connect(tmp_path / "bot.db", timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")

        async def claim() -> bool:
            async with inline_db.uow() as uow:
                won = await uow.updates.claim(1, clock.now())
                await uow.commit()
                return won

        task = asyncio.create_task(claim())
        await sent.wait()  # the loop runs on while the unit of work waits for the lock
        assert not task.done()
        other.execute("COMMIT")
        assert await task is True
    finally:
        other.close()


async def test_a_unit_of_work_cancelled_while_waiting_for_the_lock_leaves_no_transaction(
        inline_db: Database, tmp_path: Path, clock: FixedClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    async with inline_db.uow() as uow:
        await uow.users.get(1)
    sent = _spy_on_thread_begins(monkeypatch)
    other = sqlite3.connect(tmp_path / "bot.db", timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")

        async def claim() -> None:
            async with inline_db.uow() as uow:
                await uow.updates.claim(1, clock.now())
                await uow.commit()

        task = asyncio.create_task(claim())
        await sent.wait()
        task.cancel()
        other.execute("COMMIT")  # the abandoned BEGIN now gets the lock on the driver thread
        with pytest.raises(asyncio.CancelledError):
            await task
    finally:
        other.close()
    async with inline_db.uow() as uow:
        assert await uow.updates.claim(1, clock.now()) is True  # the cancelled claim left nothing
        await uow.commit()
    async with inline_db.uow() as uow:
        assert await uow.updates.claim(1, clock.now()) is False


async def test_calls_made_while_the_driver_thread_is_busy_queue_behind_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "raw.db"
    sqlite3.connect(path).close()
    connection = await inline_connector(str(path), 30)()
    sent = _spy_on_thread_begins(monkeypatch)
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        cursor = await connection.cursor()
        begin = asyncio.create_task(cursor.execute("BEGIN IMMEDIATE"))
        await sent.wait()
        rollback = asyncio.create_task(connection.rollback())
        await asyncio.sleep(0)  # let the rollback start: inline it would be done already
        assert not rollback.done()
        other.execute("COMMIT")
        await begin
        await rollback
        assert not connection.in_transaction  # the rollback ran after the BEGIN, in order
    finally:
        other.close()
        await connection.close()
