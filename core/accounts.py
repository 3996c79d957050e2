"""Accounts: who a user is, which roles they hold (ACC-01), and profile validation.

A Telegram user may be expert and client at once (ACC-01). Support and admin are granted by
staff. A suspended account can read but not act (ACC-02): services call
:func:`ensure_can_act` before every change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from core.errors import N_, Forbidden, InvalidInput

__all__ = [
    "SUPPORTED_LANGUAGES",
    "Role",
    "User",
    "ensure_can_act",
    "pick_language",
    "validate_email",
    "validate_name",
]

SUPPORTED_LANGUAGES: tuple[str, ...] = ("en", "ru", "uk", "es")
NAME_MAX = 64
EMAIL_MAX = 254
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"^[A-Za-z0-9.!#$%&'*+/=?^_`{{|}}~-]+@{_LABEL}(?:\.{_LABEL})+$")


class Role(StrEnum):
    """What a user may do (ACC-01)."""

    EXPERT = "expert"
    CLIENT = "client"
    SUPPORT = "support"
    ADMIN = "admin"


@dataclass(slots=True)
class User:
    """A marketplace user, keyed by their Telegram id."""

    id: int
    first_name: str | None = None
    last_name: str | None = None
    username: str | None = None
    language: str | None = None
    telegram_language: str | None = None
    roles: set[Role] = field(default_factory=set)
    email: str | None = None
    email_verified: bool = False
    suspended_reason: str | None = None
    created_at: datetime | None = None
    last_seen_at: datetime | None = None

    @property
    def is_suspended(self) -> bool:
        return self.suspended_reason is not None

    @property
    def is_onboarded(self) -> bool:
        return bool(self.roles & {Role.EXPERT, Role.CLIENT})

    @property
    def has_full_profile(self) -> bool:
        """First and last name plus e-mail: the RAT-01 +50 condition."""
        return bool(self.first_name and self.last_name and self.email)

    @property
    def display_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p) or (
            f"@{self.username}" if self.username else str(self.id)
        )


def pick_language(chosen: str | None, telegram: str | None, default: str = "en") -> str:
    """The language to speak: the user's choice, else Telegram's if supported, else default."""
    if chosen in SUPPORTED_LANGUAGES:
        return chosen
    if telegram:
        base = telegram.split("-")[0].lower()
        if base in SUPPORTED_LANGUAGES:
            return base
    return default


def validate_name(value: str) -> str:
    """A first or last name: 1-64 printable characters, no digits-only, no commands."""
    name = " ".join(value.split())
    if not name:
        raise InvalidInput(N_("The name cannot be empty."))
    if len(name) > NAME_MAX:
        raise InvalidInput(N_("The name is too long (at most {limit} characters)."),
                           limit=NAME_MAX)
    if name.startswith("/") or not any(ch.isalpha() for ch in name):
        raise InvalidInput(N_("Please type a name made of letters."))
    if _EMAIL.match(name):  # typed ahead: the e-mail is the next question
        raise InvalidInput(N_("That looks like an e-mail address, not a name."))
    return name


def validate_email(value: str) -> str:
    """An e-mail address, trimmed and with a lower-cased domain."""
    email = value.strip()
    if len(email) > EMAIL_MAX or not _EMAIL.match(email):
        raise InvalidInput(
            N_("That does not look like an e-mail address, for example name@example.com."))
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def ensure_can_act(user: User) -> None:
    """ACC-02: a suspended user can read but every action answers with the reason."""
    if user.suspended_reason is not None:
        raise Forbidden(N_("Your account is suspended. Send /appeal to ask support to review "
                           "it. Reason: {reason}"), reason=user.suspended_reason)
