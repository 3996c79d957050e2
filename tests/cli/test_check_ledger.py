"""``python -m bot check-ledger``: silent success on a sound ledger, loud failure otherwise."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.__main__ import main
from core.money import Money
from core.services.ledger import top_up
from storage import Database
from tests.conftest import START

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_VARIABLES = ("BOT_TOKEN", "TELEGRAM_API_URL", "DATABASE_URL", "BOT_RUNTIME",
                      "ADMIN_IDS", "DEFAULT_LANGUAGE", "LOG_LEVEL", "CURRENCY")


@pytest.fixture
def ledger_file(sqlite_template: Path, tmp_path: Path,
                monkeypatch: pytest.MonkeyPatch) -> Path:
    """A migrated SQLite file holding one top-up, named by DATABASE_URL (no other settings)."""
    for name in SETTINGS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env
    path = tmp_path / "ledger.db"
    shutil.copyfile(sqlite_template, path)

    async def seed() -> None:
        database = Database(f"sqlite+aiosqlite:///{path}")
        try:
            async with database.uow() as uow:
                await top_up(uow, user_id=1, amount=Money(5000, "USD"), charge_id="c1", at=START)
                await uow.commit()
        finally:
            await database.dispose()

    asyncio.run(seed())
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    return path


def tamper(path: Path) -> None:
    """Change a maintained balance behind the ledger's back (as a bad manual fix would)."""
    with sqlite3.connect(path) as connection:
        changed = connection.execute(
            "UPDATE ledger_accounts SET balance = balance + 100 WHERE kind = 'client_wallet'")
        assert changed.rowcount == 1


def test_a_sound_ledger_passes_with_exit_status_0(ledger_file: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-ledger"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[0] == "ledger check: OK"
    assert "transactions: 1, postings: 2" in out and "USD: balances sum to 0" in out
    assert "PROBLEM" not in out and err == ""


def test_a_tampered_balance_fails_loudly_with_exit_status_1(
        ledger_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tamper(ledger_file)
    assert main(["check-ledger"]) == 1
    out, err = capsys.readouterr()
    assert out.startswith("ledger check: FAILED")
    assert ("PROBLEM: account client_wallet/user:1/USD keeps balance 5100 but its postings "
            "sum to 5000") in out
    assert "PROBLEM: balances of USD sum to 100 minor units, not 0" in out
    assert err.startswith("LEDGER CHECK FAILED: 2 problem(s)")


def test_a_database_without_the_ledger_is_a_failed_check(
        ledger_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    assert main(["check-ledger"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("LEDGER CHECK FAILED: cannot read the ledger:")
    assert err.count("\n") == 1


def test_the_real_command_exits_non_zero_on_a_tampered_ledger(ledger_file: Path) -> None:
    tamper(ledger_file)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "bot", "check-ledger", "--sample", "5"],
                          capture_output=True, text=True, env=env, timeout=60, check=False)
    assert done.returncode == 1
    assert "PROBLEM: account client_wallet/user:1/USD" in done.stdout
    assert "LEDGER CHECK FAILED" in done.stderr
