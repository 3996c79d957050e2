"""Claiming an update and reading its user in one statement, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from core.accounts import Role, User
from core.clock import FixedClock
from storage import Database


@contextmanager
def statements(database: Database) -> Iterator[list[str]]:
    """The statements the engine sends while the block runs."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(database.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", record)


async def _ann(database: Database, clock: FixedClock, state: str | None = None) -> User:
    ann = User(id=7, first_name="Ann", last_name="Lee", username="ann", language="uk",
               roles={Role.EXPERT}, email="ann@example.com", email_verified=True,
               created_at=clock.now(), last_seen_at=clock.now())
    async with database.uow() as uow:
        await uow.users.add(ann)
        if state is not None:
            await uow.dialogs.set(7, state, {"title": "Logo", "tags": ["a"]})
        await uow.commit()
    return ann


async def test_a_claim_naming_the_user_reads_them_and_their_dialog_in_the_same_statement(
        database: Database, clock: FixedClock) -> None:
    ann = await _ann(database, clock, state="post:title")
    async with database.uow() as uow:
        with statements(database) as sent:
            assert await uow.updates.claim(1, clock.now(), user_id=7) is True
            user = await uow.users.get(7)
            dialog = await uow.dialogs.get(7)
        await uow.commit()
    assert len(sent) == 1
    assert user == ann
    assert dialog == ("post:title", {"title": "Logo", "tags": ["a"]})


async def test_a_claim_for_an_unknown_user_reads_nothing_and_a_duplicate_is_refused(
        database: Database, clock: FixedClock) -> None:
    async with database.uow() as uow:
        assert await uow.updates.claim(1, clock.now(), user_id=8) is True
        assert await uow.users.get(8) is None
        assert await uow.dialogs.get(8) == (None, {})
        await uow.commit()
    async with database.uow() as uow:
        assert await uow.updates.claim(1, clock.now(), user_id=8) is False
        assert await uow.updates.claim(1, clock.now()) is False


async def test_what_the_claim_read_is_used_once_and_not_after_a_write(
        database: Database, clock: FixedClock) -> None:
    ann = await _ann(database, clock)
    async with database.uow() as uow:
        assert await uow.updates.claim(1, clock.now(), user_id=7) is True
        ann.first_name = "Anna"
        await uow.users.save(ann)
        assert (await uow.users.get(7) or ann).first_name == "Anna"  # read again, not cached
        with statements(database) as sent:
            await uow.users.get(7)
        assert len(sent) == 1  # only the first get after the claim is free
