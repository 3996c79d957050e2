"""The SQL budget of the common updates: a change that adds a statement to one of them fails here.

Each update runs in one unit of work (one transaction, the update claimed in it), so its cost
on the database is mostly the number of statements it sends. They are counted where SQLite
runs them, with the sqlite3 connection's trace callback: ``BEGIN IMMEDIATE`` and ``COMMIT``
included, and anything the layers above send on their own (a PRAGMA per transaction would
count). If a change needs one more statement, raise the budget here in the same commit and
say why; if it saves one, lower it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable
from datetime import timedelta

import pytest

from core.clock import FixedClock
from tests.conversation.harness import BotHarness, ChatUser

#: Update -> the most statements it may send. Every update: BEGIN IMMEDIATE, the claim of its
#: update id reading the user with their dialog state (one INSERT ... RETURNING), ..., COMMIT.
BUDGET = {
    "/start of a new user": 6,  # + INSERT user, the day's visit point, the dialog state
    "sign-up button press": 5,  # + UPDATE user (the role), the dialog state
    "sign-up dialog step": 5,  # + UPDATE user (the name), the dialog state
    "last sign-up step": 6,  # + UPDATE user (e-mail), the sign-up points, end the dialog
    "/start of a known user": 3,  # nothing to write
    "/start of a known user an hour later": 4,  # + UPDATE user (last seen)
    "/help": 3,
    "/profile": 4,  # + the points total
    "stray text": 3,
}


async def _measure(bot: BotHarness, label: str, step: Awaitable[object],
                   spent: dict[str, int]) -> None:
    """Run ``step`` and note the statements SQLite ran for it under ``label``."""
    async with bot.database.uow() as uow:  # the file's one pooled connection, as sqlite3 has it
        driver = (await uow.session.get_raw_connection()).driver_connection
        assert driver is not None
        raw: sqlite3.Connection = driver._connection
    seen: list[str] = []
    raw.set_trace_callback(seen.append)
    try:
        await step
    finally:
        raw.set_trace_callback(None)
    spent[label] = len(seen)


@pytest.fixture
async def spent(bot: BotHarness) -> dict[str, int]:
    """Statements per update for a user signing up and then using the bot."""
    assert isinstance(bot.clock, FixedClock)
    spent: dict[str, int] = {}
    ann: ChatUser = bot.user(7, "Ann", "Lee", language_code="en")
    await _measure(bot, "/start of a new user", ann.command("/start"), spent)
    await _measure(bot, "sign-up button press", ann.press_data("start:role:both"), spent)
    await _measure(bot, "sign-up dialog step", ann.say("Ann"), spent)
    await ann.say("Lee")
    await _measure(bot, "last sign-up step", ann.say("ann@example.com"), spent)
    assert (await bot.stored(7)).has_full_profile
    await _measure(bot, "/start of a known user", ann.command("/start"), spent)
    await _measure(bot, "/help", ann.command("/help"), spent)
    await _measure(bot, "/profile", ann.command("/profile"), spent)
    await _measure(bot, "stray text", ann.say("hello there"), spent)
    bot.clock.advance(timedelta(hours=1))
    await _measure(bot, "/start of a known user an hour later", ann.command("/start"),
                   spent)
    return spent


@pytest.mark.parametrize("update", list(BUDGET))
async def test_a_common_update_keeps_to_its_statement_budget(spent: dict[str, int],
                                                              update: str) -> None:
    assert spent[update] <= BUDGET[update], (
        f"{update!r} now sends {spent[update]} statements, its budget is {BUDGET[update]}")
