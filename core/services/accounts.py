"""Account use cases: language, roles (ACC-01), the basic profile and its RAT-01 award.

The rules, in one place:

- Onboarding asks, in order, only what is missing: a language (only when the user never chose
  one and Telegram reports none we support), a role (freelancer, employer or both; ACC-01),
  then first name, last name and e-mail. :func:`onboarding_step` tells which step is next.
- Each answer is saved when it is valid, because each is complete on its own; an invalid one
  changes nothing. Drafts of a dialog live only in the dialog state.
- Completing first name, last name and e-mail earns RAT-01's +50 once ever (the points record
  is keyed per user, so a repeat has no effect).
- A suspended user (ACC-02) may still read and pick a language, but not change roles or the
  profile: :func:`core.accounts.ensure_can_act` refuses with the reason.
- Support and admin roles are granted by staff, never chosen here; choosing roles keeps them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from core.accounts import (
    SUPPORTED_LANGUAGES,
    Role,
    User,
    ensure_can_act,
    validate_email,
    validate_name,
)
from core.errors import N_, InvalidInput
from core.ports import UnitOfWork
from core.rating import PROFILE_COMPLETE

__all__ = [
    "MARKET_ROLES",
    "ROLE_CHOICES",
    "OnboardingStep",
    "ProfileChange",
    "ProfileField",
    "award_profile_complete",
    "choose_language",
    "choose_roles",
    "onboarding_step",
    "parse_language",
    "parse_role_choice",
    "role_choice_of",
    "telegram_language",
    "update_profile",
]

MARKET_ROLES: frozenset[Role] = frozenset({Role.EXPERT, Role.CLIENT})
ROLE_CHOICES: dict[str, frozenset[Role]] = {
    "expert": frozenset({Role.EXPERT}),
    "client": frozenset({Role.CLIENT}),
    "both": MARKET_ROLES,
}


class OnboardingStep(StrEnum):
    """What ``/start`` asks next."""

    LANGUAGE = "language"
    ROLE = "role"
    FIRST_NAME = "first_name"
    LAST_NAME = "last_name"
    EMAIL = "email"


class ProfileField(StrEnum):
    """A basic profile field a user types."""

    FIRST_NAME = "first_name"
    LAST_NAME = "last_name"
    EMAIL = "email"


@dataclass(frozen=True, slots=True)
class ProfileChange:
    """The saved value and the points this change earned (0 unless it completed the profile)."""

    value: str
    points_awarded: int = 0


def parse_language(code: str) -> str | None:
    """A supported language code exactly as given, or ``None`` (forged or unknown)."""
    return code if code in SUPPORTED_LANGUAGES else None


def telegram_language(code: str | None) -> str | None:
    """The supported language Telegram reports (``"ru-RU"`` -> ``"ru"``), or ``None``."""
    if not code:
        return None
    return parse_language(code.split("-")[0].lower())


def parse_role_choice(choice: str) -> frozenset[Role] | None:
    """``expert``, ``client`` or ``both`` as roles; ``None`` for anything else."""
    return ROLE_CHOICES.get(choice)


def role_choice_of(user: User) -> str | None:
    """The choice matching the user's market roles, or ``None`` if they have none yet."""
    mine = frozenset(user.roles) & MARKET_ROLES
    return next((name for name, roles in ROLE_CHOICES.items() if roles == mine), None)


def onboarding_step(user: User) -> OnboardingStep | None:
    """The first missing onboarding answer, or ``None`` when the user is fully set up."""
    if not user.is_onboarded:
        if parse_language(user.language or "") is None and (
            telegram_language(user.telegram_language) is None
        ):
            return OnboardingStep.LANGUAGE
        return OnboardingStep.ROLE
    if not user.first_name:
        return OnboardingStep.FIRST_NAME
    if not user.last_name:
        return OnboardingStep.LAST_NAME
    if not user.email:
        return OnboardingStep.EMAIL
    return None


async def choose_language(uow: UnitOfWork, user: User, code: str) -> str:
    """Store the user's language; a language we do not have is refused.

    Allowed to suspended users too: choosing how to read is not acting (ACC-02).
    """
    language = parse_language(code)
    if language is None:
        raise InvalidInput(N_("This language is not available."))
    user.language = language
    await uow.users.save(user)
    return language


async def choose_roles(uow: UnitOfWork, user: User, roles: frozenset[Role]) -> frozenset[Role]:
    """ACC-01: act as freelancer, employer or both; staff roles are kept, never self-granted."""
    ensure_can_act(user)
    if not roles or not roles <= MARKET_ROLES:
        raise InvalidInput(N_("Please choose freelancer, employer or both."))
    user.roles = (set(user.roles) - MARKET_ROLES) | set(roles)
    await uow.users.save(user)
    return roles


async def update_profile(uow: UnitOfWork, user: User, field: ProfileField, raw: str,
                         now: datetime) -> ProfileChange:
    """Validate and save one profile field; award RAT-01 +50 if the profile became complete.

    Raises:
        InvalidInput: the value is unusable (nothing is changed).
        Forbidden: the account is suspended (ACC-02).
    """
    ensure_can_act(user)
    if field is ProfileField.EMAIL:
        value = validate_email(raw)
        if value != user.email:
            user.email, user.email_verified = value, False
    else:
        value = validate_name(raw)
        setattr(user, field.value, value)
    await uow.users.save(user)
    awarded = await award_profile_complete(uow, user, now)
    return ProfileChange(value, PROFILE_COMPLETE.points if awarded else 0)


async def award_profile_complete(uow: UnitOfWork, user: User, now: datetime) -> bool:
    """RAT-01: +50 for first and last name plus e-mail, once ever; True if awarded now."""
    if not user.has_full_profile:
        return False
    return await uow.points.award(user.id, PROFILE_COMPLETE, now)
