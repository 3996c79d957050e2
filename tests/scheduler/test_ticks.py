"""Ticks: what is due is read from stored state, so downtime is caught up, exactly once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.scheduler import SandboxClock, SoleLeader, TickScheduler
from core.clock import FixedClock
from core.holds import available_at
from core.money import Money
from core.ports import UnitOfWork
from core.services.ledger import available_account, pending_account
from core.services.ticks import TickRegistry, TickReport, run_ticks
from storage import Database
from tests.scheduler.conftest import add_expert, hold_until, outbox_count, outbox_texts

MONDAY = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)  # processed Mon/Tue/Wed ->
SATURDAY, SUNDAY, MONDAY_AFTER = (datetime(2026, 12, d, tzinfo=UTC) for d in (5, 6, 7))


async def _balances(database: Database, expert: int) -> tuple[Money, Money]:
    async with database.uow() as uow:
        return (await uow.ledger.balance(pending_account(expert, "USD")),
                await uow.ledger.balance(available_account(expert, "USD")))


async def _three_holds(database: Database) -> list[int]:
    """HOLD-01: processed Monday, Tuesday, Wednesday -> available Saturday, Sunday, Monday."""
    await add_expert(database, 11, "en")
    await add_expert(database, 12, "ru")
    processed = [MONDAY + timedelta(days=n) for n in range(3)]
    assert [available_at(p) for p in processed] == [SATURDAY, SUNDAY, MONDAY_AFTER]
    holds = [await hold_until(database, 11, "10", available_at(processed[0]), "r1"),
             await hold_until(database, 12, "20", available_at(processed[1]), "r2"),
             await hold_until(database, 11, "5.5", available_at(processed[2]), "r3")]
    return [hold.id for hold in holds]


async def test_hold_01_holds_due_while_the_bot_was_down_clear_exactly_once_after_restart(
        database: Database) -> None:
    hold_ids = await _three_holds(database)
    clock = FixedClock(SATURDAY - timedelta(hours=1))
    before = TickScheduler(database, clock, leader=SoleLeader())
    report = await before.tick_now()
    assert report is not None and report.total == 0

    # The bot is down from Friday 23:00 across all three instants; it restarts on Tuesday.
    clock.set(MONDAY_AFTER + timedelta(days=1, hours=9))
    after = TickScheduler(database, clock, leader=SoleLeader())
    report = await after.tick_now()

    assert report is not None and report.done["holds"] == 3 and not report.failed
    assert await _balances(database, 11) == (Money.of("0", "USD"), Money.of("15.5", "USD"))
    assert await _balances(database, 12) == (Money.of("0", "USD"), Money.of("20", "USD"))
    assert await outbox_texts(database) == [
        (11, "$10.00 is now available in your wallet. Send /wallet to see your balance.",
         f"hold-cleared:{hold_ids[0]}"),
        (12, "20,00\xa0$ теперь доступны в вашем кошельке. Отправьте /wallet, чтобы увидеть "
             "баланс.", f"hold-cleared:{hold_ids[1]}"),
        (11, "$5.50 is now available in your wallet. Send /wallet to see your balance.",
         f"hold-cleared:{hold_ids[2]}"),
    ]

    again = await after.tick_now()
    assert again is not None and again.total == 0
    assert await outbox_count(database) == 3
    assert await _balances(database, 11) == (Money.of("0", "USD"), Money.of("15.5", "USD"))


async def test_hold_01_a_tick_clears_only_what_is_due_at_its_instant(database: Database) -> None:
    await _three_holds(database)
    from handlers.jobs import run_ticks as run_registered

    report = await run_registered(database.uow, SATURDAY - timedelta(microseconds=1))
    assert report.total == 0
    report = await run_registered(database.uow, SATURDAY)
    assert report.done["holds"] == 1
    assert await _balances(database, 11) == (Money.of("5.5", "USD"), Money.of("10", "USD"))
    report = await run_registered(database.uow, SUNDAY + timedelta(hours=5))
    assert report.done["holds"] == 1
    assert await _balances(database, 12) == (Money.of("0", "USD"), Money.of("20", "USD"))
    assert await outbox_count(database) == 2


async def test_a_failing_tick_is_reported_and_the_other_ticks_still_run(
        database: Database) -> None:
    registry = TickRegistry()
    work = [3]

    @registry.tick("broken")
    async def broken(uow: UnitOfWork, at: datetime) -> int:
        raise RuntimeError("boom")

    @registry.tick("countdown")
    async def countdown(uow: UnitOfWork, at: datetime) -> int:
        if not work[0]:
            return 0
        work[0] -= 1
        return 1

    report = await run_ticks(registry, database.uow, SATURDAY)
    assert report.failed == {"broken": "RuntimeError('boom')"}
    assert report.done == {"broken": 0, "countdown": 3}
    assert registry.names() == ["broken", "countdown"]


def test_a_tick_name_is_registered_once() -> None:
    registry = TickRegistry()
    registry.tick("holds")(_nothing)
    try:
        registry.tick("holds")(_nothing)
    except ValueError as error:
        assert "twice" in str(error)
    else:
        raise AssertionError("a second 'holds' tick was accepted")


async def _nothing(uow: UnitOfWork, at: datetime) -> int:
    return 0


async def test_moving_the_sandbox_clock_runs_the_ticks_for_the_new_instant(
        database: Database) -> None:
    seen: list[datetime] = []

    async def runner(uow_factory: Callable[[], UnitOfWork], at: datetime) -> TickReport:
        seen.append(at)
        return await run_ticks(TickRegistry(), database.uow, at)

    clock = SandboxClock(base=FixedClock(SATURDAY))
    scheduler = TickScheduler(database, clock, leader=SoleLeader(), runner=runner)
    clock.advance(timedelta(days=5))
    await scheduler.settle()
    assert seen == [SATURDAY + timedelta(days=5)]

    await scheduler.stop()  # a stopped scheduler no longer listens to the clock
    clock.advance(timedelta(days=1))
    await scheduler.settle()
    assert seen == [SATURDAY + timedelta(days=5)]


async def test_a_scheduler_that_does_not_lead_runs_nothing(database: Database) -> None:
    class Follower:
        async def ensure(self) -> bool:
            return False

        async def release(self) -> None:
            return None

    await _three_holds(database)
    scheduler = TickScheduler(database, FixedClock(MONDAY_AFTER + timedelta(days=1)),
                              leader=Follower())
    assert await scheduler.tick_now() is None
    assert await outbox_count(database) == 0
