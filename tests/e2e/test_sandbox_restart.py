"""Issue 10: the sandbox keeps its users and its clock across restarts (``python -m bot
sandbox``), and ``--reset`` starts clean."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from bot.__main__ import SANDBOX_TOKEN, main
from bot.config import load_settings
from bot.runtimes.sandboxed import run_sandbox
from bot.sandbox import terminal as real_terminal
from bot.sandbox.state import SandboxState
from storage import Database
from tests.e2e.test_sandbox_command import Terminal

pytestmark = pytest.mark.e2e


async def _run(url: str, script: list[tuple[str | None, str]]) -> Terminal:
    terminal = Terminal(script)
    base = load_settings(_env_file=None, bot_token=SANDBOX_TOKEN, database_url=url,
                         bot_runtime="aiogram", admin_ids="")
    await asyncio.wait_for(run_sandbox(base, rate_limits=False, input_fn=terminal.input,
                                       output_fn=terminal.output), 60)
    assert terminal.script == [], terminal.printed[-5:]
    return terminal


async def _offset(url: str) -> timedelta:
    database = Database(url)
    try:
        return await SandboxState(database).offset()
    finally:
        await database.dispose()


async def test_after_a_restart_added_users_are_back_ids_are_new_and_the_clock_holds(
        tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'sandbox.db'}"
    await _run(url, [
        (None, ":add lucia es support"),
        ("added lucia (id 1004", "/sandbox_time +5d"),
        ("+5d", ":quit"),
    ])
    assert await _offset(url) == timedelta(days=5)
    second = await _run(url, [
        (None, ":add zed en"),
        ("added zed (id 1005", ":user lucia"),
        ("now playing lucia", "/sandbox_time +1d"),
        ("+1d", ":quit"),
    ])
    assert "lucia" in second.printed[0]  # she is in the cast again
    assert await _offset(url) == timedelta(days=6)  # the clock went on from +5d


def test_reset_starts_clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite+aiosqlite:///{tmp_path / 'sb.db'}"
    monkeypatch.setenv("SANDBOX_DATABASE_URL", url)

    async def prepare() -> None:
        database = Database(url)
        await database.migrate()
        await SandboxState(database).save_offset(timedelta(days=3))
        await database.dispose()

    asyncio.run(prepare())

    stdin, typist = os.pipe()
    os.close(typist)  # the end of input at once
    real = real_terminal.Terminal
    monkeypatch.setattr(real_terminal, "Terminal", lambda: real(stdin, sys.stdout))
    try:
        assert main(["sandbox", "--reset", "--log-file", str(tmp_path / "sb.log")]) == 0
    finally:
        os.close(stdin)
    assert "reset" in capsys.readouterr().err
    assert asyncio.run(_offset(url)) == timedelta(0)
