"""A scripted person at the terminal of ``python -m bot sandbox`` (for the walkthrough tests).

:class:`Person` is the chat's ``input_fn``/``output_fn``: the test types lines (``say``), waits
until the bot shows a text to a user (``see``) and presses buttons by their label, the way a
person reads the numbered buttons and types ``:press N message_id``. :func:`sandbox_session`
runs :func:`bot.runtimes.sandboxed.run_sandbox` (the code path of ``python -m bot sandbox``)
against a fresh SQLite file while the test plays.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from bot.__main__ import SANDBOX_TOKEN
from bot.config import load_settings
from bot.runtimes.sandboxed import run_sandbox
from handlers.start import PROMPTS, OnboardingStep
from locales import translator

__all__ = ["Block", "Person", "sandbox_session"]

WAIT = 10.0
_HEADER = re.compile(r"^--- (bot|edited) -> (\w+) #(\d+)$")
_BUTTON = re.compile(r"\[(\d+)\] (.*?)(?=\s{3}\[\d+\] |$)")


@dataclass(frozen=True, slots=True)
class Block:
    """One printed message (or edit) of the bot to a user, as the terminal shows it."""

    recipient: str
    message_id: int
    edited: bool
    text: str
    buttons: dict[str, int]

    @classmethod
    def parse(cls, printed: str) -> Block | None:
        """A message block, or None for the chat's own lines (toasts, "now playing")."""
        head, _, rest = printed.partition("\n")
        match = _HEADER.match(head)
        if match is None:
            return None
        buttons: dict[str, int] = {}
        lines = []
        for line in rest.split("\n"):
            if line.startswith("  ["):
                for number, label in _BUTTON.findall(line.strip()):
                    buttons[label.strip()] = int(number)
            else:
                lines.append(line)
        return cls(match[2], int(match[3]), match[1] == "edited", "\n".join(lines), buttons)


class Person:
    """Types lines into the chat and reads what it prints, one reading mark per user."""

    def __init__(self) -> None:
        self.lines: asyncio.Queue[str | None] = asyncio.Queue()
        self.printed: list[str] = []
        self.changed = asyncio.Event()
        self.marks: dict[str, int] = {}
        self.current = "alice"

    # --- the chat's side ----------------------------------------------------------------

    def output(self, text: str) -> None:
        """The chat prints ``text``."""
        self.printed.append(text)
        self.changed.set()

    async def input(self, prompt: str) -> str:
        """The chat reads the next line the person typed."""
        line = await self.lines.get()
        if line is None:
            raise EOFError
        return line

    # --- the person's side --------------------------------------------------------------

    def say(self, line: str) -> None:
        """Type a line (text, a /command or a :chat command) as the current user."""
        self.lines.put_nowait(line)

    def play(self, user: str) -> None:
        """``:user NAME`` unless already playing them."""
        if user != self.current:
            self.say(f":user {user}")
            self.current = user

    async def see(self, user: str, *texts: str, timeout: float = WAIT,
                  button: str | None = None) -> Block:
        """The next block to ``user`` (after the last one seen) containing all ``texts``."""
        async with asyncio.timeout(timeout):
            while True:
                found = self._find(user, texts, button)
                if found is not None:
                    return found
                self.changed.clear()
                await self.changed.wait()

    async def chat_says(self, text: str, timeout: float = WAIT) -> str:
        """The next line of the chat itself (not a message) containing ``text``."""
        async with asyncio.timeout(timeout):
            while True:
                start = self.marks.get("", 0)
                for index in range(start, len(self.printed)):
                    if Block.parse(self.printed[index]) is None and text in self.printed[index]:
                        self.marks[""] = index + 1
                        return self.printed[index]
                self.changed.clear()
                await self.changed.wait()

    def _find(self, user: str, texts: tuple[str, ...], button: str | None) -> Block | None:
        """Search the printed blocks after ``user``'s mark; move the mark past a match."""
        for index in range(self.marks.get(user, 0), len(self.printed)):
            block = Block.parse(self.printed[index])
            if block is None or block.recipient != user:
                continue
            if all(t in block.text for t in texts) and (button is None
                                                         or button in block.buttons):
                self.marks[user] = index + 1
                return block
        return None

    def press(self, block: Block, label: str) -> None:
        """Press the button labelled ``label`` on ``block``: ``:press N message_id``."""
        self.play(block.recipient)
        assert label in block.buttons, f"no button {label!r} in {block.buttons}"
        self.say(f":press {block.buttons[label]} {block.message_id}")

    async def sign_up(self, user: str, language: str, role_button: int, email: str,
                      last_name: str | None = None) -> Block:
        """``/start`` and the onboarding, names from Telegram's buttons unless typed."""
        tr = translator(language)
        self.play(user)
        self.say("/start")
        roles = await self.see(user, tr(PROMPTS[OnboardingStep.ROLE]))
        self.say(f"#{role_button}")
        first = await self.see(user, tr(PROMPTS[OnboardingStep.FIRST_NAME]))
        self.say("#1")
        await self.see(user, tr(PROMPTS[OnboardingStep.LAST_NAME]))
        self.say(last_name or "#1")
        await self.see(user, tr(PROMPTS[OnboardingStep.EMAIL]))
        self.say(email)
        assert roles.buttons and first.buttons
        return await self.see(user, tr("You're all set, {name}!", name="").rstrip("!"))

    def transcript(self) -> str:
        """Everything printed so far (for failure messages)."""
        return "\n".join(self.printed)


@contextlib.asynccontextmanager
async def sandbox_session(tmp_path: Path, runtime: str) -> AsyncIterator[Person]:
    """``python -m bot sandbox`` on ``runtime`` with a scripted person; ``:quit`` at the end."""
    person = Person()
    base = load_settings(_env_file=None, bot_token=SANDBOX_TOKEN, bot_runtime=runtime,
                         database_url=f"sqlite+aiosqlite:///{tmp_path / 'sandbox.db'}",
                         admin_ids="")
    session = asyncio.create_task(run_sandbox(base, rate_limits=False, input_fn=person.input,
                                              output_fn=person.output))
    try:
        yield person
        if os.environ.get("SANDBOX_TRANSCRIPT"):  # to read a passing walkthrough (pytest -s)
            print(person.transcript())
    except BaseException:
        print(person.transcript())  # shown by pytest when the walkthrough fails
        raise
    finally:
        person.say(":quit")
        try:
            await asyncio.wait_for(session, 20)
        finally:
            if not session.done():
                session.cancel()
