"""A token revoked in @BotFather while the bot polls: both runtimes stop cleanly, exit 2.

Telegram then answers every call with 401 Unauthorized (the sandbox's
:meth:`~bot.sandbox.server.SandboxServer.revoke_token`). aiogram would retry getUpdates forever
and PTB's poller would die silently; instead the bot stops as on SIGTERM (the update in flight
finishes, sessions close) and reports the same ConfigError as a token rejected at start.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.config import ConfigError
from bot.runtimes.base import REJECTED
from bot.sandbox import SandboxServer
from core.clock import FixedClock
from handlers.start import PROMPTS, OnboardingStep
from locales import translator
from tests.e2e.conftest import SECRET, STOP_TIMEOUT, TOKEN, start_bot
from tests.e2e.test_cli import ROOT, SETTINGS_VARIABLES

pytestmark = pytest.mark.e2e

WAIT = 10.0
ROLE = OnboardingStep.ROLE


class _Watch(logging.Handler):
    """Sets ``seen`` when a log record contains ``text``."""

    def __init__(self, text: str) -> None:
        """Watch for ``text``."""
        super().__init__()
        self.text = text
        self.seen = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        """Set ``seen`` on a matching record."""
        if self.text in record.getMessage():
            self.seen.set()


async def test_a_token_revoked_while_polling_stops_the_bot_with_the_bot_token_config_error(
        runtime: str, sandbox: SandboxServer, tmp_path: Path, clock: FixedClock,
        framework_logs: pytest.LogCaptureFixture) -> None:
    alice = sandbox.user(1001, "Alice", language_code="en")
    with pytest.raises(ConfigError, match="BOT_TOKEN") as raised:
        async with start_bot(sandbox, runtime, tmp_path / "revoked.db", clock) as bot:
            await alice.command("/start")
            assert (await alice.wait_message(WAIT)).text == translator("en")(PROMPTS[ROLE])
            sandbox.revoke_token()
            await asyncio.wait({bot.task}, timeout=STOP_TIMEOUT)
            by_itself = bot.task.done() and not bot.stop.is_set()
            bot.task.result()
    assert by_itself  # not through the caller's stop
    assert str(raised.value) == REJECTED
    records = framework_logs.get_records("call")
    text = "\n".join(framework_logs.handler.format(record) for record in records)
    assert "rejected the token while polling" in text and f"{runtime} runtime stopped" in text
    assert SECRET not in text


async def test_a_token_revoked_while_an_update_is_in_flight_lets_that_update_finish_first(
        runtime: str, sandbox: SandboxServer, tmp_path: Path, clock: FixedClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    entered, release = asyncio.Event(), asyncio.Event()
    finished: list[bool] = []
    watch = _Watch("rejected the token while polling")
    bot_log = logging.getLogger("bot.runtimes.base")
    bot_log.addHandler(watch)
    alice = sandbox.user(1001, "Alice", language_code="en")
    try:
        with pytest.raises(ConfigError, match="BOT_TOKEN"):
            async with start_bot(sandbox, runtime, tmp_path / "inflight.db", clock) as bot:
                process = bot.app.dispatcher.process

                async def held(incoming: Any) -> Any:
                    entered.set()
                    await release.wait()
                    result = await process(incoming)
                    finished.append(not bot.task.done())
                    return result

                monkeypatch.setattr(bot.app.dispatcher, "process", held)
                await alice.command("/start")
                await asyncio.wait_for(entered.wait(), WAIT)
                sandbox.revoke_token()
                await asyncio.wait_for(watch.seen.wait(), WAIT)
                assert not bot.task.done()  # it waits for the update in flight
                release.set()
                await asyncio.wait_for(asyncio.shield(bot.task), STOP_TIMEOUT)
    finally:
        bot_log.removeHandler(watch)
        release.set()
    assert finished == [True]  # the update finished before serve returned
    await bot.user_record(alice.id)  # it is stored: its unit of work committed


@pytest.mark.parametrize("runtime", ["aiogram", "ptb"])
async def test_run_exits_2_with_the_bot_token_line_when_the_token_is_revoked_mid_run(
        sandbox: SandboxServer, tmp_path: Path, runtime: str, clock: FixedClock) -> None:
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    env.update(BOT_TOKEN=TOKEN, TELEGRAM_API_URL=sandbox.url, BOT_RUNTIME=runtime,
               DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'run.db'}", LOG_LEVEL="DEBUG",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])))
    log_path = tmp_path / "stderr.log"
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
            stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log)
        try:
            bob = sandbox.user(1002, "Bob", language_code="ru")
            await bob.command("/start")
            await bob.wait_message(timeout=60)
            sandbox.revoke_token()
            code = await asyncio.wait_for(process.wait(), 20)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    output = log_path.read_text(encoding="utf-8")
    assert code == 2, output
    assert output.splitlines()[-1] == f"configuration error: {REJECTED}"
    assert f"{runtime} runtime stopped" in output
    assert SECRET not in output
