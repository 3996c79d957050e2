"""What both runtimes share: the retry policy, per-chat ordering and the command-menu plan.

The aiogram and python-telegram-bot adapters differ only in how they talk to their framework;
every decision about *behaviour* lives here, so the two cannot drift apart:

- :func:`call_with_retry`: on 429 wait ``retry_after`` and retry; on a network or server error
  back off exponentially up to a cap; anything else is raised at once. Each adapter supplies a
  classifier that maps its framework's exceptions to a :class:`Failure`.
- :class:`RetryPolicy` also sets the pace of replies per chat (:mod:`bot.runtimes.pacing`).
- :class:`ChatLanes`: updates of one chat are handled one after another, in arrival order,
  while different chats run concurrently (a per-chat :class:`asyncio.Lock`).
- :func:`menu_plan`: the ``setMyCommands`` calls to make at start (default scope per language,
  the fallback without a language, and each admin's own menu in chat scope).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Literal, TypeVar

from bot.runtimes.pacing import REPLY_BURST, REPLY_RATE
from core.accounts import Role, User
from handlers.menu import user_commands, user_menu
from locales import LANGUAGES, translator

__all__ = [
    "ALLOWED_UPDATES",
    "DEFAULT_RETRY",
    "POLL_TIMEOUT",
    "ChatLanes",
    "Classifier",
    "Failure",
    "Menu",
    "RetryPolicy",
    "UNPACED",
    "call_with_retry",
    "menu_plan",
]

log = logging.getLogger(__name__)

T = TypeVar("T")

ALLOWED_UPDATES: tuple[str, ...] = ("message", "callback_query", "pre_checkout_query")
"""The update types the bot asks for in getUpdates."""

POLL_TIMEOUT = 20
"""Long-poll timeout of getUpdates, in seconds (both frameworks cancel it on stop)."""


@dataclass(frozen=True, slots=True)
class Failure:
    """What a failed Bot API call means for the caller.

    ``flood``: 429, retry after ``retry_after`` seconds. ``transient``: a network or server
    error, retry with backoff. ``not_modified``: an edit that changed nothing (harmless).
    ``unauthorized``: the token was rejected. ``fatal``: anything else; do not retry.
    """

    kind: Literal["flood", "transient", "not_modified", "unauthorized", "fatal"]
    retry_after: float = 0.0


Classifier = Callable[[BaseException], Failure]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long to retry a Bot API call, how to wait (``sleep``), and how fast
    replies go to one chat (``reply_burst`` at once, then ``reply_rate`` a second, on
    ``time_source``: :class:`~bot.runtimes.pacing.ChatPacer`; ``reply_burst=None`` does not
    pace, for a server without flood limits: :data:`UNPACED`).

    Tests inject ``sleep`` and ``time_source`` to move a fake clock instead of waiting.
    """

    attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_retry_after: float = 300.0
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep
    time_source: Callable[[], float] = time.monotonic
    reply_burst: int | None = REPLY_BURST
    reply_rate: float = REPLY_RATE
    #: Told ``retry_after`` of every 429 received (the metrics count them).
    on_flood: Callable[[float], None] | None = None
    #: Awaited with ``what`` before each attempt: waits for the send budget shared by the
    #: bot's processes (:mod:`bot.send_budget`).
    pace: Callable[[str], Awaitable[object]] | None = None

    def backoff(self, failures: int) -> float:
        """The pause after the ``failures``-th consecutive network error (1-based)."""
        return min(self.max_delay, self.base_delay * 2 ** max(0, failures - 1))


DEFAULT_RETRY = RetryPolicy()

UNPACED = RetryPolicy(reply_burst=None)
"""Replies as fast as the handlers return them: against a server with no flood limits."""


