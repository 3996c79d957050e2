"""``python -m bot``: configuration errors, ``migrate``, and ``run`` as a real process."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.sandbox import SandboxServer
from handlers.start import PROMPTS, OnboardingStep
from locales import translator
from tests.e2e.conftest import SECRET, TOKEN

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_VARIABLES = ("BOT_TOKEN", "TELEGRAM_API_URL", "DATABASE_URL", "BOT_RUNTIME",
                      "ADMIN_IDS", "DEFAULT_LANGUAGE", "LOG_LEVEL", "CURRENCY")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No settings in the environment and no ``.env``: the test sets what it needs."""
    for name in SETTINGS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


@pytest.mark.parametrize(("variables", "named"), [
    ({}, "BOT_TOKEN"),
    ({"BOT_TOKEN": "not-a-token"}, "BOT_TOKEN"),
    ({"BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": "ftp://example.org"}, "TELEGRAM_API_URL"),
    ({"BOT_TOKEN": TOKEN, "ADMIN_IDS": "12,abc"}, "ADMIN_IDS"),
    ({"BOT_TOKEN": TOKEN, "LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
])
def test_run_with_bad_configuration_exits_2_with_one_line_naming_the_variable(
        clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        variables: dict[str, str], named: str) -> None:
    for name, value in variables.items():
        clean_env.setenv(name, value)
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and named in err
    assert SECRET not in err


def test_migrate_applies_the_migrations_and_exits_0(clean_env: pytest.MonkeyPatch,
                                                    tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    database = tmp_path / "cli.db"
    clean_env.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    assert main(["migrate"]) == 0
    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"users", "alembic_version"} <= tables
    assert "migrations applied" in capsys.readouterr().out


@pytest.mark.parametrize(("runtime", "sig"), [("aiogram", signal.SIGTERM),
                                              ("ptb", signal.SIGINT)])
async def test_run_answers_start_then_stops_cleanly_on_a_signal(
        sandbox: SandboxServer, tmp_path: Path, runtime: str, sig: signal.Signals) -> None:
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
            reply = await bob.wait_message(timeout=60)
            process.send_signal(sig)
            code = await asyncio.wait_for(process.wait(), 20)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    output = log_path.read_text(encoding="utf-8")
    assert reply.text == translator("ru")(PROMPTS[OnboardingStep.ROLE])
    assert code == 0, output
    assert f"{runtime} runtime stopped" in output
    assert SECRET not in output
