"""``python -m bot tick --at ...`` runs the ticks for that instant (HOLD-01 through the CLI)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.__main__ import main
from core.money import Money
from core.services.ledger import available_account
from storage import Database
from tests.scheduler.conftest import add_expert, hold_until, outbox_count


async def _prepare(url: str) -> None:
    database = Database(url)
    try:
        await database.migrate()
        await add_expert(database, 31)
        await hold_until(database, 31, "42", datetime(2026, 12, 7, tzinfo=UTC), "cli-hold")
    finally:
        await database.dispose()


async def _state(url: str) -> tuple[Money, int]:
    database = Database(url)
    try:
        async with database.uow() as uow:
            balance = await uow.ledger.balance(available_account(31, "USD"))
        return balance, await outbox_count(database)
    finally:
        await database.dispose()


def test_hold_01_tick_command_clears_what_is_due_at_the_given_instant(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)  # no .env file is read
    asyncio.run(_prepare(url))

    others = (", milestone_contract_end: 0, milestone_auto_release: 0, "
              "milestone_reminders: 0, payouts_send: 0, payouts_status: 0\n")  # the other ticks
    assert main(["tick", "--at", "2026-12-06T23:59:59Z"]) == 0
    assert capsys.readouterr().out == "ticks at 2026-12-06T23:59:59+00:00: holds: 0" + others
    assert main(["tick", "--at", "2026-12-07T00:00:00Z"]) == 0
    assert capsys.readouterr().out == "ticks at 2026-12-07T00:00:00+00:00: holds: 1" + others
    assert main(["tick", "--at", "2026-12-07T00:00:00Z"]) == 0
    assert capsys.readouterr().out.endswith("holds: 0" + others)
    assert asyncio.run(_state(url)) == (Money.of("42", "USD"), 1)


def test_tick_command_refuses_an_instant_without_a_time_zone(
        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["tick", "--at", "2026-12-07T00:00:00"])
    assert exit_.value.code == 2
    assert "has no time zone" in capsys.readouterr().err