async def call_with_retry(
    call: Callable[[], Awaitable[T]],
    classify: Classifier,
    policy: RetryPolicy = DEFAULT_RETRY,
    *,
    what: str = "request",
    sleep: Callable[[float], Awaitable[object]] | None = None,
) -> T:
    """Run ``call()``; retry on 429 and network errors as ``policy`` says; re-raise the rest.

    Args:
        call: makes a fresh request each time it is called.
        classify: maps the framework's exception to a :class:`Failure`.
        policy: attempt count and delays.
        what: names the request in log lines (never the URL, which holds the token).
        sleep: the pause; defaults to ``policy.sleep``.
    """
    pause = policy.sleep if sleep is None else sleep
    failures = 0
    while True:
        if policy.pace is not None:
            await policy.pace(what)
        try:
            return await call()
        except Exception as exc:
            failure = classify(exc)
            failures += 1
            if failure.kind == "flood":
                delay = min(max(failure.retry_after, 0.0), policy.max_retry_after)
                if policy.on_flood is not None:
                    policy.on_flood(failure.retry_after)
            elif failure.kind == "transient":
                delay = policy.backoff(failures)
            else:
                raise
            if failures >= policy.attempts:
                raise
            log.warning("%s failed (%s, attempt %d); retrying in %.1f s",
                        what, failure.kind, failures, delay)
            await pause(delay)


class ChatLanes:
    """Runs jobs one at a time per chat, in submission order; chats run concurrently.

    :meth:`submit` takes a slot (at most ``limit`` jobs in flight, which pushes back on the
    polling loop) and starts a task whose first step is the chat's lock. Tasks start in creation
    order and :class:`asyncio.Lock` is fair, so a chat's jobs run in the order they arrived.
    """

    def __init__(self, limit: int = 64) -> None:
        """At most ``limit`` jobs in flight across all chats."""
        self._slots = asyncio.Semaphore(limit)
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def in_flight(self) -> int:
        """Jobs submitted and not yet finished."""
        return len(self._tasks)

    async def submit(self, chat_id: int, job: Callable[[], Awaitable[None]]) -> None:
        """Queue ``job`` behind the earlier jobs of ``chat_id``; return once it is queued."""
        await self._slots.acquire()
        lock, users = self._locks.get(chat_id) or (asyncio.Lock(), 0)
        self._locks[chat_id] = (lock, users + 1)
        task = asyncio.create_task(self._run(chat_id, lock, job))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, chat_id: int, lock: asyncio.Lock,
                   job: Callable[[], Awaitable[None]]) -> None:
        """Run ``job`` under the chat's lock; forget the lock when nobody waits for it."""
        try:
            async with lock:
                await job()
        except Exception:
            log.exception("handling an update of chat %s failed", chat_id)
        finally:
            lock_now, users = self._locks[chat_id]
            if users <= 1:
                del self._locks[chat_id]
            else:
                self._locks[chat_id] = (lock_now, users - 1)
            self._slots.release()

    async def drain(self) -> None:
        """Wait until every submitted job has finished (jobs may still be submitted)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


@dataclass(frozen=True, slots=True)
class Menu:
    """One ``setMyCommands`` call: a scope (default or one chat), a language, the commands."""

    commands: tuple[tuple[str, str], ...]
    language_code: str | None = None
    chat_id: int | None = None


def _translated(pairs: Iterable[tuple[str, str]], language: str) -> tuple[tuple[str, str], ...]:
    """(command, description) with each description translated into ``language``."""
    tr = translator(language)
    return tuple((name, tr(description)) for name, description in pairs)


def menu_plan(admin_ids: Iterable[int], default_language: str,
              known: Mapping[int, User] | None = None) -> list[Menu]:
    """Every menu to register at start: per language, and with no language in
    ``default_language``; then each admin's own menu.

    An admin's menu is the one :func:`handlers.menu.user_menu` gives them (their roles, in their
    language) from their stored account in ``known``, or, before they ever wrote to the bot,
    the commands every user has plus the staff ones, in ``default_language``. It is set in
    their chat scope without a language, as the dispatcher sets every user's menu; the
    per-language chat menus earlier versions registered are cleared first, since Telegram
    prefers a chat scope with the client's language to one without.
    """
    plan: list[Menu] = []
    for language in (*LANGUAGES, None):
        spoken = language or default_language
        plan.append(Menu(_translated(user_commands(), spoken), language))
    for admin in sorted(set(admin_ids)):
        stored = (known or {}).get(admin)
        user = stored if stored is not None else User(id=admin)
        user.roles.add(Role.ADMIN)
        plan.extend(Menu((), language, admin) for language in LANGUAGES)
        plan.append(Menu(user_menu(user, default_language).commands, None, admin))
    return plan
