"""What the dispatcher writes per update: the user row only on change, the visit point once a day.

Statements are counted with a ``before_cursor_execute`` listener on the engine, so a row
rewritten with the same values still counts.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import event

from core.accounts import Role
from core.clock import FixedClock
from handlers.context import HandlerSettings
from handlers.dispatch import LAST_SEEN_PRECISION
from storage import Database
from tests.conversation.conftest import ADMIN_ID
from tests.conversation.harness import BotHarness, ChatUser

_USER_UPDATE = re.compile(r"^\s*UPDATE\s+\"?users\"?\s", re.IGNORECASE)
_POINTS_INSERT = re.compile(r"^\s*INSERT\s+(OR\s+IGNORE\s+)?INTO\s+\"?points\"?", re.IGNORECASE)


class Statements:
    """The SQL the engine sent while counting."""

    def __init__(self) -> None:
        """Start with nothing seen."""
        self.seen: list[str] = []

    def record(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        """The engine's ``before_cursor_execute`` hook."""
        self.seen.append(statement)

    @property
    def user_updates(self) -> int:
        """How many UPDATE statements on ``users`` were sent."""
        return sum(1 for s in self.seen if _USER_UPDATE.match(s))

    @property
    def point_inserts(self) -> int:
        """How many INSERT statements into ``points`` were sent."""
        return sum(1 for s in self.seen if _POINTS_INSERT.match(s))


@contextmanager
def counting(database: Database) -> Iterator[Statements]:
    """Count the statements sent while the block runs."""
    statements = Statements()
    engine = database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", statements.record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", statements.record)


async def _known(bot: BotHarness, at: datetime) -> ChatUser:
    """Ann, who has sent one update at ``at`` (so her row exists)."""
    assert isinstance(bot.clock, FixedClock)
    bot.clock.set(at)
    ann = bot.user(7, "Ann", username="ann", language_code="en")
    await ann.command("/help")
    assert (await bot.stored(7)).last_seen_at == at
    return ann


async def test_the_first_update_of_a_user_inserts_the_row_and_no_update(bot: BotHarness) -> None:
    ann = bot.user(7, "Ann")
    with counting(bot.database) as sql:
        await ann.command("/help")
    assert sql.user_updates == 0
    assert sql.point_inserts == 1
    assert (await bot.stored(7)).last_seen_at == bot.clock.now()


async def test_an_unchanged_user_is_not_rewritten_within_a_minute(
        bot: BotHarness, clock: FixedClock) -> None:
    start = clock.now()
    ann = await _known(bot, start)
    with counting(bot.database) as sql:
        clock.advance(timedelta(seconds=30))
        await ann.say("hello")
        clock.set(start + LAST_SEEN_PRECISION - timedelta(microseconds=1))
        await ann.command("/help")
    assert sql.user_updates == 0
    assert sql.point_inserts == 0
    assert (await bot.stored(7)).last_seen_at == start


async def test_an_unchanged_user_is_rewritten_once_a_minute_has_passed(
        bot: BotHarness, clock: FixedClock) -> None:
    start = clock.now()
    ann = await _known(bot, start)
    clock.set(start + LAST_SEEN_PRECISION)
    with counting(bot.database) as sql:
        await ann.command("/help")
    assert sql.user_updates == 1
    assert (await bot.stored(7)).last_seen_at == start + LAST_SEEN_PRECISION


async def test_a_clock_set_back_rewrites_last_seen(bot: BotHarness, clock: FixedClock) -> None:
    start = clock.now()
    ann = await _known(bot, start)
    clock.set(start - timedelta(seconds=5))
    with counting(bot.database) as sql:
        await ann.command("/help")
    assert sql.user_updates == 1
    assert (await bot.stored(7)).last_seen_at == start - timedelta(seconds=5)


