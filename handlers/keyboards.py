"""Shared pieces of the account screens: buttons, role names, callback parsing, stock answers.

Callback data here is ``prefix:verb:value`` (for example ``lang:ru``, ``start:role:both``,
``prof:edit:email``). Data comes from the client and may be forged, so every parser returns
``None`` for anything unexpected and handlers then answer :func:`stale`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from core.accounts import SUPPORTED_LANGUAGES, Role
from core.errors import N_
from handlers.context import Context
from handlers.contract import (
    Action,
    AnswerCallback,
    Button,
    Callback,
    Incoming,
    Keyboard,
    keyboard,
)
from handlers.dispatch import STALE_BUTTON
from locales import LANGUAGE_NAMES

__all__ = [
    "ROLE_NAMES",
    "callback_ints",
    "callback_parts",
    "language_keyboard",
    "role_keyboard",
    "roles_text",
    "stale",
    "typed_text",
]

ROLE_NAMES: dict[Role, str] = {
    Role.EXPERT: N_("freelancer"),
    Role.CLIENT: N_("employer"),
    Role.SUPPORT: N_("support"),
    Role.ADMIN: N_("admin"),
}
_ROLE_ORDER = (Role.EXPERT, Role.CLIENT, Role.SUPPORT, Role.ADMIN)
NO_TEXT = N_("Please type your answer as a text message.")


def stale(ctx: Context) -> list[Action]:
    """The answer to a forged, malformed or outdated button: nothing changes."""
    return [AnswerCallback(ctx.t(STALE_BUTTON), alert=True)]


def callback_ints(values: Sequence[str]) -> list[int] | None:
    """``values`` as non-negative integers (ASCII digits, at most 18), else ``None``."""
    if all(v.isascii() and v.isdigit() and len(v) <= 18 for v in values):
        return [int(v) for v in values]
    return None


def callback_parts(incoming: Incoming, prefix: str, size: int) -> list[str] | None:
    """``data`` split on ``:`` if it is ``prefix`` plus ``size - 1`` non-empty parts."""
    event = incoming.event
    if not isinstance(event, Callback):
        return None
    parts = event.data.split(":")
    if len(parts) != size or parts[0] != prefix or not all(parts):
        return None
    return parts


def typed_text(incoming: Incoming) -> str | None:
    """The text the user typed, or ``None`` for a file or anything else."""
    text = getattr(incoming.event, "text", None)
    return text if isinstance(text, str) else None


def language_keyboard(prefix: str, current: str | None = None) -> Keyboard:
    """One button per supported language, in its own name; the current one is ticked."""
    buttons = [
        Button(("✓ " if code == current else "") + LANGUAGE_NAMES[code], data=f"{prefix}:{code}")
        for code in SUPPORTED_LANGUAGES
    ]
    return keyboard(*(buttons[i:i + 2] for i in range(0, len(buttons), 2)))


def role_keyboard(ctx: Context, prefix: str, current: str | None = None) -> Keyboard:
    """Freelancer / employer / both buttons; the current choice is ticked."""
    labels = {
        "expert": ctx.t("I'm a freelancer"),
        "client": ctx.t("I'm an employer"),
        "both": ctx.t("Both"),
    }
    return keyboard(*[
        [Button(("✓ " if choice == current else "") + label, data=f"{prefix}:{choice}")]
        for choice, label in labels.items()
    ])


def roles_text(ctx: Context, roles: Iterable[Role]) -> str:
    """The user's roles as translated words, for example "freelancer, employer"."""
    held = set(roles)
    names = [ctx.t(ROLE_NAMES[role]) for role in _ROLE_ORDER if role in held]
    return ", ".join(names) if names else ctx.t("none yet")
