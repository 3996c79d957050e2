"""The send limits shared by every bot process through PostgreSQL (bot.send_budget).

Each :class:`PostgresSendBudget` below stands for one bot process with its own engine. The
buckets run on the database server's clock; the rates are chosen so slow that no test waits
for a refill (a refused take says how long to wait, it never sleeps here).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from bot.send_budget import NoSharedBudget, PostgresSendBudget, send_budget_for
from storage import Database

pytestmark = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)


@pytest.fixture
async def other_process(database: Database) -> AsyncIterator[Database]:
    """The same database through another engine, as a second bot process has it."""
    other = Database(database.url, schema=database.schema)
    try:
        yield other
    finally:
        await other.dispose()


async def _keys(database: Database) -> set[str]:
    async with database.engine.connect() as connection:
        return set((await connection.execute(text("SELECT key FROM send_budget"))).scalars())


async def test_the_overall_limit_holds_across_processes(
        database: Database, other_process: Database) -> None:
    one = PostgresSendBudget(database, overall=0.01)  # one message per 100 s
    two = PostgresSendBudget(other_process, overall=0.01)
    assert await one.reserve(1001) == 0.0
    # Another chat, another process: the bot's budget is spent, the next slot is in 100 s,
    # and the one after that in 200 s (each taker gets its own slot).
    assert 99 < await two.reserve(1002) <= 100.1
    assert 199 < await one.reserve(None) <= 200.1
    assert await _keys(database) == {"all", "chat:1001", "chat:1002"}


async def test_the_per_chat_limit_holds_across_processes(
        database: Database, other_process: Database) -> None:
    one = PostgresSendBudget(database, overall=1000, per_chat=0.01)
    two = PostgresSendBudget(other_process, overall=1000, per_chat=0.01)
    assert await one.reserve(1001) == 0.0
    assert await two.reserve(1002) < 0.01  # other chats are free
    assert 99 < await two.reserve(1001) <= 100.2  # chat 1001 had its message
    # ... and waiting for it does not hold the others back: no overall slot was reserved.
    assert await two.reserve(None) < 0.01  # a reply takes the overall bucket only


async def test_a_burst_lets_that_many_through_at_once(database: Database) -> None:
    budget = PostgresSendBudget(database, overall=0.01, burst=3)
    assert [await budget.reserve(None) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert 99 < await budget.reserve(None) <= 100.1


async def test_quiet_chats_are_purged_and_the_overall_bucket_kept(database: Database) -> None:
    budget = PostgresSendBudget(database, overall=1000)
    await budget.reserve(1001)
    assert await budget.purge(idle=3600) == 0
    assert await budget.purge(idle=-3600) == 1  # "quiet for -1 h": every chat qualifies
    assert await _keys(database) == {"all"}


async def test_postgresql_shares_the_budget_and_sqlite_needs_none(
        database: Database, tmp_path: object) -> None:
    assert isinstance(send_budget_for(database), PostgresSendBudget)
    sqlite = Database(f"sqlite+aiosqlite:///{tmp_path}/x.db")
    try:
        assert isinstance(send_budget_for(sqlite), NoSharedBudget)
    finally:
        await sqlite.dispose()
