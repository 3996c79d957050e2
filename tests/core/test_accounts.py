"""Accounts in core: roles (ACC-01), suspension (ACC-02), validation and language choice."""

from __future__ import annotations

import pytest

from core.accounts import (
    Role,
    User,
    ensure_can_act,
    pick_language,
    validate_email,
    validate_name,
)
from core.errors import Forbidden, InvalidInput


def test_acc_01_a_user_may_be_freelancer_and_employer_at_once() -> None:
    user = User(id=1, roles={Role.EXPERT, Role.CLIENT})
    assert user.is_onboarded
    assert not User(id=2, roles={Role.SUPPORT}).is_onboarded


def test_acc_02_a_suspended_user_is_refused_with_the_reason() -> None:
    with pytest.raises(Forbidden) as refused:
        ensure_can_act(User(id=1, suspended_reason="chargeback"))
    assert refused.value.params == {"reason": "chargeback"}
    ensure_can_act(User(id=2))


def test_rat_01_full_profile_needs_both_names_and_an_email() -> None:
    assert not User(id=1, first_name="Ann", last_name="Lee").has_full_profile
    assert User(id=1, first_name="Ann", last_name="Lee", email="a@b.co").has_full_profile


@pytest.mark.parametrize(("chosen", "telegram", "expected"), [
    ("uk", "ru", "uk"),
    (None, "ru-RU", "ru"),
    (None, "ES", "es"),
    (None, "de", "en"),
    (None, None, "en"),
    ("xx", "es", "es"),
])
def test_language_is_the_choice_then_telegrams_then_the_default(
        chosen: str | None, telegram: str | None, expected: str) -> None:
    assert pick_language(chosen, telegram) == expected


def test_names_are_trimmed_and_must_have_letters() -> None:
    assert validate_name("  Анна   Мария ") == "Анна Мария"
    for bad in ("", "   ", "12345", "/start", "x" * 65):
        with pytest.raises(InvalidInput):
            validate_name(bad)


def test_email_is_checked_and_its_domain_lower_cased() -> None:
    assert validate_email(" Ann.Lee+work@Example.COM ") == "Ann.Lee+work@example.com"
    for bad in ("ann", "ann@", "@example.com", "ann@example", "a b@example.com",
                "a@" + "x" * 250 + ".com"):
        with pytest.raises(InvalidInput):
            validate_email(bad)
