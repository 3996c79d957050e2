"""``/sandbox_time``: moves the sandbox clock forward; refused politely outside the sandbox."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.clock import FixedClock
from handlers.context import HandlerSettings
from handlers.sandbox_time import parse_offset
from storage import Database
from tests.conftest import START
from tests.conversation.harness import BotHarness


@pytest.fixture
def sandbox_bot(database: Database, clock: FixedClock) -> BotHarness:
    """The bot as the sandbox runs it."""
    return BotHarness(database, clock, HandlerSettings(sandbox=True))


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_sandbox_time_moves_the_clock_forward(sandbox_bot: BotHarness,
                                                    clock: FixedClock) -> None:
    olena = sandbox_bot.user(7, "Olena", language_code="uk")
    await olena.command("/sandbox_time +5d")
    assert clock.now() == START + timedelta(days=5)
    assert olena.reply == ("Годинник пісочниці переведено вперед на +5d, і він показує "
                           "20 січ. 2026\u202fр., 09:30 UTC. Усе, чому настав строк, "
                           "виконується; повідомлення про це надійдуть слідом.")
    await olena.command("/sandbox_time 3h 30m")
    assert clock.now() == START + timedelta(days=5, hours=3, minutes=30)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize("args", ["", "-5d", "tomorrow", "+0d", "5 days"])
async def test_sandbox_time_without_a_forward_offset_explains_itself(
        sandbox_bot: BotHarness, clock: FixedClock, args: str) -> None:
    alice = sandbox_bot.user(8, "Alice")
    await alice.command(f"/sandbox_time {args}")
    assert clock.now() == START
    assert alice.reply.startswith("The sandbox clock reads Jan 15, 2026, 9:30\u202fAM UTC. To "
                                  "move it forward, send for example /sandbox_time +5d")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_sandbox_time_refuses_to_jump_more_than_400_days(
        sandbox_bot: BotHarness, clock: FixedClock) -> None:
    bob = sandbox_bot.user(9, "Bob", language_code="es")
    await bob.command("/sandbox_time +401d")
    assert clock.now() == START
    assert bob.reply == "Es demasiado: adelanta el reloj como mucho 400 días cada vez."


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_sandbox_time_is_refused_politely_outside_the_sandbox(
        database: Database, clock: FixedClock) -> None:
    bot = BotHarness(database, clock, HandlerSettings(sandbox=False))
    alice = bot.user(10, "Alice")
    await alice.command("/sandbox_time +5d")
    assert clock.now() == START
    assert alice.reply == ("/sandbox_time works only in the sandbox: here the bot runs on real "
                           "time, which nobody can move.")


def test_offsets_combine_days_hours_and_minutes() -> None:
    assert parse_offset("+1d12h") == timedelta(days=1, hours=12)
    assert parse_offset(" +30M ") == timedelta(minutes=30)
    assert parse_offset("+5") is None
    assert parse_offset("+5w") is None


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("language", "reading"), [
    ("ru", "Часы песочницы показывают 15 янв. 2026\u202fг., 09:30 UTC."),
    ("es", "El reloj del sandbox indica el 15 ene 2026, 9:30 UTC."),
])
async def test_sandbox_time_reads_the_clock_in_the_users_language(
        sandbox_bot: BotHarness, language: str, reading: str) -> None:
    """The clock's reading is a moment like every other time the bot shows (handlers.formats),
    not an ISO-like "2026-01-15 09:30"."""
    person = sandbox_bot.user(11, "Lucia", language_code=language)
    await person.command("/sandbox_time")
    assert person.reply.startswith(reading)
