"""The terminal chat, driven by a script against a bot polling the sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.sandbox import SandboxServer
from bot.sandbox.chat import DEFAULT_USERS, admin_ids, register_users, run_chat
from bot.sandbox.world import Signal
from tests.sandbox.conftest import TOKEN
from tests.sandbox.fakebot import EchoBot


class Script:
    """Feeds lines to the chat, each after the output shows what the previous one awaited."""

    def __init__(self, steps: list[tuple[str, str | None]]) -> None:
        self.steps = list(steps)
        self.lines: list[str] = []
        self.prompts: list[str] = []
        self.printed = Signal()
        self.expect: str | None = None

    @property
    def text(self) -> str:
        """Everything the chat printed."""
        return "\n".join(self.lines)

    def output(self, block: str) -> None:
        """The chat's output_fn."""
        self.lines.append(block)
        self.printed.notify()

    async def input(self, prompt: str) -> str:
        """The chat's input_fn."""
        self.prompts.append(prompt)
        if self.expect is not None:
            expect = self.expect
            if not await self.printed.wait_for(lambda: expect in self.text, 5):
                raise AssertionError(f"never printed {expect!r}; output:\n{self.text}")
        if not self.steps:
            raise EOFError
        line, self.expect = self.steps.pop(0)
        return line


@pytest.fixture
async def bot(server: SandboxServer) -> AsyncIterator[EchoBot]:
    """The echo bot, polling the sandbox."""
    async with EchoBot(server.url, TOKEN) as echo:
        yield echo


async def test_a_person_chats_presses_switches_uploads_and_pays(
    server: SandboxServer, bot: EchoBot, tmp_path: Path
) -> None:
    cv = tmp_path / "cv.pdf"
    cv.write_bytes(b"%PDF-1.4")
    script = Script(
        [
            (":help", ":pay"),
            ("hello", "Alice: hello"),
            ("#1", "pressed again"),
            ("#1", "has no buttons"),
            (":user bob", "now playing bob"),
            ("привет", "Bob: привет"),
            (":press 9", "no button 9"),
            ("#2", "opens https://x.org"),
            (f":file {cv}", "got file cv.pdf"),
            ("/invoice", "[invoice] Deposit"),
            (":pay", "paid, thanks"),
            (":pay 1", "bob has no invoice to pay numbered 1"),
            (":user nobody", "no user 'nobody'"),
            (":add carol uk", "added carol"),
            ("hi", "Carol: hi"),
            (":frobnicate", "unknown command"),
            (":quit", None),
            ("never sent", None),
        ]
    )
    await run_chat(server, input_fn=script.input, output_fn=script.output)
    assert "--- bot -> alice" in script.text and "--- edited -> alice" in script.text
    assert "[1] Again   [2] Site <https://x.org>" in script.text
    assert "paid #" in script.text
    assert script.prompts[:2] == ["alice> ", "alice> "] and "bob> " in script.prompts
    assert "carol> " in script.prompts
    assert script.steps == [("never sent", None)]
    assert [u.text for u in server.users[1002].messages][0] == "Bob: привет"


async def test_the_chat_ends_at_the_end_of_input_and_reports_bad_files(
    server: SandboxServer, tmp_path: Path
) -> None:
    script = Script([(f":file {tmp_path / 'missing.pdf'}", "cannot read"), (":pay", "no invoice")])
    await run_chat(server, input_fn=script.input, output_fn=script.output)
    assert "no invoice to pay" in script.text
    assert server.world.updates_log == []


async def test_the_menu_command_shows_what_telegram_would_show(server: SandboxServer) -> None:
    register_users(server)
    server.world.commands[("default", "ru")] = [{"command": "start", "description": "Начать"}]
    script = Script([(":user bob", "now playing bob"), (":menu", "/start - Начать")])
    await run_chat(server, input_fn=script.input, output_fn=script.output)
    assert "/start - Начать" in script.text


def test_the_default_cast_is_alice_bob_and_sam_the_admin() -> None:
    assert [(u.key, u.language_code, u.role) for u in DEFAULT_USERS] == [
        ("alice", "en", "employer"),
        ("bob", "ru", "freelancer"),
        ("sam", "en", "support"),
    ]
    assert admin_ids() == [1003]


async def test_the_chat_also_takes_ready_sandbox_users(
    server: SandboxServer, bot: EchoBot
) -> None:
    users = [server.user(7, "Olena", language_code="uk"), server.user(8, "Sam", username="sam_s")]
    script = Script([(":user sam", "now playing sam"), ("hola", "Sam: hola")])
    await run_chat(server, users, input_fn=script.input, output_fn=script.output)
    assert "olena: Olena (uk)" in script.text
    assert script.prompts[0] == "olena> "


async def test_hash_n_presses_the_message_shown_last_and_says_which(
    server: SandboxServer, bot: EchoBot
) -> None:
    script = Script(
        [
            ("#1", "alice has no message with buttons"),
            ("/keep", "keep me"),  # the bot's #2 (the user's messages take ids too)
            ("hello", "Alice: hello"),  # #4, the newest message with buttons
            (":press 1 2", "pressed keep on #2 (1)"),  # #2 is edited and keeps its button
            ("#1", "pressed keep on #2 (2)"),  # the one just pressed and edited, not #4
            ("bye", "Alice: bye"),  # #6
            ("#1", "alice pressed [1] Again on #6"),
            ("#1", "#6, the message alice was shown last, has no buttons"),
            (":press 1 4", "alice pressed [1] Again on #4"),
            (":press 1 9", "no message with buttons numbered 9"),
            ("/invoice", "[invoice] Deposit"),  # #8
            ("/invoice", "--- bot -> alice #10"),
            (":pay 8", "paid #8"),  # an older invoice, by its number
        ]
    )
    await run_chat(server, input_fn=script.input, output_fn=script.output)
    chat = server.users[1001].messages
    assert [m.text for m in chat][:3] == [
        "pressed keep on #2 (2)", "pressed again", "pressed again"]
    assert script.text.count("alice pressed [1] Keep on #2") == 2
    assert "alice pressed [1] Again on #6" in script.text
    assert "alice pressed [1] Again on #4" in script.text
