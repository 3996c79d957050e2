"""Webhook mode end to end on aiogram and on PTB: the sandbox POSTs updates as Telegram does.

The bot serves the webhook (plus ``/healthz`` and ``/metrics``) on WEBHOOK_LISTEN, calls
setWebhook with WEBHOOK_URL plus a secret-derived path and WEBHOOK_SECRET, and answers each
update once its effects are committed, through the same handler layer as polling.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from bot.app import build_app, serve
from bot.config import Settings
from bot.http import SECRET_HEADER, webhook_url
from bot.sandbox import SandboxServer
from core.clock import FixedClock
from handlers.start import PROMPTS, OnboardingStep
from locales import translator
from storage.tables.accounts import processed_updates
from tests.e2e.conftest import START_TIMEOUT, STOP_TIMEOUT, Running, e2e_settings

pytestmark = pytest.mark.e2e

WEBHOOK_SECRET = "e2e-webhook-Secret_123"
WAIT = 10.0


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def webhook_settings(server: SandboxServer, runtime: str, db_path: Path, port: int,
                     **extra: object) -> Settings:
    """e2e settings plus webhook mode on ``127.0.0.1:port``."""
    return e2e_settings(server, runtime, db_path).model_copy(update={
        "webhook_url": f"http://127.0.0.1:{port}/tg",
        "webhook_secret": SecretStr(WEBHOOK_SECRET), "webhook_listen": f"127.0.0.1:{port}",
        **extra})


@contextlib.asynccontextmanager
async def webhook_bot(server: SandboxServer, runtime: str, db_path: Path,
                      clock: FixedClock) -> AsyncIterator[tuple[Running, int]]:
    """:func:`serve` in webhook mode until the block ends; (the bot, its port)."""
    port = free_port()
    settings = webhook_settings(server, runtime, db_path, port)
    app = build_app(settings, clock)
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(serve(app, stop, ready=ready))
    waiter = asyncio.create_task(ready.wait())
    await asyncio.wait({task, waiter}, timeout=START_TIMEOUT,
                       return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
    if not ready.is_set():
        stop.set()
        await asyncio.wait_for(task, STOP_TIMEOUT)
        raise TimeoutError(f"the {runtime} runtime did not start in webhook mode")
    bot = Running(server, app, settings, stop, task)
    try:
        yield bot, port
    finally:
        await bot.shut_down()
    assert task.done() and task.exception() is None


async def _processed(running: Running) -> int:
    async with running.app.db.engine.connect() as connection:
        return int((await connection.execute(
            select(func.count()).select_from(processed_updates))).scalar_one())


async def test_webhook_mode_sets_the_webhook_with_its_secret_and_answers_through_the_handlers(
        runtime: str, sandbox: SandboxServer, tmp_path: Path, clock: FixedClock) -> None:
    async with webhook_bot(sandbox, runtime, tmp_path / "hook.db", clock) as (running, port):
        hook = sandbox.world.webhook
        assert hook is not None
        assert hook["url"] == webhook_url(f"http://127.0.0.1:{port}/tg", WEBHOOK_SECRET)
        assert hook["url"] != f"http://127.0.0.1:{port}/tg"  # the path is not guessable
        assert hook["secret_token"] == WEBHOOK_SECRET
        assert hook["allowed_updates"] == ["message", "callback_query", "pre_checkout_query"]

        alice = sandbox.user(1001, "Alice", language_code="en", username="alice")
        await alice.command("/start")
        prompt = await alice.wait_message(WAIT)
        en = translator("en")
        assert prompt.text == en(PROMPTS[OnboardingStep.ROLE])
        await alice.press(prompt, 1, timeout=WAIT)
        await alice.wait_message(WAIT, predicate=lambda m: m.text == en(
            PROMPTS[OnboardingStep.FIRST_NAME]))
        assert await _processed(running) == 2
        await sandbox.world.changed.wait_for(lambda: not sandbox.world.pending, WAIT)
        assert sandbox.world.pending == []  # every update answered 2xx: confirmed

        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/healthz") as health:
                assert (health.status, await health.text()) == (200, "ok")
            async with http.get(f"http://127.0.0.1:{port}/metrics") as page:
                metrics = await page.text()
        assert page.headers["Content-Type"].startswith("text/plain")
        assert 'bot_updates_total{kind="command",outcome="ok"} 1.0' in metrics
        assert 'bot_updates_total{kind="callback",outcome="ok"} 1.0' in metrics
        assert "bot_update_seconds_count 2.0" in metrics
        for name in ("bot_outbox_backlog", "bot_outbox_sent_total", "bot_telegram_429_total",
                     "bot_tick_lag_seconds", "bot_leader 1.0"):
            assert name in metrics


async def test_a_request_without_the_right_secret_token_is_refused_and_not_processed(
        runtime: str, sandbox: SandboxServer, tmp_path: Path, clock: FixedClock,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with webhook_bot(sandbox, runtime, tmp_path / "hook.db", clock) as (running, port):
        hook = sandbox.world.webhook
        assert hook is not None
        body = {"update_id": 77, "message": {
            "message_id": 1, "date": 0, "chat": {"id": 5, "type": "private"},
            "from": {"id": 5, "is_bot": False, "first_name": "Mallory"},
            "text": "/start forged-body-marker"}}
        async with aiohttp.ClientSession() as http:
            for headers in ({}, {SECRET_HEADER: "wrong"},
                            {SECRET_HEADER: WEBHOOK_SECRET + "x"}):
                async with http.post(hook["url"], json=body, headers=headers) as answer:
                    assert answer.status == 401
            async with http.post(f"http://127.0.0.1:{port}/tg", json=body,
                                 headers={SECRET_HEADER: WEBHOOK_SECRET}) as guessed:
                assert guessed.status in (404, 405)  # the public path alone is not served
        assert await _processed(running) == 0
        assert "forged-body-marker" not in caplog.text
        assert 5 not in sandbox.world.chats or not sandbox.world.chats[5].bot_messages


async def test_polling_mode_serves_healthz_and_metrics_on_metrics_listen(
        runtime: str, sandbox: SandboxServer, tmp_path: Path, clock: FixedClock) -> None:
    port = free_port()
    settings = e2e_settings(sandbox, runtime, tmp_path / "poll.db").model_copy(
        update={"metrics_listen": f"127.0.0.1:{port}"})
    app = build_app(settings, clock)
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(serve(app, stop, ready=ready))
    try:
        await asyncio.wait_for(ready.wait(), START_TIMEOUT)
        alice = sandbox.user(1001, "Alice", language_code="en", username="alice")
        await alice.command("/help")
        await alice.wait_message(WAIT)
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/healthz") as health:
                assert health.status == 200
            async with http.get(f"http://127.0.0.1:{port}/metrics") as page:
                metrics = await page.text()
        assert 'bot_updates_total{kind="command",outcome="ok"} 1.0' in metrics
    finally:
        stop.set()
        await asyncio.wait_for(task, STOP_TIMEOUT)
