"""The unit of work's dialog cache: users.get fills it; writes, commits, rollbacks drop it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from core.accounts import User
from core.clock import FixedClock
from storage import Database

USER = 5_000_000_007


@contextmanager
def _statements(database: Database) -> Iterator[list[str]]:
    """Collect the SQL of every statement the engine sends while the block runs."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(database.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", record)


async def _user_in_dialog(database: Database, clock: FixedClock, state: str | None,
                          draft: dict[str, Any]) -> None:
    """A stored user; with ``state``, also a stored dialog row."""
    async with database.uow() as uow:
        await uow.users.add(User(id=USER, first_name="Ann", created_at=clock.now(),
                                 last_seen_at=clock.now()))
        if state is not None:
            await uow.dialogs.set(USER, state, draft)
        await uow.commit()


async def test_users_get_loads_the_dialog_row_so_dialogs_get_sends_no_statement(
        database: Database, clock: FixedClock) -> None:
    await _user_in_dialog(database, clock, "project.title", {"title": "Logo"})
    async with database.uow() as uow:
        assert await uow.users.get(USER) is not None
        with _statements(database) as seen:
            assert await uow.dialogs.get(USER) == ("project.title", {"title": "Logo"})
        assert seen == []


async def test_a_user_outside_a_dialog_is_cached_as_no_state(
        database: Database, clock: FixedClock) -> None:
    await _user_in_dialog(database, clock, None, {})
    async with database.uow() as uow:
        assert await uow.users.get(USER) is not None
        with _statements(database) as seen:
            assert await uow.dialogs.get(USER) == (None, {})
        assert seen == []


async def test_dialogs_get_after_set_in_the_same_unit_of_work_reads_the_new_row(
        database: Database, clock: FixedClock) -> None:
    await _user_in_dialog(database, clock, "project.title", {"title": "Logo"})
    async with database.uow() as uow:
        await uow.users.get(USER)
        assert await uow.dialogs.get(USER) == ("project.title", {"title": "Logo"})
        await uow.dialogs.set(USER, "project.budget", {"title": "Logo", "tags": ["svg"]})
        assert await uow.dialogs.get(USER) == (
            "project.budget", {"title": "Logo", "tags": ["svg"]})
        await uow.commit()
    async with database.uow() as uow:
        assert await uow.dialogs.get(USER) == (
            "project.budget", {"title": "Logo", "tags": ["svg"]})


async def test_dialogs_get_after_clear_in_the_same_unit_of_work_reads_no_dialog(
        database: Database, clock: FixedClock) -> None:
    await _user_in_dialog(database, clock, "project.title", {"title": "Logo"})
    async with database.uow() as uow:
        await uow.users.get(USER)
        assert await uow.dialogs.get(USER) == ("project.title", {"title": "Logo"})
        await uow.dialogs.clear(USER)
        assert await uow.dialogs.get(USER) == (None, {})


async def test_a_user_loaded_again_after_set_gives_the_new_row(
        database: Database, clock: FixedClock) -> None:
    await _user_in_dialog(database, clock, "project.title", {"title": "Logo"})
    async with database.uow() as uow:
        await uow.dialogs.set(USER, "project.budget", {"budget": 100})
        await uow.users.get(USER)  # re-reads the row through the join
        assert await uow.dialogs.get(USER) == ("project.budget", {"budget": 100})


async def test_mutating_a_draft_from_the_cache_changes_neither_the_cache_nor_the_row(
        database: Database, clock: FixedClock) -> None:
    stored = {"title": "Logo", "tags": ["svg"], "budget": {"amount": 100}}
    await _user_in_dialog(database, clock, "project.title", stored)
    async with database.uow() as uow:
        await uow.users.get(USER)
        _, draft = await uow.dialogs.get(USER)
        draft["title"] = "Changed"
        draft["tags"].append("png")
        draft["budget"]["amount"] = 1
        draft["new"] = True
        assert await uow.dialogs.get(USER) == ("project.title", stored)
        await uow.commit()
    async with database.uow() as uow:
        assert await uow.dialogs.get(USER) == ("project.title", stored)


async def test_mutating_a_draft_read_by_dialogs_get_changes_nothing_cached(
        database: Database, clock: FixedClock) -> None:
    stored = {"tags": ["svg"], "budget": {"amount": 100}}
    await _user_in_dialog(database, clock, "project.title", stored)
    async with database.uow() as uow:
        _, draft = await uow.dialogs.get(USER)  # a miss: read, then cached
        draft["tags"].append("png")
        draft["budget"]["amount"] = 1
        assert await uow.dialogs.get(USER) == ("project.title", stored)


async def test_a_rollback_drops_the_cache_so_the_same_unit_of_work_reads_the_stored_row(
        database: Database, clock: FixedClock) -> None:
    await _user_in_dialog(database, clock, "project.title", {"title": "Logo"})
    async with database.uow() as uow:
        await uow.dialogs.set(USER, "project.budget", {"budget": 100})
        assert await uow.dialogs.get(USER) == ("project.budget", {"budget": 100})  # cached
        await uow.rollback()
        assert await uow.dialogs.get(USER) == ("project.title", {"title": "Logo"})


async def test_a_rolled_back_unit_of_work_leaves_no_stale_cache_for_the_next_one(
        database: Database, clock: FixedClock) -> None:
    await _user_in_dialog(database, clock, "project.title", {"title": "Logo"})
    unit = database.uow()
    async with unit as uow:
        await uow.dialogs.set(USER, "project.budget", {"budget": 100})
        await uow.users.get(USER)
        assert await uow.dialogs.get(USER) == ("project.budget", {"budget": 100})
        await uow.rollback()
    async with unit as uow:  # the same object entered again
        assert await uow.dialogs.get(USER) == ("project.title", {"title": "Logo"})
    async with database.uow() as uow:
        await uow.users.get(USER)
        assert await uow.dialogs.get(USER) == ("project.title", {"title": "Logo"})


async def test_a_commit_drops_the_cache_so_later_reads_see_the_stored_row(
        database: Database, clock: FixedClock) -> None:
    await _user_in_dialog(database, clock, "project.title", {"title": "Logo"})
    async with database.uow() as uow:
        await uow.users.get(USER)
        await uow.commit()
        with _statements(database) as seen:
            assert await uow.dialogs.get(USER) == ("project.title", {"title": "Logo"})
        assert any("dialog_state" in statement for statement in seen)
