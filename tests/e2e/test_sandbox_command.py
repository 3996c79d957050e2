"""``python -m bot sandbox``: a person onboards two users in two languages at the terminal."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

import bot.sandbox.terminal as real_terminal
from bot.__main__ import SANDBOX_TOKEN, main
from bot.config import load_settings
from bot.runtimes.sandboxed import run_sandbox
from core.accounts import Role
from handlers.start import PROMPTS, OnboardingStep
from locales import translator
from storage import Database
from tests.fakes import present

pytestmark = pytest.mark.e2e

STEP_TIMEOUT = 10.0

#: What the person types: a fixed line, or one computed from everything printed so far.
Line = str | Callable[[list[str]], str]


class Terminal:
    """A scripted person: each line is typed once the text it waits for was printed."""

    def __init__(self, script: Sequence[tuple[str | None, Line]]) -> None:
        self.script = list(script)
        self.printed: list[str] = []
        self.read_upto = 0
        self.changed = asyncio.Event()

    def output(self, text: str) -> None:
        self.printed.append(text)
        self.changed.set()

    async def input(self, prompt: str) -> str:
        if not self.script:
            raise EOFError
        expected, line = self.script.pop(0)
        async with asyncio.timeout(STEP_TIMEOUT):
            while expected is not None and not self._shows(expected):
                self.changed.clear()
                await self.changed.wait()
        return line(self.printed) if callable(line) else line

    def _shows(self, expected: str) -> bool:
        """Whether ``expected`` was printed since the last awaited text (then consume it)."""
        for index in range(self.read_upto, len(self.printed)):
            if expected in self.printed[index]:
                self.read_upto = index + 1
                return True
        return False


def signup(language: str, role_button: int, email: str) -> list[tuple[str | None, str]]:
    """The lines a person types to sign one user up (names from Telegram's buttons)."""
    tr = translator(language)
    return [
        (None, "/start"),
        (tr(PROMPTS[OnboardingStep.ROLE]), f"#{role_button}"),
        (tr(PROMPTS[OnboardingStep.FIRST_NAME]), "#1"),
        (tr(PROMPTS[OnboardingStep.LAST_NAME]), "#1"),
        (tr(PROMPTS[OnboardingStep.EMAIL]), email),
    ]


async def test_acc_01_a_person_signs_up_alice_in_english_and_bob_in_russian(
        tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'sandbox.db'}"
    script = [
        *signup("en", 2, "alice@example.com"),
        (translator("en")("What would you like to do?"), ":user bob"),
        *signup("ru", 1, "bob@example.com"),
        (translator("ru")("What would you like to do?"), ":quit"),
    ]
    terminal = Terminal(script)
    base = load_settings(_env_file=None, bot_token=SANDBOX_TOKEN, database_url=url,
                         bot_runtime="aiogram", admin_ids="")
    await asyncio.wait_for(run_sandbox(base, rate_limits=False, input_fn=terminal.input,
                                       output_fn=terminal.output), 60)
    assert terminal.script == []
    database = Database(url)
    try:
        async with database.uow() as uow:
            alice, bob = present(await uow.users.get(1001)), present(await uow.users.get(1002))
    finally:
        await database.dispose()
    assert (alice.roles, alice.email, alice.last_name) == ({Role.CLIENT}, "alice@example.com",
                                                           "Smith")
    assert (bob.roles, bob.email, bob.last_name) == ({Role.EXPERT}, "bob@example.com",
                                                     "Ivanov")


def test_the_sandbox_verb_starts_and_leaves_cleanly_at_the_end_of_input(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SANDBOX_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'sb.db'}")

    stdin, typist = os.pipe()
    os.close(typist)  # the end of input at once

    real = real_terminal.Terminal

    def terminal() -> real_terminal.Terminal:
        return real(stdin, sys.stdout)

    monkeypatch.setattr(real_terminal, "Terminal", terminal)
    try:
        assert main(["sandbox", "--runtime", "ptb", "--log-file", str(tmp_path / "sb.log")]) == 0
    finally:
        os.close(stdin)
    captured = capsys.readouterr()
    assert "Sandbox chat" in captured.out
    assert "ptb" in captured.err and (tmp_path / "sb.db").exists()
