"""E-mail verification rules: codes, expiry, attempts, resend limits, RAT-01 +20."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import pytest

from core.accounts import User
from core.clock import FixedClock
from core.email_verification import (
    CODE_TTL,
    EmailCode,
    Outcome,
    OutgoingMail,
    hash_code,
    new_code,
    request_code,
    verify_code,
)
from core.errors import Conflict, Forbidden, InvalidInput
from core.rating import EMAIL_VERIFIED, Award
from tests.fakes import FakeUnitOfWork, Unfaked


class Dice:
    """A code source that returns the numbers it was given, in turn."""

    def __init__(self, *numbers: int) -> None:
        self.numbers = list(numbers)

    def randbelow(self, n: int) -> int:
        """The next number (modulo ``n``)."""
        return self.numbers.pop(0) % n if self.numbers else 7 % n


@dataclass
class FakeEmailRepo:
    codes: list[EmailCode] = field(default_factory=list)
    mails: list[OutgoingMail] = field(default_factory=list)

    async def add_code(self, code: EmailCode) -> EmailCode:
        stored = replace(code, id=len(self.codes) + 1)
        self.codes.append(stored)
        return stored

    async def latest_code(self, user_id: int) -> EmailCode | None:
        mine = [c for c in self.codes if c.user_id == user_id]
        return replace(mine[-1]) if mine else None

    async def save_code(self, code: EmailCode) -> None:
        self.codes = [replace(code) if c.id == code.id else c for c in self.codes]

    async def codes_sent_since(self, user_id: int, since: datetime) -> list[datetime]:
        return [c.created_at for c in self.codes if c.user_id == user_id and c.created_at >= since]

    async def enqueue(self, mail: OutgoingMail) -> None:
        self.mails.append(mail)


@dataclass
class FakeUsers(Unfaked):
    saved: list[User] = field(default_factory=list)

    async def save(self, user: User) -> None:
        self.saved.append(user)


@dataclass
class FakePoints(Unfaked):
    awards: dict[tuple[int, str], Award] = field(default_factory=dict)

    async def award(self, user_id: int, award: Award, at: datetime) -> bool:
        return self.awards.setdefault((user_id, award.key), award) is award


class FakeUow(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__()
        self.email: FakeEmailRepo = FakeEmailRepo()
        self.users: FakeUsers = FakeUsers()
        self.points: FakePoints = FakePoints()


def render(code: str) -> tuple[str, str]:
    return "Your code", f"The code is {code}."


@pytest.fixture
def uow() -> FakeUow:
    return FakeUow()


@pytest.fixture
def user() -> User:
    return User(id=1, first_name="Ann", last_name="Lee", email="ann@example.com")


async def test_new_code_has_six_digits_with_leading_zeros() -> None:
    assert new_code(Dice(42)) == "000042"
    assert new_code(Dice(999_999)) == "999999"


async def test_rat_01_the_right_code_verifies_and_awards_twenty_points_once(
        uow: FakeUow, user: User, clock: FixedClock) -> None:
    await request_code(uow, user, clock.now(), render, Dice(123456, 99))
    assert uow.email.mails[-1].to == "ann@example.com"
    assert "123456" in uow.email.mails[-1].body
    result = await verify_code(uow, user, "123 456", clock.now())
    assert result.outcome is Outcome.VERIFIED and result.points == 20
    assert user.email_verified and uow.users.saved == [user]
    assert uow.points.awards[(1, EMAIL_VERIFIED.key)].points == 20
    again = await verify_code(uow, user, "123456", clock.now())
    assert again.outcome is Outcome.NO_CODE  # single use


async def test_the_code_is_stored_hashed_never_in_clear(uow: FakeUow, user: User,
                                                        clock: FixedClock) -> None:
    await request_code(uow, user, clock.now(), render, Dice(123456, 5))
    stored = uow.email.codes[-1]
    assert "123456" not in stored.code_hash
    assert stored.code_hash == hash_code("123456", stored.salt)


async def test_a_code_expires_after_fifteen_minutes(uow: FakeUow, user: User,
                                                    clock: FixedClock) -> None:
    await request_code(uow, user, clock.now(), render, Dice(111111))
    clock.advance(CODE_TTL - timedelta(seconds=1))
    assert (await verify_code(uow, user, "000000", clock.now())).outcome is Outcome.WRONG
    clock.advance(timedelta(seconds=1))
    assert (await verify_code(uow, user, "111111", clock.now())).outcome is Outcome.EXPIRED
    assert not user.email_verified


async def test_five_wrong_attempts_exhaust_the_code(uow: FakeUow, user: User,
                                                    clock: FixedClock) -> None:
    await request_code(uow, user, clock.now(), render, Dice(222222))
    lefts = [(await verify_code(uow, user, "000000", clock.now())).attempts_left
             for _ in range(4)]
    assert lefts == [4, 3, 2, 1]
    fifth = await verify_code(uow, user, "000000", clock.now())
    assert fifth.outcome is Outcome.EXHAUSTED
    right = await verify_code(uow, user, "222222", clock.now())
    assert right.outcome is Outcome.EXHAUSTED and not user.email_verified


async def test_a_malformed_code_is_refused_without_using_an_attempt(
        uow: FakeUow, user: User, clock: FixedClock) -> None:
    await request_code(uow, user, clock.now(), render, Dice(333333))
    for typed in ("12345", "1234567", "abcdef", "١٢٣٤٥٦"):
        with pytest.raises(InvalidInput):
            await verify_code(uow, user, typed, clock.now())
    assert uow.email.codes[-1].attempts == 0


async def test_resend_waits_sixty_seconds_and_allows_five_an_hour(
        uow: FakeUow, user: User, clock: FixedClock) -> None:
    await request_code(uow, user, clock.now(), render)
    clock.advance(timedelta(seconds=59))
    with pytest.raises(Conflict) as wait:
        await request_code(uow, user, clock.now(), render)
    assert wait.value.params == {"seconds": 1}
    for _ in range(4):
        clock.advance(timedelta(seconds=61))
        await request_code(uow, user, clock.now(), render)
    clock.advance(timedelta(minutes=5))
    with pytest.raises(Conflict) as hourly:
        await request_code(uow, user, clock.now(), render)
    assert hourly.value.params["minutes"] > 0
    assert len(uow.email.mails) == 5
    clock.advance(timedelta(hours=1))
    await request_code(uow, user, clock.now(), render)
    assert len(uow.email.mails) == 6


async def test_a_new_code_replaces_the_old_one(uow: FakeUow, user: User,
                                               clock: FixedClock) -> None:
    await request_code(uow, user, clock.now(), render, Dice(444444))
    clock.advance(timedelta(minutes=2))
    await request_code(uow, user, clock.now(), render, Dice(555555))
    assert (await verify_code(uow, user, "444444", clock.now())).outcome is Outcome.WRONG
    assert (await verify_code(uow, user, "555555", clock.now())).outcome is Outcome.VERIFIED


async def test_a_code_for_a_previous_address_verifies_nothing(uow: FakeUow, user: User,
                                                              clock: FixedClock) -> None:
    await request_code(uow, user, clock.now(), render, Dice(666666))
    user.email = "other@example.com"
    assert (await verify_code(uow, user, "666666", clock.now())).outcome is Outcome.NO_CODE
    assert not user.email_verified


async def test_no_email_or_already_verified_is_refused(uow: FakeUow, user: User,
                                                       clock: FixedClock) -> None:
    user.email = None
    with pytest.raises(InvalidInput):
        await request_code(uow, user, clock.now(), render)
    user.email, user.email_verified = "ann@example.com", True
    with pytest.raises(Conflict):
        await request_code(uow, user, clock.now(), render)
    assert uow.email.mails == []


async def test_acc_02_a_suspended_user_can_neither_request_nor_enter_a_code(
        uow: FakeUow, user: User, clock: FixedClock) -> None:
    await request_code(uow, user, clock.now(), render, Dice(777777))
    user.suspended_reason = "spam"
    with pytest.raises(Forbidden):
        await verify_code(uow, user, "777777", clock.now())
    with pytest.raises(Forbidden):
        await request_code(uow, user, clock.now() + timedelta(minutes=5), render)
    assert not user.email_verified
