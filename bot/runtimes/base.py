"""The life of a polling bot, the same on every framework.

:class:`PollingRuntime.run`: connect (getMe, retried), register the command menus, poll until
``stop`` is set, then stop polling, let every update already received finish, and close the
framework's HTTP sessions. A subclass supplies the framework calls (``_connect``,
``_set_commands``, ``_poll``, ``_close``) and a :class:`~bot.runtimes.perform.Performer`; each
update it receives goes to :meth:`PollingRuntime.feed`.

A token Telegram rejects (401) ends the run with :class:`~bot.config.ConfigError`
(:data:`REJECTED`), at start (getMe) or while polling (the token was revoked in @BotFather):
an adapter reports a rejected getUpdates through :meth:`PollingRuntime.token_rejected`, and
the bot then stops as on SIGTERM (in-flight updates finish, sessions close) before raising it.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from aiohttp import web

from bot.config import ConfigError, require_webhook_secret
from bot.http import BotHttpServer, WebhookEndpoint, health_routes, webhook_path, webhook_url
from bot.outbox import OutboxDelivery, OutboxSender, SendLimiter
from bot.outbox_senders import BotSender
from bot.runtimes.common import (
    DEFAULT_RETRY,
    ChatLanes,
    Failure,
    Menu,
    RetryPolicy,
    call_with_retry,
    menu_plan,
)
from bot.runtimes.convert import to_incoming
from bot.runtimes.perform import Performer
from bot.send_budget import reply_pacer, send_budget_for
from core.accounts import User
from handlers.contract import Incoming

if TYPE_CHECKING:
    from bot.app import App

__all__ = ["REJECTED", "PollingRuntime"]

log = logging.getLogger(__name__)

T = TypeVar("T")

REJECTED = "BOT_TOKEN is invalid: the Bot API server rejected it"
DEFAULT_WEBHOOK_LISTEN = "127.0.0.1:8080"


class PollingRuntime(ABC):
    """One bot on one framework, long polling a Bot API server."""

    name: ClassVar[str]

    def __init__(self, app: App, token: str, api_url: str,
                 policy: RetryPolicy = DEFAULT_RETRY) -> None:
        """Serve ``app`` as the bot with ``token`` on the Bot API server at ``api_url``."""
        self.app = app
        self.token = token
        self.api_url = api_url
        # Sends of every process take tokens from one budget (PostgreSQL; none on SQLite).
        self.budget = send_budget_for(app.db, app.settings.send_rate)
        self.policy = replace(
            policy, on_flood=policy.on_flood or app.metrics.reply_flood,
            pace=policy.pace or reply_pacer(self.budget))
        self.lanes = ChatLanes()
        self.username = ""
        self._halt = asyncio.Event()
        self._rejected = False

    # --- what a framework adapter supplies ---------------------------------------------------

    @property
    @abstractmethod
    def performer(self) -> Performer:
        """Performs actions with this framework's Bot."""

    @abstractmethod
    def classify(self, exc: BaseException) -> Failure:
        """What this framework's exception means."""

    @abstractmethod
    async def _connect(self) -> str:
        """Call getMe; return the bot's username."""

    @abstractmethod
    async def _set_commands(self, menu: Menu) -> None:
        """One setMyCommands call."""

    @abstractmethod
    async def _poll(self, stop: asyncio.Event) -> None:
        """Long-poll, passing every update to :meth:`feed`, until ``stop`` is set.

        ``stop`` is set on the caller's stop and on :meth:`token_rejected`.
        """

    @abstractmethod
    def parse_update(self, data: dict[str, Any]) -> Any:
        """The framework's Update for the JSON of one update (webhook mode)."""

    @abstractmethod
    async def _set_webhook(self, url: str, secret: str) -> None:
        """One setWebhook call: ``url``, ``secret_token`` and the allowed update types."""

    @abstractmethod
    async def _close(self) -> None:
        """Close the framework's sessions (safe to call after a failed start)."""

    # --- the shared life cycle -----------------------------------------------------------------

    async def run(self, stop: asyncio.Event, ready: asyncio.Event | None = None) -> None:
        """Connect, register menus, poll until ``stop``; then finish in-flight work and close.

        Raises:
            ConfigError: the Bot API server rejected the token, at start or while polling.
        """
        forward = asyncio.create_task(_forward(stop, self._halt))
        try:
            started = await _unless_stopped(stop, self._start())
            if not started:
                return
            webhook = self.app.settings.webhook_url
            log.info("%s runtime %s %s as @%s", self.name,
                     "serving the webhook of" if webhook else "polling", _host(self.api_url),
                     self.username)
            if ready is not None and not webhook:
                ready.set()
            async with self.outbox():
                try:
                    if webhook:
                        await self._serve_webhook(self._halt, ready)
                    else:
                        await self._poll(self._halt)
                except Exception as exc:
                    if not (self._rejected or self.classify(exc).kind == "unauthorized"):
                        raise
                    self._rejected = True
            if self._rejected:
                raise ConfigError(REJECTED)
        finally:
            forward.cancel()
            await self.lanes.drain()
            await self._close()
            log.info("%s runtime stopped", self.name)

    def token_rejected(self) -> None:
        """The server refused the token while polling (401): stop, then raise ConfigError."""
        if not self._rejected:
            log.error("%s runtime: the Bot API server rejected the token while polling; "
                      "stopping", self.name)
        self._rejected = True
        self._halt.set()

    def outbox(self) -> OutboxDelivery:
        """Deliver the outbox through this runtime's bot while it polls (:mod:`bot.outbox`).

        This process's outbox keeps OUTBOX_RATE; every send also takes its tokens from the
        budget shared with the other processes on PostgreSQL (SEND_RATE overall, 1/s per chat:
        :mod:`bot.send_budget`).
        """
        transport = BotSender(self.performer.bot, self.performer.toolkit)
        rate = self.app.settings.outbox_rate
        sender = OutboxSender(self.app.db, transport, self.app.clock,
                              limiter=SendLimiter(overall=max(1, min(30, int(rate))),
                                                  time_source=time.monotonic),
                              budget=self.budget)
        self.app.metrics.outbox_sent = lambda: float(sender.sent)
        self.app.metrics.outbox_floods = lambda: float(sender.floods)
        return OutboxDelivery(sender)

    async def _serve_webhook(self, stop: asyncio.Event, ready: asyncio.Event | None) -> None:
        """Webhook mode: serve the webhook, ``/healthz`` and ``/metrics`` on WEBHOOK_LISTEN,
        call setWebhook, and take updates until ``stop`` (the webhook stays set: the other
        processes behind the proxy still serve it)."""
        settings = self.app.settings
        assert settings.webhook_url is not None
        secret = require_webhook_secret(settings)
        endpoint = WebhookEndpoint(secret, self.accept, self.app.metrics,
                                   reply_within=settings.webhook_reply_within)
        path = webhook_path(settings.webhook_url, secret)

        def routes(app: web.Application) -> None:
            app.router.add_post(path, endpoint.handle)
            health_routes(app, self.app.db, self.app.metrics)

        async with BotHttpServer(settings.webhook_listen or DEFAULT_WEBHOOK_LISTEN, routes):
            await self._retry(partial(self._set_webhook,
                                      webhook_url(settings.webhook_url, secret), secret),
                              "setWebhook")
            if ready is not None:
                ready.set()
            await stop.wait()

    async def accept(self, data: dict[str, Any]) -> asyncio.Future[bool] | None:
        """Webhook mode: queue one update's JSON in its chat's lane; the future is done once
        its effects are committed (None: nothing to do for it)."""
        try:
            incoming = to_incoming(self.parse_update(data), self.username)
        except Exception:
            log.exception("cannot read update %s", data.get("update_id", "?"))
            return None
        if incoming is None:
            log.debug("update %s ignored", data.get("update_id"))
            return None
        committed: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        await self.lanes.submit(incoming.chat_id, lambda: self.handle(incoming, committed))
        return committed

    async def _start(self) -> bool:
        """getMe (the token is checked here) and the command menus.

        getMe is retried on network errors for as long as it takes (the server may come up
        after the bot; ``stop`` still ends the wait); a rejected token fails at once.
        """
        patient = replace(self.policy, attempts=sys.maxsize)
        try:
            self.username = await call_with_retry(self._connect, self.classify, patient,
                                                  what="getMe")
        except Exception as exc:
            if self.classify(exc).kind == "unauthorized":
                raise ConfigError(REJECTED) from None
            raise
        self.app.use_bot_username(self.username)
        await self.register_menus()
        return True

    async def register_menus(self) -> None:
        """setMyCommands for every entry of the menu plan (a failure is logged, not fatal)."""
        settings = self.app.settings
        for menu in menu_plan(settings.admin_ids, settings.default_language,
                              await self._stored_admins()):
            try:
                await self._retry(partial(self._set_commands, menu), "setMyCommands")
            except Exception as exc:
                # A chat scope fails until that admin has opened a chat with the bot.
                level = logging.ERROR if menu.chat_id is None else logging.WARNING
                log.log(level, "setMyCommands (language %s, chat %s) failed: %s",
                        menu.language_code, menu.chat_id, exc)

    async def _stored_admins(self) -> dict[int, User]:
        """The stored accounts of the admins (their roles and language decide their menu)."""
        found: dict[int, User] = {}
        try:
            async with self.app.db.uow() as uow:
                for admin in self.app.settings.admin_ids:
                    user = await uow.users.get(admin)
                    if user is not None:
                        found[admin] = user
        except Exception as exc:  # the menus still go out, in the default language
            log.warning("could not read the admins' accounts for their menus: %s", exc)
        return found

    async def feed(self, update: Any) -> None:
        """Convert one framework update and queue it in its chat's lane."""
        try:
            incoming = to_incoming(update, self.username)
        except Exception:
            log.exception("cannot read update %s", getattr(update, "update_id", "?"))
            return
        if incoming is None:
            log.debug("update %s ignored", update.update_id)
            return
        await self.lanes.submit(incoming.chat_id, lambda: self.handle(incoming))

    async def handle(self, incoming: Incoming,
                     committed: asyncio.Future[bool] | None = None) -> None:
        """Run the dispatcher on ``incoming`` and perform what it returns.

        ``committed`` (webhook mode) is told as soon as the dispatcher has finished, before the
        replies go out: True, or False if it raised (the update is then delivered again).
        """
        started, finished = time.perf_counter(), False
        try:
            actions = await self.app.dispatcher.process(incoming)
            finished = True
        finally:
            self.app.metrics.latency.observe(time.perf_counter() - started)
            if committed is not None and not committed.done():
                committed.set_result(finished)
        await self.performer.perform_all(incoming, actions)

    async def _retry(self, call: Callable[[], Awaitable[T]], what: str) -> T:
        """``call`` under the retry policy."""
        return await call_with_retry(call, self.classify, self.policy, what=what)


async def _unless_stopped(stop: asyncio.Event, work: Awaitable[T]) -> T | None:
    """Await ``work`` unless ``stop`` is set first (then cancel it and return ``None``)."""
    task = asyncio.ensure_future(work)
    stopper = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    except BaseException:
        task.cancel()
        raise
    finally:
        stopper.cancel()
    if task.done():
        return task.result()
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    return None


async def _forward(stop: asyncio.Event, halt: asyncio.Event) -> None:
    """Set ``halt`` once ``stop`` is set."""
    await stop.wait()
    halt.set()


def _host(url: str) -> str:
    """The scheme and host of ``url`` (never a path, which could hold a token)."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"
