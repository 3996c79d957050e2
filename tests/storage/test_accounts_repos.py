"""Users, dialog state and RAT-01 points on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import IntegrityError

from core.accounts import Role, User
from core.clock import FixedClock
from core.rating import PROFILE_COMPLETE, visit_day
from storage import Database


def _alice(clock: FixedClock) -> User:
    return User(id=5_000_000_001, first_name="Alice", last_name="Smith", username="Alice_Dev",
                language="ru", telegram_language="ru-RU", roles={Role.CLIENT, Role.EXPERT},
                email="alice@example.com", email_verified=True, created_at=clock.now(),
                last_seen_at=clock.now())


async def _add(database: Database, user: User) -> None:
    async with database.uow() as uow:
        await uow.users.add(user)
        await uow.commit()


async def test_acc_01_a_user_round_trips_with_roles_and_aware_utc_datetimes(
        database: Database, clock: FixedClock) -> None:
    alice = _alice(clock)
    kyiv = timezone(timedelta(hours=2))
    alice.last_seen_at = datetime(2026, 1, 15, 13, 0, tzinfo=kyiv)
    await _add(database, alice)
    async with database.uow() as uow:
        loaded = await uow.users.get(alice.id)
    assert loaded == alice
    assert loaded is not None and loaded.last_seen_at is not None
    assert loaded.last_seen_at.tzinfo is UTC
    assert loaded.last_seen_at == datetime(2026, 1, 15, 11, 0, tzinfo=UTC)
    assert loaded.roles == {Role.CLIENT, Role.EXPERT}


async def test_saving_a_user_persists_every_changed_field(database: Database,
                                                          clock: FixedClock) -> None:
    alice = _alice(clock)
    await _add(database, alice)
    alice.roles = {Role.SUPPORT}
    alice.email, alice.email_verified = "a@example.org", False
    alice.suspended_reason = "spam"
    alice.last_seen_at = clock.now() + timedelta(days=1)
    async with database.uow() as uow:
        await uow.users.save(alice)
        await uow.commit()
    async with database.uow() as uow:
        assert await uow.users.get(alice.id) == alice


async def test_saving_an_unknown_user_is_an_error(database: Database, clock: FixedClock) -> None:
    async with database.uow() as uow:
        with pytest.raises(LookupError):
            await uow.users.save(_alice(clock))


async def test_a_user_is_found_by_username_ignoring_case_and_at_sign(
        database: Database, clock: FixedClock) -> None:
    await _add(database, _alice(clock))
    async with database.uow() as uow:
        found = await uow.users.by_username("@alice_dev")
        assert found is not None and found.id == 5_000_000_001
        assert await uow.users.by_username("bob") is None
        assert await uow.users.by_username("@") is None


async def test_a_naive_datetime_is_refused(database: Database) -> None:
    async with database.uow() as uow:
        with pytest.raises(Exception, match="naive datetime"):
            await uow.users.add(User(id=1, created_at=datetime(2026, 1, 1)))


async def test_dialog_state_is_set_read_replaced_and_cleared(database: Database,
                                                             clock: FixedClock) -> None:
    await _add(database, _alice(clock))
    user_id = _alice(clock).id
    async with database.uow() as uow:
        assert await uow.dialogs.get(user_id) == (None, {})
        await uow.dialogs.set(user_id, "profile.email", {"first": "Алиса", "n": [1, 2]})
        await uow.commit()
    async with database.uow() as uow:
        assert await uow.dialogs.get(user_id) == ("profile.email", {"first": "Алиса", "n": [1, 2]})
        await uow.dialogs.set(user_id, "profile.last", {})
        assert await uow.dialogs.get(user_id) == ("profile.last", {})
        await uow.dialogs.clear(user_id)
        assert await uow.dialogs.get(user_id) == (None, {})
        await uow.commit()
    async with database.uow() as uow:
        assert await uow.dialogs.get(user_id) == (None, {})


async def test_dialog_state_of_an_unknown_user_violates_the_foreign_key(
        database: Database) -> None:
    async with database.uow() as uow:
        with pytest.raises(IntegrityError):
            await uow.dialogs.set(404, "start.role", {})


async def test_rat_01_an_award_counts_once_per_key_and_totals_add_up(
        database: Database, clock: FixedClock) -> None:
    alice = _alice(clock)
    bob = User(id=2, created_at=clock.now())
    await _add(database, alice)
    await _add(database, bob)
    async with database.uow() as uow:
        assert await uow.points.total(alice.id) == 0
        assert await uow.points.award(alice.id, PROFILE_COMPLETE, clock.now()) is True
        assert await uow.points.award(alice.id, PROFILE_COMPLETE, clock.now()) is False
        assert await uow.points.award(alice.id, visit_day("2026-01-15"), clock.now()) is True
        assert await uow.points.award(bob.id, PROFILE_COMPLETE, clock.now()) is True
        await uow.commit()
    async with database.uow() as uow:
        assert await uow.points.award(alice.id, visit_day("2026-01-15"), clock.now()) is False
        assert await uow.points.total(alice.id) == 51
        assert await uow.points.total(bob.id) == 50
