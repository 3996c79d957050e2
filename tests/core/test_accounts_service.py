"""Account use cases over an in-memory unit of work: language, roles, profile, RAT-01."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from core.accounts import Role, User
from core.errors import Forbidden, InvalidInput
from core.rating import PROFILE_COMPLETE, Award
from core.services.accounts import (
    OnboardingStep,
    ProfileField,
    choose_language,
    choose_roles,
    onboarding_step,
    parse_language,
    parse_role_choice,
    role_choice_of,
    telegram_language,
    update_profile,
)
from tests.fakes import FakeUnitOfWork

NOW = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)


class FakeUsers:
    """Users kept in a dict; ``saved`` counts writes."""

    def __init__(self) -> None:
        self.rows: dict[int, User] = {}
        self.saved = 0

    async def get(self, user_id: int) -> User | None:
        return self.rows.get(user_id)

    async def add(self, user: User) -> None:
        self.rows[user.id] = user

    async def save(self, user: User) -> None:
        self.saved += 1
        self.rows[user.id] = user

    async def by_username(self, username: str) -> User | None:
        return next((u for u in self.rows.values() if u.username == username), None)


class FakePoints:
    """Awards keyed per (user, key), as the real table is."""

    def __init__(self) -> None:
        self.awards: dict[tuple[int, str], int] = {}

    async def award(self, user_id: int, award: Award, at: datetime) -> bool:
        if (user_id, award.key) in self.awards:
            return False
        self.awards[(user_id, award.key)] = award.points
        return True

    async def total(self, user_id: int) -> int:
        return sum(p for (uid, _), p in self.awards.items() if uid == user_id)


class FakeDialogs:
    async def get(self, user_id: int) -> tuple[str | None, dict[str, Any]]:
        return None, {}

    async def set(self, user_id: int, state: str | None, draft: Mapping[str, Any]) -> None:
        return None

    async def clear(self, user_id: int) -> None:
        return None


class FakeUow(FakeUnitOfWork):
    """Just the repositories the account services use."""

    def __init__(self) -> None:
        super().__init__()
        self.users: FakeUsers = FakeUsers()
        self.points: FakePoints = FakePoints()
        self.dialogs: FakeDialogs = FakeDialogs()


@pytest.fixture
def uow() -> FakeUow:
    return FakeUow()


def _user(**fields: Any) -> User:
    return User(id=7, **fields)


def test_onboarding_asks_the_language_only_when_telegrams_is_unsupported() -> None:
    assert onboarding_step(_user(telegram_language="de")) is OnboardingStep.LANGUAGE
    assert onboarding_step(_user(telegram_language=None)) is OnboardingStep.LANGUAGE
    assert onboarding_step(_user(telegram_language="ru-RU")) is OnboardingStep.ROLE
    assert onboarding_step(_user(telegram_language="de", language="es")) is OnboardingStep.ROLE


def test_onboarding_asks_what_is_missing_in_order() -> None:
    user = _user(telegram_language="en", roles={Role.CLIENT})
    assert onboarding_step(user) is OnboardingStep.FIRST_NAME
    user.first_name = "Ann"
    assert onboarding_step(user) is OnboardingStep.LAST_NAME
    user.last_name = "Lee"
    assert onboarding_step(user) is OnboardingStep.EMAIL
    user.email = "ann@example.com"
    assert onboarding_step(user) is None


def test_forged_codes_and_choices_parse_to_nothing() -> None:
    assert parse_language("ru") == "ru"
    assert [parse_language(c) for c in ("de", "", "RU", "ru ", "en:x")] == [None] * 5
    assert telegram_language("uk-UA") == "uk" and telegram_language("pt-BR") is None
    assert parse_role_choice("both") == {Role.EXPERT, Role.CLIENT}
    assert [parse_role_choice(c) for c in ("admin", "support", "", "Both")] == [None] * 4


async def test_choosing_a_language_saves_it_and_refuses_unknown_ones(uow: FakeUow) -> None:
    user = _user()
    assert await choose_language(uow, user, "uk") == "uk"
    assert user.language == "uk" and uow.users.saved == 1
    with pytest.raises(InvalidInput):
        await choose_language(uow, user, "de")
    assert user.language == "uk" and uow.users.saved == 1


async def test_acc_02_a_suspended_user_may_still_choose_a_language(uow: FakeUow) -> None:
    user = _user(suspended_reason="fraud review")
    assert await choose_language(uow, user, "es") == "es"


async def test_acc_01_roles_are_freelancer_employer_or_both_and_keep_staff_roles(
        uow: FakeUow) -> None:
    user = _user(roles={Role.ADMIN})
    await choose_roles(uow, user, frozenset({Role.EXPERT}))
    assert user.roles == {Role.ADMIN, Role.EXPERT} and role_choice_of(user) == "expert"
    await choose_roles(uow, user, frozenset({Role.EXPERT, Role.CLIENT}))
    assert role_choice_of(user) == "both"
    await choose_roles(uow, user, frozenset({Role.CLIENT}))
    assert user.roles == {Role.ADMIN, Role.CLIENT}


async def test_acc_01_staff_roles_cannot_be_chosen_by_the_user(uow: FakeUow) -> None:
    user = _user(roles={Role.CLIENT})
    for roles in (frozenset(), frozenset({Role.SUPPORT}), frozenset({Role.ADMIN, Role.CLIENT})):
        with pytest.raises(InvalidInput):
            await choose_roles(uow, user, roles)
    assert user.roles == {Role.CLIENT} and uow.users.saved == 0


async def test_acc_02_a_suspended_user_cannot_change_roles_or_profile(uow: FakeUow) -> None:
    user = _user(roles={Role.CLIENT}, suspended_reason="chargeback")
    with pytest.raises(Forbidden):
        await choose_roles(uow, user, frozenset({Role.EXPERT}))
    with pytest.raises(Forbidden):
        await update_profile(uow, user, ProfileField.FIRST_NAME, "Ann", NOW)
    assert user.roles == {Role.CLIENT} and user.first_name is None and uow.users.saved == 0


async def test_an_invalid_value_changes_nothing(uow: FakeUow) -> None:
    user = _user(email="old@example.com", email_verified=True)
    with pytest.raises(InvalidInput):
        await update_profile(uow, user, ProfileField.EMAIL, "not an address", NOW)
    assert user.email == "old@example.com" and user.email_verified
    assert uow.users.saved == 0


async def test_a_new_email_is_no_longer_verified(uow: FakeUow) -> None:
    user = _user(email="old@example.com", email_verified=True)
    await update_profile(uow, user, ProfileField.EMAIL, "old@EXAMPLE.com", NOW)
    assert user.email_verified
    change = await update_profile(uow, user, ProfileField.EMAIL, "new@example.com", NOW)
    assert change.value == "new@example.com" and not user.email_verified


async def test_rat_01_completing_names_and_email_awards_50_once(uow: FakeUow) -> None:
    user = _user(roles={Role.EXPERT})
    first = await update_profile(uow, user, ProfileField.FIRST_NAME, " Ann ", NOW)
    last = await update_profile(uow, user, ProfileField.LAST_NAME, "Lee", NOW)
    assert (first.value, first.points_awarded, last.points_awarded) == ("Ann", 0, 0)
    email = await update_profile(uow, user, ProfileField.EMAIL, "ann@example.com", NOW)
    assert email.points_awarded == PROFILE_COMPLETE.points == 50
    again = await update_profile(uow, user, ProfileField.EMAIL, "ann@example.org", NOW)
    renamed = await update_profile(uow, user, ProfileField.FIRST_NAME, "Anna", NOW)
    assert again.points_awarded == renamed.points_awarded == 0
    assert await uow.points.total(user.id) == 50
