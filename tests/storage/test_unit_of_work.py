"""The unit of work: commit or roll back together; each update is claimed once."""

from __future__ import annotations

import asyncio

import pytest

from core.accounts import User
from core.clock import FixedClock
from storage import Database


async def _claimed(database: Database, update_id: int, clock: FixedClock) -> bool:
    """True if ``update_id`` is already recorded (claiming it again fails)."""
    async with database.uow() as uow:
        return not await uow.updates.claim(update_id, clock.now())


async def test_a_unit_of_work_without_commit_rolls_back(database: Database,
                                                        clock: FixedClock) -> None:
    async with database.uow() as uow:
        await uow.users.add(User(id=1, created_at=clock.now()))
        assert await uow.users.get(1) is not None
    async with database.uow() as uow:
        assert await uow.users.get(1) is None


async def test_a_committed_unit_of_work_persists(database: Database, clock: FixedClock) -> None:
    async with database.uow() as uow:
        await uow.users.add(User(id=1, created_at=clock.now()))
        await uow.commit()
    async with database.uow() as uow:
        assert await uow.users.get(1) is not None


async def test_an_error_inside_a_unit_of_work_rolls_back_and_propagates(
        database: Database, clock: FixedClock) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        async with database.uow() as uow:
            await uow.users.add(User(id=1, created_at=clock.now()))
            raise RuntimeError("boom")
    async with database.uow() as uow:
        assert await uow.users.get(1) is None


async def test_work_after_a_commit_is_rolled_back_unless_committed_again(
        database: Database, clock: FixedClock) -> None:
    async with database.uow() as uow:
        await uow.users.add(User(id=1, created_at=clock.now()))
        await uow.commit()
        await uow.users.add(User(id=2, created_at=clock.now()))
    async with database.uow() as uow:
        assert await uow.users.get(1) is not None
        assert await uow.users.get(2) is None


async def test_an_update_claimed_twice_is_a_duplicate_the_second_time(
        database: Database, clock: FixedClock) -> None:
    async with database.uow() as uow:
        assert await uow.updates.claim(100, clock.now()) is True
        await uow.commit()
    async with database.uow() as uow:
        assert await uow.updates.claim(100, clock.now()) is False
        assert await uow.updates.claim(101, clock.now()) is True  # the transaction still works


async def test_a_duplicate_claim_in_a_rolled_back_unit_of_work_leaves_nothing(
        database: Database, clock: FixedClock) -> None:
    async with database.uow() as uow:
        assert await uow.updates.claim(200, clock.now()) is True
        assert await uow.updates.claim(200, clock.now()) is False
        await uow.users.add(User(id=1, created_at=clock.now()))  # still usable after the False
        await uow.rollback()
    assert not await _claimed(database, 200, clock)
    async with database.uow() as uow:
        assert await uow.users.get(1) is None


async def test_concurrent_claims_of_one_update_have_exactly_one_winner(
        database: Database, clock: FixedClock) -> None:
    async def claim() -> bool:
        async with database.uow() as uow:
            won = await uow.updates.claim(300, clock.now())
            await uow.commit()
            return won

    results = await asyncio.gather(*(claim() for _ in range(5)))
    assert sorted(results) == [False, False, False, False, True]


async def test_using_a_unit_of_work_outside_its_block_is_an_error(database: Database) -> None:
    uow = database.uow()
    with pytest.raises(RuntimeError, match="not open"):
        _ = uow.session
