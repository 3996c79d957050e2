"""Support by buttons end to end, on aiogram and on PTB against the sandbox Bot API server.

Sam (an admin, Ukrainian) suspends Boris (freelancer, Russian); Boris, told through the outbox,
presses Appeal and writes why; Sam opens the appeal from /queue and reinstates him with a note.
Boris is told, and his own command menu loses /appeal again. A plain user typing a staff
command is told which role it needs.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.sandbox import SandboxMessage
from core.accounts import Role
from handlers.menu import commands_for
from locales import translator
from tests.e2e.conftest import SUPPORT_ID, Running
from tests.e2e.test_bot import onboard
from tests.e2e.test_relay_e2e import delivering  # noqa: F401 - the fixture, used by name

pytestmark = pytest.mark.e2e

WAIT = 10.0
RU, UK = translator("ru"), translator("uk")


def _has(data: str) -> Callable[[SandboxMessage], bool]:
    """A predicate: the message carries a button with callback data ``data``."""
    return lambda m: any(value == data for row in m.buttons for _, value in row)


async def test_acc_02_a_suspended_user_appeals_by_button_and_support_reinstates_from_the_queue(
        delivering: Running) -> None:  # noqa: F811 - the imported fixture
    server = delivering.server
    boris = server.user(1002, "Boris", language_code="ru", username="boris")
    sam = server.user(SUPPORT_ID, "Sam", language_code="uk", username="sam_support")
    await onboard(boris, "ru", 0, "Борис", "Иванов", "boris@example.com")
    await sam.command("/suspend @boris spam in messages")
    await sam.wait_message(WAIT)
    notice = await boris.wait_message(WAIT, predicate=_has("apl:w"))
    assert "spam in messages" in (notice.text or "")
    scope = {"type": "chat", "chat_id": boris.id}
    await boris.wait_for(lambda: "appeal" in {c["command"] for c in server.commands(scope)},
                         WAIT, "Boris's suspended menu")
    await boris.press(notice, RU("Appeal"))
    await boris.wait_message(WAIT, predicate=lambda m: m.text == RU(
        "Tell support in a few words why your suspension should be lifted, or send /cancel."))
    await boris.send("Это было одно сообщение, по ошибке")
    await boris.wait_message(WAIT, predicate=lambda m: m.text == RU(
        "Your appeal reached support. They will answer you here."))
    await sam.command("/queue")
    queue = await sam.wait_message(WAIT, predicate=lambda m: bool(m.buttons))
    await sam.press(queue, 0)
    card = await sam.wait_edit(queue, WAIT, predicate=lambda m: UK("appeal of a suspension")
                               in (m.text or ""))
    await sam.press(card, UK("Reinstate"))
    await sam.wait_message(WAIT)  # the note is asked
    await sam.send("перше порушення, попереджено")
    await sam.wait_message(WAIT, predicate=lambda m: m.text == UK("Item #{id} resolved.", id=1))
    await boris.wait_message(WAIT, predicate=lambda m: "перше порушення" in (m.text or ""))
    stored = await delivering.user_record(boris.id)
    assert stored is not None and stored.suspended_reason is None
    menu = [(c["command"], c["description"]) for c in server.commands(scope)]
    await boris.wait_for(lambda: [(c["command"], c["description"])
                                  for c in server.commands(scope)] == [
        (name, RU(text)) for name, text in commands_for({Role.EXPERT})], WAIT,
        f"Boris's menu without /appeal, not {menu}")


async def test_acc_01_a_staff_command_names_the_role_it_needs(
        delivering: Running) -> None:  # noqa: F811 - the imported fixture
    boris = delivering.server.user(1002, "Boris", language_code="ru", username="boris")
    await onboard(boris, "ru", 0, "Борис", "Иванов", "boris@example.com")
    await boris.command("/ledger_check")
    await boris.wait_message(WAIT, predicate=lambda m: m.text == RU(
        "/{command} is for administrators only.", command="ledger_check"))
    await boris.command("/queue")
    await boris.wait_message(WAIT, predicate=lambda m: m.text == RU(
        "/{command} is for support staff only.", command="queue"))
