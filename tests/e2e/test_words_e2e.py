"""Wording and message handling as a person sees them on both frameworks, over HTTP.

A multi-select edits its own message on every tap: choosing the categories of a freelancer
profile shows the ticks moving on one message, never a new message per tap.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.sandbox import SandboxMessage
from locales import translator
from tests.e2e.conftest import Running
from tests.e2e.test_bot import onboard

pytestmark = pytest.mark.e2e

WAIT = 10.0
EN = translator("en")


def _ticked(message: SandboxMessage) -> set[str]:
    return {label.removeprefix("✓ ") for row in message.buttons for label, _ in row
            if label.startswith("✓ ")}


def _ticks(expected: set[str]) -> Callable[[SandboxMessage], bool]:
    return lambda message: _ticked(message) == expected


async def test_choosing_categories_edits_the_one_message_on_every_tap(running: Running) -> None:
    boris = running.server.user(1002, "Boris", language_code="en", username="boris")
    await onboard(boris, "en", 0, None, "Ivanov", "boris@example.com")
    await boris.command("/freelancer_profile")
    kinds = await boris.wait_message(WAIT, predicate=lambda m: bool(m.buttons))
    await boris.press_data(kinds, "pf:at:professional")
    await boris.wait_message(WAIT)
    await boris.send("CAD engineer")
    await boris.wait_message(WAIT)
    await boris.send("SolidWorks, AutoCAD")
    picker = await boris.wait_message(WAIT, predicate=lambda m: any(
        value == "pf:cd" for row in m.buttons for _, value in row))
    shown = len(boris.messages)
    cad, design = EN("CAD and engineering"), EN("Design and creative")
    for data, expected in (("pf:ct:cad", {cad}), ("pf:ct:design", {cad, design}),
                           ("pf:ct:cad", {design})):
        await boris.press_data(picker, data, WAIT)
        await boris.wait_edit(picker, WAIT, predicate=_ticks(expected))
    assert len(boris.messages) == shown
