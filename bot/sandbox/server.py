"""The sandbox Bot API server: a local Telegram for trying the bot and for end-to-end tests.

It speaks the Bot API over HTTP the way ``api.telegram.org`` does, for the methods the bot
uses: ``getMe``; ``getUpdates`` (offset, limit, a real long poll, allowed_updates);
``setWebhook``/``deleteWebhook``/``getWebhookInfo`` (getUpdates answers 409 while a webhook is
set, and updates are POSTed to it as Telegram does: :mod:`bot.sandbox.webhook`);
``sendMessage``, ``editMessageText``, ``editMessageReplyMarkup``,
``answerCallbackQuery``, ``sendDocument``, ``sendPhoto``, ``getFile`` plus downloads under
``/file/bot<token>/<file_path>``; ``setMyCommands``/``getMyCommands``/``deleteMyCommands``
(scope and language_code); ``sendInvoice`` and ``answerPreCheckoutQuery``.

Routes are ``/bot<token>/<method>`` for GET and POST, method names case-insensitive.
Parameters may come as a query string, an urlencoded form, multipart (files as parts,
``attach://<name>`` references), a JSON body or nothing. Errors have the real shapes:
401 ``Unauthorized`` for a wrong token, 404 ``Not Found`` for an unknown method, 400
``Bad Request: ...`` for bad parameters, 409 conflicts, and 429 ``Too Many Requests: retry
after N`` with ``parameters.retry_after`` past the flood limits when ``rate_limits`` is on: a
token bucket per chat (a burst of 5 messages, then 1 a second) and one overall (30 at once,
then 30 a second), see :mod:`bot.sandbox.limiter`. Limits: text 1-4096 characters,
callback_data 1-64 bytes.

Python API for tests (and the terminal chat, ``bot.sandbox.chat``)::

    server = SandboxServer(token="123456:sandbox", rate_limits=False)
    await server.start()                  # 127.0.0.1, a free port
    server.url                            # "http://127.0.0.1:PORT": the TELEGRAM_API_URL
    alice = server.user(1001, "Alice", language_code="en", username="alice")
    await alice.send("hello")             # a text message update
    await alice.command("/start p12")     # text with a bot_command entity
    msg = await alice.wait_message(timeout=5, predicate=None)  # next unseen bot message
    answer = await alice.press(msg, "Label")   # or a 0-based button index; waits for
                                               # answerCallbackQuery, returns CallbackAnswer
    await alice.press_data(msg, "forged:1")    # any callback data
    await alice.wait_edit(msg)            # until the bot edits msg (msg updates in place)
    await alice.upload_document(b"%PDF", "cv.pdf", mime="application/pdf", caption=None)
    await alice.send_photo(png_bytes)
    result = await alice.pay(invoice_msg) # pre_checkout_query -> answer -> successful_payment
    alice.messages                        # list[SandboxMessage]: text, buttons, document...
    server.inject(raw_update)             # e.g. a duplicate of server.updates_log[-1]
    server.commands(scope={"type": "chat", "chat_id": 1001}, language_code="en")
    server.menu_for(1001, "ru")           # the menu Telegram would show this user
    server.fail_next("sendMessage", status=502, times=2)  # faults: 5xx, or 0 = connection
    server.failures                       # [("sendmessage", 502), ...] as they were served
    server.revoke_token()                 # as in @BotFather: every later call answers 401
    server.refused                        # [(chat_id, retry_after), ...]: every 429 served
    await server.stop()

``time_source`` (default ``time.time``) dates messages and drives the flood limiter, so tests
can control it. Update ids start at ``first_update_id``, by default the time in milliseconds,
so that a sandbox restarted against the same database never reuses an update id.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from aiohttp import web

from bot.sandbox.api_bot import BOT_METHODS, scope_key
from bot.sandbox.api_messages import MESSAGE_METHODS
from bot.sandbox.objects import Person
from bot.sandbox.params import ApiError, read_params
from bot.sandbox.users import SandboxUser
from bot.sandbox.webhook import WebhookDelivery
from bot.sandbox.world import ChatState, World

__all__ = ["SandboxServer"]

log = logging.getLogger(__name__)

METHODS = {**BOT_METHODS, **MESSAGE_METHODS}
_TOKEN = re.compile(r"^\d+:[\w-]+$")
_dumps = partial(json.dumps, ensure_ascii=False)
_FAULTS = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
           504: "Gateway Timeout"}


def _answer(body: dict[str, Any], status: int = 200) -> web.Response:
    """A JSON response as the Bot API sends it."""
    return web.json_response(body, status=status, dumps=_dumps)


class SandboxServer:
    """A local Bot API server with test users (see the module docstring)."""

    def __init__(
        self,
        token: str = "123456:sandbox",
        *,
        rate_limits: bool = False,
        time_source: Callable[[], float] = time.time,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_name: str = "Sandbox Bot",
        bot_username: str = "sandbox_bot",
        first_update_id: int | None = None,
    ) -> None:
        if not _TOKEN.match(token):
            raise ValueError("a bot token looks like 123456:ABC-def")
        self.token = token
        self.host = host
        self.port = port
        self.world = World(
            token,
            time_source=time_source,
            rate_limits=rate_limits,
            bot_name=bot_name,
            bot_username=bot_username,
            first_update_id=first_update_id,
        )
        self.users: dict[int, SandboxUser] = {}
        self.webhooks = WebhookDelivery(self.world)  # POSTs updates once setWebhook is called
        self._runner: web.AppRunner | None = None
        self._faults: dict[str, list[int]] = {}
        self.failures: list[tuple[str, int]] = []
        self.revoked = False

    # --- lifecycle ----------------------------------------------------------------------

    def app(self) -> web.Application:
        """The aiohttp application (routes only; :meth:`start` serves it)."""
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        return app

    async def start(self) -> None:
        """Serve on ``host`` (a free port unless one was given)."""
        self.world.stopping = False
        self._runner = web.AppRunner(self.app(), shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self.webhooks.start()

    async def stop(self) -> None:
        """End waiting long polls and stop serving."""
        self.world.stopping = True
        self.world.updates_signal.notify()
        await self.webhooks.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SandboxServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        """The base URL, as ``TELEGRAM_API_URL`` takes it."""
        return f"http://{self.host}:{self.port}"

    # --- HTTP ---------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        """One Bot API call."""
        if self.revoked or request.match_info["token"] != self.token:
            return _answer(ApiError(401, "Unauthorized").to_json(), 401)
        method = METHODS.get(request.match_info["method"].lower())
        if method is None or request.method not in ("GET", "POST"):
            return _answer(ApiError(404, "Not Found").to_json(), 404)
        fault = self._fault(request.match_info["method"].lower())
        if fault is not None:
            if fault == 0:  # the connection drops before any answer
                if request.transport is not None:
                    request.transport.abort()
                return web.Response(status=500)
            return _answer(ApiError(fault, _FAULTS.get(fault, "Server Error")).to_json(), fault)
        try:
            params = await read_params(request)
            result = await method(self.world, params)
        except ApiError as error:
            return _answer(error.to_json(), error.code)
        except Exception:
            log.exception("sandbox: %s failed", request.match_info["method"])
            return _answer(ApiError(500, "Internal Server Error").to_json(), 500)
        return _answer({"ok": True, "result": result})

    def revoke_token(self) -> None:
        """Revoke the token as @BotFather does: every later call answers 401 Unauthorized.

        A waiting long poll ends at once (as when the server stops) and the next getUpdates
        is refused.
        """
        self.revoked = True
        self.world.stopping = True
        self.world.updates_signal.notify()

    @property
    def refused(self) -> list[tuple[int, int]]:
        """Every 429 the flood limits answered, in order: (chat id, retry_after)."""
        limiter = self.world.limiter
        return [] if limiter is None else list(limiter.refused)

    def fail_next(self, method: str, *, status: int = 502, times: int = 1) -> None:
        """Fail the next ``times`` calls of ``method`` before it runs (nothing is done).

        ``status`` is the HTTP status of the error answer (5xx as a proxy or Telegram's
        front end sends it), or 0 to drop the connection without an answer.
        """
        self._faults.setdefault(method.lower(), []).extend([status] * times)

    def _fault(self, method: str) -> int | None:
        """The injected failure for this call of ``method``, if one is due."""
        due = self._faults.get(method)
        if not due:
            return None
        status = due.pop(0)
        self.failures.append((method, status))
        self.world.changed.notify()
        return status

    async def _download(self, request: web.Request) -> web.Response:
        """A file download, by the file_path getFile gave."""
        if request.match_info["token"] != self.token:
            return _answer(ApiError(401, "Unauthorized").to_json(), 401)
        stored = self.world.paths.get(request.match_info["path"])
        if stored is None:
            return _answer(ApiError(404, "Not Found").to_json(), 404)
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )

    async def _not_found(self, request: web.Request) -> web.Response:
        """Anything else."""
        return _answer(ApiError(404, "Not Found").to_json(), 404)

    # --- the Python API -----------------------------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str,
        *,
        language_code: str | None = "en",
        username: str | None = None,
        last_name: str | None = None,
    ) -> SandboxUser:
        """A Telegram user with a private chat with the bot (the same object per id)."""
        if user_id in self.users:
            return self.users[user_id]
        person = Person(user_id, first_name, last_name, username, language_code)
        self.world.chats[user_id] = ChatState(person)
        self.users[user_id] = SandboxUser(self.world, person)
        return self.users[user_id]

    def inject(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue a raw update; one with a known update_id is delivered again (a duplicate)."""
        return self.world.push_update(dict(update), forced="update_id" in update)

    @property
    def updates_log(self) -> list[dict[str, Any]]:
        """Every update queued so far, in order."""
        return list(self.world.updates_log)

    def commands(
        self, scope: dict[str, Any] | str | None = None, language_code: str | None = None
    ) -> list[dict[str, str]]:
        """What setMyCommands registered for exactly this scope and language."""
        if isinstance(scope, str):
            scope = {"type": scope}
        key = (scope_key(self.world, scope), language_code or "")
        return list(self.world.commands.get(key, []))

    def menu_for(self, user_id: int, language_code: str | None = None) -> list[dict[str, str]]:
        """The command menu Telegram shows a user in the private chat (scope resolution)."""
        for scope in (f"chat:{user_id}", "all_private_chats", "default"):
            for language in (language_code or "", ""):
                menu = self.world.commands.get((scope, language))
                if menu:
                    return list(menu)
        return []
