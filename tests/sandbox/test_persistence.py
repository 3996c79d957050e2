"""Sandbox identities and the sandbox clock persist with the sandbox database (issue 10).

After a restart, ``:add zed en`` received lucia's id, with her e-mail and the support role,
and ``/sandbox_time`` moves were lost while the stored data lay in the future. Users added
with ``:add`` and the clock offset now live in the sandbox database; an id is never given to
a second person, and ``--reset`` starts clean.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.sandbox import SandboxServer
from bot.sandbox.cast import DEFAULT_USERS, ChatUser
from bot.sandbox.chat import run_chat
from bot.sandbox.state import SandboxState, reset_database
from core.accounts import Role, User
from storage import Database
from tests.sandbox.test_chat import Script


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'sandbox.db'}"


@pytest.fixture
async def state(url: str) -> AsyncIterator[SandboxState]:
    database = Database(url)
    await database.migrate()
    yield SandboxState(database)
    await database.dispose()


async def _restarted(url: str) -> tuple[Database, SandboxState]:
    database = Database(url)
    await database.migrate()
    return database, SandboxState(database)


async def test_users_added_are_remembered_and_their_ids_never_given_again(
        url: str, state: SandboxState) -> None:
    lucia = await state.add_user("lucia", "es", "support", DEFAULT_USERS)
    assert (lucia.key, lucia.id, lucia.language_code, lucia.role) == ("lucia", 1004, "es",
                                                                      "support")
    database, again = await _restarted(url)
    try:
        assert await again.users() == [lucia]
        zed = await again.add_user("zed", "en", "", [*DEFAULT_USERS, lucia])
        assert zed.id == 1005
    finally:
        await database.dispose()


async def test_an_id_the_bot_already_knows_is_never_handed_out(
        url: str, state: SandboxState) -> None:
    """A database from before this fix: lucia (1004) is a user of the bot, not in the roster."""
    at = datetime(2026, 1, 1, tzinfo=UTC)
    async with state.database.uow() as uow:
        await uow.users.add(User(id=1004, first_name="Lucia", roles={Role.SUPPORT},
                                 email="lucia@example.com", created_at=at, last_seen_at=at))
        await uow.commit()
    zed = await state.add_user("zed", "en", "", DEFAULT_USERS)
    assert zed.id == 1005


async def test_the_clock_offset_is_kept(url: str, state: SandboxState) -> None:
    assert await state.offset() == timedelta(0)
    await state.save_offset(timedelta(days=5, hours=3))
    database, again = await _restarted(url)
    try:
        assert await again.offset() == timedelta(days=5, hours=3)
    finally:
        await database.dispose()


async def test_reset_starts_clean(url: str, tmp_path: Path, state: SandboxState) -> None:
    await state.add_user("lucia", "es", "", DEFAULT_USERS)
    await state.save_offset(timedelta(days=2))
    await state.database.dispose()
    await reset_database(url)
    assert not (tmp_path / "sandbox.db").exists()
    database, again = await _restarted(url)
    try:
        assert (await again.users(), await again.offset()) == ([], timedelta(0))
    finally:
        await database.dispose()


async def test_the_chat_adds_users_through_the_state(server: SandboxServer,
                                                     state: SandboxState) -> None:
    script = Script([(":add lucia es support", "added lucia (id 1004"), (":quit", None)])
    await run_chat(server, list(DEFAULT_USERS), script.input, script.output, state=state)
    script2 = Script([(":add zed en", "added zed (id 1005"), (":user", "lucia"),
                      (":quit", None)])
    known: list[ChatUser] = [*DEFAULT_USERS, *await state.users()]
    await run_chat(server, known, script2.input, script2.output, state=state)
    assert [u.key for u in await state.users()] == ["lucia", "zed"]
