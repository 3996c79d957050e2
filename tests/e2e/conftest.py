"""End-to-end fixtures: the sandbox Bot API server and the real runtime polling it over HTTP.

``running`` starts :func:`bot.app.serve`, the code path of ``python -m bot run``, on each
framework (``aiogram`` and ``ptb``) against a fresh SQLite file, waits until the bot has
registered its menus, and on teardown stops it and checks it stopped cleanly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.app import App, build_app, serve
from bot.config import Settings, load_settings
from bot.runtimes.common import DEFAULT_RETRY, UNPACED, RetryPolicy
from bot.sandbox import SandboxServer
from core.accounts import User
from core.clock import FixedClock
from tests.fakes import present

TOKEN = "123456:e2eSecretPart-DoNotLog"
SECRET = TOKEN.split(":", 1)[1]
SUPPORT_ID = 1009
START_TIMEOUT = 15.0
STOP_TIMEOUT = 10.0


@dataclass(slots=True)
class Running:
    """A bot polling the sandbox; ``stop`` ends it, ``task`` is :func:`serve`."""

    server: SandboxServer
    app: App
    settings: Settings
    stop: asyncio.Event
    task: asyncio.Task[None]

    async def user_record(self, user_id: int) -> User:
        """The stored user (which must exist), read in its own unit of work."""
        async with self.app.db.uow() as uow:
            return present(await uow.users.get(user_id))

    async def shut_down(self) -> None:
        """Set ``stop`` and wait for :func:`serve` to return (raising what it raised)."""
        self.stop.set()
        await asyncio.wait_for(asyncio.shield(self.task), STOP_TIMEOUT)


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxServer]:
    """The sandbox Bot API server on 127.0.0.1, flood limits off."""
    server = SandboxServer(token=TOKEN, rate_limits=False)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
def framework_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Capture the frameworks', HTTP clients' and the bot's logs down to DEBUG."""
    for name in ("aiogram", "telegram", "httpx", "httpcore", "aiohttp", "bot"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def e2e_settings(server: SandboxServer, runtime: str, db_path: Path) -> Settings:
    """Settings for a bot against ``server`` (no ``.env`` file is read)."""
    return load_settings(_env_file=None, bot_token=TOKEN, telegram_api_url=server.url,
                         database_url=f"sqlite+aiosqlite:///{db_path}", bot_runtime=runtime,
                         admin_ids=str(SUPPORT_ID), default_language="en")


@contextlib.asynccontextmanager
async def start_bot(server: SandboxServer, runtime: str, db_path: Path, clock: FixedClock,
                    policy: RetryPolicy | None = None) -> AsyncIterator[Running]:
    """Run :func:`serve` against ``server`` until the block ends; check it stopped cleanly.

    By default replies are paced only if ``server`` has its flood limits on.
    """
    if policy is None:
        policy = DEFAULT_RETRY if server.world.limiter is not None else UNPACED
    settings = e2e_settings(server, runtime, db_path)
    app = build_app(settings, clock)
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(serve(app, stop, ready=ready, policy=policy))
    waiter = asyncio.create_task(ready.wait())
    await asyncio.wait({task, waiter}, timeout=START_TIMEOUT,
                       return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
    if not ready.is_set():
        stop.set()
        await asyncio.wait_for(task, STOP_TIMEOUT)  # raises why it could not start
        raise TimeoutError(f"the {runtime} runtime did not start")
    bot = Running(server, app, settings, stop, task)
    try:
        yield bot
    finally:
        await bot.shut_down()
    assert task.done() and task.exception() is None


@pytest.fixture(params=["aiogram", "ptb"])
def runtime(request: pytest.FixtureRequest) -> str:
    """Each framework in turn."""
    return request.param


@pytest.fixture
async def running(runtime: str, sandbox: SandboxServer, tmp_path: Path, clock: FixedClock,
                  framework_logs: pytest.LogCaptureFixture) -> AsyncIterator[Running]:
    """The real runtime on each framework, polling the sandbox, ready for users."""
    sandbox.user(SUPPORT_ID, "Sam", language_code="uk", username="sam_support")
    async with start_bot(sandbox, runtime, tmp_path / "e2e.db", clock) as bot:
        yield bot
