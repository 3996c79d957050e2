"""Webhook delivery in the sandbox, as Telegram does it once ``setWebhook`` is called.

:class:`WebhookDelivery` runs beside the server: while a webhook is set, every pending update
(of the webhook's allowed kinds) is POSTed to its URL as JSON, one update per request, with
the ``X-Telegram-Bot-Api-Secret-Token`` header when a secret was given. A 2xx answer confirms
the update (it leaves the queue); anything else, a dropped connection or no answer within
``timeout`` seconds is an error: the update stays queued and is delivered again after
``retry_delay`` (doubling up to ``max_retry_delay``), and ``getWebhookInfo`` reports
``last_error_date`` and ``last_error_message`` in Telegram's words, and the
``pending_update_count``.

Up to the webhook's ``max_connections`` requests are open at once, but the updates of one
chat go one at a time, in order: the next one only after the previous was confirmed (so a
bot that answers once an update is handled sees each chat's updates in order, whichever of
its processes receives them).

The sandbox posts only to this machine (a loopback address or ``localhost``): a webhook
elsewhere is recorded but nothing is sent to it (``last_error_message`` says why).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from bot.sandbox.world import Queued, World

__all__ = ["WebhookDelivery", "is_local", "update_chat"]

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def update_chat(update: dict[str, Any]) -> int | None:
    """The chat an update belongs to (a pre-checkout query: its user's private chat)."""
    for kind, value in update.items():
        if kind == "update_id" or not isinstance(value, dict):
            continue
        chat = value.get("chat") or (value.get("message") or {}).get("chat")
        if isinstance(chat, dict) and "id" in chat:
            return int(chat["id"])
        sender = value.get("from")
        if isinstance(sender, dict) and "id" in sender:
            return int(sender["id"])
    return None


def is_local(url: str) -> bool:
    """True if ``url`` names this machine (loopback or ``localhost``)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _kind(update: dict[str, Any]) -> str:
    return next((key for key in update if key != "update_id"), "")


class WebhookDelivery:
    """Delivers the world's pending updates to its webhook (see the module docstring)."""

    def __init__(self, world: World, *, timeout: float = 30.0, retry_delay: float = 0.5,
                 max_retry_delay: float = 8.0) -> None:
        self.world = world
        self.timeout = timeout
        self.retry_delay = retry_delay
        self.max_retry_delay = max_retry_delay
        self.delivered = 0
        self.errors = 0
        self._busy: set[int] = set()  # update ids in flight
        self._retry_at: dict[int, float] = {}
        self._failures: dict[int, int] = {}
        self._task: asyncio.Task[None] | None = None
        self._requests: set[asyncio.Task[None]] = set()
        self._session: aiohttp.ClientSession | None = None
        self._outcomes = 0  # requests finished (a new retry time may have been set)

    def start(self) -> None:
        """Start delivering (in the running event loop)."""
        self._task = asyncio.create_task(self._run(), name="sandbox-webhook")

    async def stop(self) -> None:
        """Stop delivering; requests in flight are cancelled (their updates stay queued)."""
        tasks = [t for t in (self._task, *self._requests) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _loop_time(self) -> float:
        return asyncio.get_running_loop().time()

    def _next(self) -> Queued | None:
        """The first pending update that may go now: its chat has nothing earlier waiting."""
        hook = self.world.webhook
        if hook is None:
            return None
        if not is_local(str(hook.get("url"))):
            hook["last_error_message"] = "The sandbox delivers webhooks only to this machine"
            return None
        allowed = set(hook.get("allowed_updates") or ())
        if allowed:
            self.world.pending = [q for q in self.world.pending if _kind(q.update) in allowed]
        if len(self._busy) >= int(hook.get("max_connections") or 40):
            return None
        blocked: set[int | None] = set()
        now = self._loop_time()
        for queued in self.world.pending:
            update_id = queued.update["update_id"]
            chat = update_chat(queued.update)
            if chat in blocked:
                continue
            blocked.add(chat)
            if update_id in self._busy or self._retry_at.get(update_id, 0.0) > now:
                continue
            return queued
        return None

    def _retry_in(self) -> float | None:
        """Seconds until the earliest retry is due (None: no retry waits)."""
        waiting = [at for uid, at in self._retry_at.items() if uid not in self._busy]
        if not waiting:
            return None
        return max(0.0, min(waiting) - self._loop_time()) + 0.001

    def _ready(self, seen: int) -> bool:
        """Something to do: a request finished since ``seen``, or an update may go."""
        return self._outcomes != seen or self._next() is not None

    async def _run(self) -> None:
        signal = self.world.updates_signal
        while True:
            await signal.wait_for(partial(self._ready, self._outcomes), self._retry_in())
            queued = self._next()
            if queued is None:
                continue
            update_id = queued.update["update_id"]
            self._busy.add(update_id)
            queued.delivered = True
            task = asyncio.create_task(self._post(queued))
            self._requests.add(task)
            task.add_done_callback(self._requests.discard)

    async def _post(self, queued: Queued) -> None:
        """One request; confirm the update on 2xx, else note the error and retry later."""
        hook = self.world.webhook or {}
        update_id = queued.update["update_id"]
        headers = {"Content-Type": "application/json"}
        if hook.get("secret_token"):
            headers[SECRET_HEADER] = str(hook["secret_token"])
        error: str | None = None
        try:
            if self._session is None:
                self._session = aiohttp.ClientSession()
            async with self._session.post(
                    str(hook.get("url")), data=json.dumps(queued.update, ensure_ascii=False),
                    headers=headers, timeout=aiohttp.ClientTimeout(total=self.timeout)
            ) as response:
                await response.read()
                if not 200 <= response.status < 300:
                    error = f"Wrong response from the webhook: {response.status} " \
                            f"{response.reason or ''}".rstrip()
        except TimeoutError:
            error = "Read timeout expired"
        except aiohttp.ClientConnectorError:
            error = "Connection refused"
        except aiohttp.ClientError as exc:
            error = f"Connection error: {type(exc).__name__}"
        finally:
            self._busy.discard(update_id)
        if error is None:
            self.delivered += 1
            self._retry_at.pop(update_id, None)
            self._failures.pop(update_id, None)
            self.world.pending = [q for q in self.world.pending if q is not queued]
        else:
            self.errors += 1
            failures = self._failures.get(update_id, 0) + 1
            self._failures[update_id] = failures
            delay = min(self.retry_delay * 2 ** (failures - 1), self.max_retry_delay)
            self._retry_at[update_id] = self._loop_time() + delay
            if self.world.webhook is not None:
                self.world.webhook["last_error_date"] = self.world.now()
                self.world.webhook["last_error_message"] = error
            log.info("sandbox webhook: update %s: %s; again in %.1f s", update_id, error, delay)
        self._outcomes += 1
        self.world.updates_signal.notify()
        self.world.changed.notify()
