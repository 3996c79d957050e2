"""End to end in the sandbox: ``/sandbox_time +5d`` lets a HOLD-01 hold clear, and the expert
is told through the outbox, on both runtimes (the real ``serve`` polling the sandbox server)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.app import build_app, serve
from bot.sandbox import SandboxServer
from bot.scheduler import SandboxClock
from core.clock import FixedClock
from core.holds import available_at
from storage import Database
from tests.conftest import START
from tests.e2e.conftest import TOKEN, e2e_settings
from tests.scheduler.conftest import add_expert, hold_until

pytestmark = pytest.mark.e2e

EXPERT = 2001


@pytest.mark.parametrize("runtime", ["aiogram", "ptb"])
async def test_hold_01_sandbox_time_clears_a_hold_and_the_expert_hears_of_it(
        runtime: str, tmp_path: Path) -> None:
    db_path = tmp_path / "sandbox.db"
    database = Database(f"sqlite+aiosqlite:///{db_path}")
    try:
        await database.migrate()
        await add_expert(database, EXPERT, "es")
        await hold_until(database, EXPERT, "50", available_at(START), "e2e-release")
    finally:
        await database.dispose()

    server = SandboxServer(token=TOKEN, rate_limits=True)
    await server.start()
    expert = server.user(EXPERT, "Marta", language_code="es")
    app = build_app(e2e_settings(server, runtime, db_path), SandboxClock(base=FixedClock(START)),
                    sandbox=True)
    stop, ready = asyncio.Event(), asyncio.Event()
    bot = asyncio.create_task(serve(app, stop, ready=ready))
    try:
        await asyncio.wait_for(ready.wait(), 15)
        await expert.command("/sandbox_time +5d")
        moved = await expert.wait_message(timeout=10)
        assert moved.text is not None and moved.text.startswith("El reloj del sandbox avanzó +5d")
        told = await expert.wait_message(timeout=10)
        assert told.text == ("50,00\xa0US$ ya está disponible en tu monedero. "
                             "Envía /wallet para ver tu saldo.")
    finally:
        stop.set()
        await asyncio.wait_for(bot, 10)
        await server.stop()
    assert len(expert.messages) == 2
