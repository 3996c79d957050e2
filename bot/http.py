"""The bot's own HTTP server (aiohttp): the webhook, ``/healthz`` and ``/metrics``.

- ``POST <webhook path>``: one update from Telegram (:class:`WebhookEndpoint`). The path is
  the path of ``WEBHOOK_URL`` plus a part derived from ``WEBHOOK_SECRET``
  (:func:`webhook_path`), so nobody can guess it from the public URL; and a request whose
  ``X-Telegram-Bot-Api-Secret-Token`` is not the secret (compared in constant time) gets 401
  without its body being read or logged.
- ``GET /healthz``: 200 ``ok`` when the process runs and the database answers, else 503.
- ``GET /metrics``: :class:`~bot.metrics.Metrics` in the Prometheus text format.

In webhook mode all three are served on ``WEBHOOK_LISTEN``; in polling mode ``/healthz`` and
``/metrics`` are served on ``METRICS_LISTEN`` when it is set.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from sqlalchemy import text

from bot.config import listen_address
from bot.metrics import CONTENT_TYPE, Metrics
from storage import Database

__all__ = ["BotHttpServer", "WebhookEndpoint", "health_routes", "webhook_path", "webhook_url"]

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
HEALTH_TIMEOUT = 3.0

Accept = Callable[[dict[str, Any]], Awaitable["asyncio.Future[bool] | None"]]
"""Takes one update's JSON into the runtime; the future says True once its effects are
committed, False if handling it raised."""


def _suffix(secret: str) -> str:
    """The unguessable part of the webhook path, derived from the secret."""
    return hmac.new(secret.encode(), b"telegram-marketplace webhook path",
                    hashlib.sha256).hexdigest()[:32]


def webhook_url(public_url: str, secret: str) -> str:
    """The URL given to setWebhook: ``WEBHOOK_URL`` plus the secret-derived path part."""
    return f"{public_url.rstrip('/')}/{_suffix(secret)}"


def webhook_path(public_url: str, secret: str) -> str:
    """The path the bot serves the webhook on (the path of :func:`webhook_url`)."""
    return urlsplit(webhook_url(public_url, secret)).path


class WebhookEndpoint:
    """``POST <path>``: check the secret, hand the update over, answer 200 once it committed.

    The answer waits for the update's effects to be committed (so a process killed before
    that gets no 200 from it, and Telegram delivers the update again, to whichever process
    the proxy picks), but never longer than ``reply_within`` seconds: a slower update is
    answered 200 and finishes on its own, within what Telegram tolerates.
    """

    def __init__(self, secret: str, accept: Accept, metrics: Metrics, *,
                 reply_within: float = 8.0) -> None:
        self._secret = secret.encode()
        self.accept = accept
        self.metrics = metrics
        self.reply_within = reply_within

    def _answer(self, status: int) -> web.Response:
        self.metrics.webhook_requests.labels(str(status)).inc()
        return web.Response(status=status, text="ok" if status == 200 else "")

    async def handle(self, request: web.Request) -> web.Response:
        """One POST from Telegram."""
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            log.warning("webhook: a request without the right secret token was refused")
            return self._answer(401)
        try:
            update = json.loads(await request.read())
        except ValueError:
            return self._answer(400)
        if not isinstance(update, dict):
            return self._answer(400)
        done = await self.accept(update)
        if done is not None:
            try:
                if not await asyncio.wait_for(asyncio.shield(done), self.reply_within):
                    return self._answer(500)  # Telegram delivers it again
            except TimeoutError:
                log.info("webhook: update %s still running after %.0f s; answered",
                         update.get("update_id"), self.reply_within)
        return self._answer(200)


def health_routes(app: web.Application, database: Database, metrics: Metrics) -> None:
    """Add ``GET /healthz`` and ``GET /metrics`` to ``app``."""

    async def healthz(_request: web.Request) -> web.Response:
        try:
            async with asyncio.timeout(HEALTH_TIMEOUT):
                async with database.engine.connect() as connection:
                    await connection.execute(text("SELECT 1"))
        except Exception as exc:
            return web.Response(status=503, text=f"database unreachable: {type(exc).__name__}")
        return web.Response(text="ok")

    async def metrics_page(_request: web.Request) -> web.Response:
        body = await metrics.render()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_page)


class BotHttpServer:
    """An aiohttp site on ``listen`` (``host:port``) for the routes given."""

    def __init__(self, listen: str, routes: Callable[[web.Application], None]) -> None:
        self.host, self.port = listen_address(listen)
        self.routes = routes
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Listen (port 0 picks a free one, then read :attr:`port`)."""
        app = web.Application(client_max_size=2 * 1024 * 1024)
        self.routes(app)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        log.info("http: listening on %s:%s", self.host, self.port)

    async def stop(self) -> None:
        """Stop listening."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> BotHttpServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
