"""The command menu (handlers/menu.py) agrees with the routes and with Telegram's limits."""

from __future__ import annotations

import re

import pytest

from core.accounts import Role
from handlers import build_router
from handlers.menu import COMMANDS, admin_commands, user_commands
from locales import LANGUAGES, translator


def test_every_menu_command_is_routed_and_staff_ones_only_for_staff() -> None:
    router = build_router()
    for command in COMMANDS:
        assert command.name in router.commands, command.name
        assert (command.name in router.admin_commands) == (command.staff is not None), command.name
        assert router.staff_roles.get(command.name) is command.staff, command.name


def test_the_skeleton_commands_are_in_every_users_menu() -> None:
    names = [name for name, _ in user_commands()]
    assert names[:5] == ["start", "profile", "language", "help", "cancel"]
    for roles in ({Role.EXPERT}, {Role.CLIENT}):  # role-specific commands come after these
        assert [name for name, _ in user_commands(roles)][:5] == names[:5]
        assert set(user_commands(roles)) <= set(user_commands())
    assert all(name not in names for name, _ in admin_commands())


@pytest.mark.parametrize("language", LANGUAGES)
def test_menu_entries_fit_telegrams_limits_in_every_language(language: str) -> None:
    tr = translator(language)
    for name, description in user_commands() + admin_commands():
        assert re.fullmatch(r"[a-z0-9_]{1,32}", name), name
        text = tr(description)
        assert 1 <= len(text) <= 256, text
