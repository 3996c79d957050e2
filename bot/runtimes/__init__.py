"""The runtimes: aiogram and python-telegram-bot adapters around the same handlers.

:func:`run_polling` is what ``python -m bot run`` and the end-to-end tests both call: it picks
the adapter named by ``BOT_RUNTIME`` (or ``runtime``), keeps the token out of the logs, and long
polls ``TELEGRAM_API_URL`` until ``stop`` is set. Framework modules are imported only when
their runtime is chosen.
"""

from __future__ import annotations

import asyncio
import importlib
import re
from typing import TYPE_CHECKING

from bot.config import ConfigError
from bot.runtimes.common import DEFAULT_RETRY, RetryPolicy
from bot.runtimes.redact import TokenRedactor, quiet_http_loggers

if TYPE_CHECKING:
    from bot.app import App
    from bot.runtimes.base import PollingRuntime

__all__ = ["RUNTIMES", "check_token", "load_runtime", "run_polling"]

RUNTIMES: dict[str, str] = {
    "aiogram": "bot.runtimes.aiogram_runtime:AiogramRuntime",
    "ptb": "bot.runtimes.ptb_runtime:PtbRuntime",
}
_TOKEN = re.compile(r"\d+:[A-Za-z0-9_-]+")


def check_token(token: str) -> str:
    """``token`` if it looks like a Bot API token (``<bot id>:<secret>``), else ConfigError."""
    if not _TOKEN.fullmatch(token):
        raise ConfigError("BOT_TOKEN is invalid: expected <bot id>:<secret> as @BotFather "
                          "gives it")
    return token


def load_runtime(name: str) -> type[PollingRuntime]:
    """The adapter class for ``name`` (``aiogram`` or ``ptb``)."""
    try:
        module_name, _, class_name = RUNTIMES[name].partition(":")
    except KeyError:
        raise ConfigError(f"BOT_RUNTIME is invalid: use one of {', '.join(RUNTIMES)}") from None
    runtime: type[PollingRuntime] = getattr(importlib.import_module(module_name), class_name)
    return runtime


async def run_polling(app: App, stop: asyncio.Event, *, ready: asyncio.Event | None = None,
                      runtime: str | None = None, policy: RetryPolicy = DEFAULT_RETRY) -> None:
    """Long-poll ``app.settings.telegram_api_url`` on the chosen runtime until ``stop`` is set.

    Args:
        app: the wired application (see :func:`bot.app.build_app`).
        stop: set it to stop; in-flight updates finish and sessions close before returning.
        ready: set once getMe succeeded, the menus are registered and polling starts.
        runtime: ``aiogram`` or ``ptb``; defaults to ``app.settings.bot_runtime``.
        policy: retries of Bot API calls.

    Raises:
        ConfigError: no token, a malformed one, or one the server rejects.
    """
    settings = app.settings
    token = check_token(settings.require_token())
    adapter = load_runtime(runtime or settings.bot_runtime)
    with TokenRedactor(token):
        quiet_http_loggers()
        await adapter(app, token, settings.telegram_api_url, policy).run(stop, ready)