async def test_a_new_username_is_written_at_once(bot: BotHarness, clock: FixedClock) -> None:
    ann = await _known(bot, clock.now())
    ann.tg = replace(ann.tg, username="ann_new")
    clock.advance(timedelta(seconds=5))
    with counting(bot.database) as sql:
        await ann.command("/help")
    assert sql.user_updates == 1
    stored = await bot.stored(7)
    assert stored.username == "ann_new"
    assert stored.last_seen_at == clock.now()


async def test_a_new_telegram_language_is_written_at_once(
        bot: BotHarness, clock: FixedClock) -> None:
    ann = await _known(bot, clock.now())
    ann.tg = replace(ann.tg, language_code="uk")
    clock.advance(timedelta(seconds=5))
    with counting(bot.database) as sql:
        await ann.command("/help")
    assert sql.user_updates == 1
    assert (await bot.stored(7)).telegram_language == "uk"


async def test_a_granted_admin_role_is_written_at_once(
        conversation_db: Database, clock: FixedClock) -> None:
    before = BotHarness(conversation_db, clock, HandlerSettings(admin_ids=frozenset()))
    await before.user(ADMIN_ID, "Sam").command("/help")
    assert Role.ADMIN not in (await before.stored(ADMIN_ID)).roles
    after = BotHarness(conversation_db, clock, HandlerSettings(admin_ids=frozenset({ADMIN_ID})))
    after.update_ids = itertools.count(5000)  # not the ids the first harness used
    clock.advance(timedelta(seconds=5))
    await after.user(ADMIN_ID, "Sam").command("/help")
    assert Role.ADMIN in (await after.stored(ADMIN_ID)).roles


async def test_rat_01_the_visit_point_is_awarded_once_per_utc_day(
        bot: BotHarness, clock: FixedClock) -> None:
    morning = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    ann = await _known(bot, morning)
    assert await bot.points(7) == 1
    with counting(bot.database) as sql:
        for hours in (1, 5, 15):
            clock.set(morning + timedelta(hours=hours))
            await ann.command("/help")
    assert sql.point_inserts == 0
    assert await bot.points(7) == 1
    clock.set(datetime(2026, 3, 3, 8, 0, tzinfo=UTC))
    with counting(bot.database) as sql:
        await ann.command("/help")
    assert sql.point_inserts == 1
    assert await bot.points(7) == 2


async def test_rat_01_a_visit_just_after_midnight_utc_earns_the_new_days_point(
        bot: BotHarness, clock: FixedClock) -> None:
    ann = await _known(bot, datetime(2026, 3, 2, 23, 59, 30, tzinfo=UTC))
    assert await bot.points(7) == 1
    clock.set(datetime(2026, 3, 3, 0, 0, 10, tzinfo=UTC))  # 40 s later: within the precision
    with counting(bot.database) as sql:
        await ann.command("/help")
    assert sql.user_updates == 1
    assert await bot.points(7) == 2
    assert (await bot.stored(7)).last_seen_at == clock.now()
    clock.advance(timedelta(seconds=20))
    await ann.command("/help")
    assert await bot.points(7) == 2


class _KyivClock(FixedClock):
    """A clock telling UTC instants in UTC+2 (days must still be UTC days)."""

    def now(self) -> datetime:
        return super().now().astimezone(timezone(timedelta(hours=2)))


async def test_rat_01_visit_days_are_utc_days_whatever_the_clocks_timezone(
        conversation_db: Database) -> None:
    clock = _KyivClock(datetime(2026, 3, 2, 23, 30, tzinfo=UTC))  # 01:30 on 3 March in Kyiv
    bot = BotHarness(conversation_db, clock)
    ann = bot.user(7, "Ann")
    await ann.command("/help")
    clock.set(datetime(2026, 3, 3, 0, 10, tzinfo=UTC))  # 02:10 the same Kyiv day
    await ann.command("/help")
    assert await bot.points(7) == 2  # 2 March and 3 March, UTC
    clock.set(datetime(2026, 3, 3, 22, 30, tzinfo=UTC))  # 00:30 on 4 March in Kyiv
    await ann.command("/help")
    assert await bot.points(7) == 2
