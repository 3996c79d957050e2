"""The command line: ``python -m bot run | migrate | sandbox``.

Each verb is one row of :data:`VERBS` (name, help, argument set-up, function); later verbs
(``tick``, ``check-ledger``) are added the same way. A configuration problem prints one line
naming the variable to stderr and exits with status 2.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.app import build_app, serve
from bot.config import ConfigError, load_settings, require_webhook_secret
from bot.ledger_cli import check_ledger_command, check_ledger_options
from bot.runtimes import RUNTIMES
from bot.runtimes.redact import TokenRedactor, quiet_http_loggers
from bot.scheduler import tick_command, tick_options

__all__ = ["VERBS", "Verb", "main"]

log = logging.getLogger("bot")

SANDBOX_TOKEN = "7000000001:sandbox-local-token"
SANDBOX_DB = f"sqlite+aiosqlite:///{Path('data') / 'sandbox.db'}"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@dataclass(frozen=True, slots=True)
class Verb:
    """A subcommand: ``run(args)`` returns the exit status."""

    name: str
    help: str
    run: Callable[[argparse.Namespace], int]
    configure: Callable[[argparse.ArgumentParser], None] | None = None


def _configure_logging(level: str, *, file: str | None = None) -> None:
    """Log at ``level`` (LOG_LEVEL) to stderr or ``file``; HTTP client loggers at WARNING."""
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        raise ConfigError(f"LOG_LEVEL is invalid: {level!r} is not a logging level")
    if file is None:
        logging.basicConfig(level=numeric, format=LOG_FORMAT, stream=sys.stderr)
    else:
        Path(file).parent.mkdir(parents=True, exist_ok=True)
        logging.basicConfig(level=numeric, format=LOG_FORMAT, filename=file,
                            encoding="utf-8")
    quiet_http_loggers()


async def _until_signalled(work: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    """Run ``work(stop)``; SIGTERM and SIGINT set ``stop`` so it can finish cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not on Windows
            loop.add_signal_handler(sig, stop.set)
    try:
        await work(stop)
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)


def run(args: argparse.Namespace) -> int:
    """``run``: migrate, then long-poll TELEGRAM_API_URL (or, with ``--webhook`` or
    WEBHOOK_URL, serve the webhook on WEBHOOK_LISTEN) until SIGTERM or SIGINT."""
    settings = load_settings()
    token = settings.require_token()
    if args.runtime:
        settings = settings.model_copy(update={"bot_runtime": args.runtime})
    if args.webhook and not settings.webhook_url:
        raise ConfigError("WEBHOOK_URL is not set: webhook mode needs the public https:// URL "
                          "Telegram posts updates to")
    if settings.webhook_url:
        require_webhook_secret(settings)
    _configure_logging(settings.log_level)
    with TokenRedactor(token):
        app = build_app(settings)
        try:
            asyncio.run(_until_signalled(lambda stop: serve(app, stop)))
        except ConfigError:
            raise
        except Exception:
            log.exception("the bot stopped because of an error")
            return 1
    return 0


def migrate(args: argparse.Namespace) -> int:
    """``migrate``: apply pending migrations and exit."""
    settings = load_settings()
    _configure_logging(settings.log_level)

    async def apply() -> None:
        """Migrate and close."""
        app = build_app(settings)
        try:
            await app.migrate()
        finally:
            await app.close()

    asyncio.run(apply())
    print(f"migrations applied: {_safe_url(settings.database_url)}")
    return 0


def _safe_url(url: str) -> str:
    """A database URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def sandbox(args: argparse.Namespace) -> int:
    """``sandbox``: a local Bot API server, the bot against it, and a terminal chat."""
    from bot.runtimes.sandboxed import run_sandbox
    from bot.sandbox.terminal import Terminal

    database = os.environ.get("SANDBOX_DATABASE_URL") or SANDBOX_DB
    if args.reset:  # start clean: the bot's data, the sandbox's users and its clock
        from bot.sandbox.state import reset_database

        asyncio.run(reset_database(database))
        print(f"sandbox: reset {_safe_url(database)}", file=sys.stderr)
    base = load_settings(bot_token=SANDBOX_TOKEN, bot_runtime=args.runtime,
                         database_url=database)
    _configure_logging(args.log_level, file=args.log_file)
    print(f"sandbox: the bot runs on {base.bot_runtime}, data in {_safe_url(database)}, "
          f"log in {args.log_file}", file=sys.stderr)
    terminal = Terminal()  # prompts on their own line; stdin read without a buffer's lock
    asyncio.run(_until_signalled(
        lambda stop: run_sandbox(base, stop, input_fn=terminal.input,
                                 output_fn=terminal.output)))
    return 0


def _runtime_option(parser: argparse.ArgumentParser) -> None:
    """``--runtime aiogram|ptb`` (default: BOT_RUNTIME) and ``--webhook``."""
    parser.add_argument("--runtime", choices=sorted(RUNTIMES), default=None,
                        help="framework to run on (default: BOT_RUNTIME, else ptb)")
    parser.add_argument("--webhook", action="store_true",
                        help="receive updates by webhook at WEBHOOK_URL (also when WEBHOOK_URL "
                             "is set); needs WEBHOOK_SECRET")


def _sandbox_options(parser: argparse.ArgumentParser) -> None:
    """Options of ``sandbox``."""
    parser.add_argument("--runtime", choices=sorted(RUNTIMES), default="ptb",
                        help="framework to run the bot on (default: ptb)")
    parser.add_argument("--log-file", default=str(Path("data") / "sandbox.log"),
                        help="where the bot's log goes (default: data/sandbox.log)")
    parser.add_argument("--log-level", default="INFO", help="log level (default: INFO)")
    parser.add_argument("--reset", action="store_true",
                        help="start clean: delete the sandbox database (its data, the users "
                             "added with :add and the clock moved by /sandbox_time)")


VERBS: dict[str, Verb] = {
    verb.name: verb
    for verb in (
        Verb("run", "long-poll the Bot API at TELEGRAM_API_URL, or serve a webhook "
             "(needs BOT_TOKEN)", run,
             _runtime_option),
        Verb("migrate", "apply database migrations and exit", migrate),
        Verb("sandbox", "try the bot locally: no token, no internet", sandbox,
             _sandbox_options),
        Verb("check-ledger", "verify the ledger's invariants; exit 1 on any problem",
             check_ledger_command, check_ledger_options),
        Verb("tick", "run the scheduler's ticks once (holds clearing...) and exit", tick_command,
             tick_options),
    )
}


def parser() -> argparse.ArgumentParser:
    """The argument parser, one subcommand per verb."""
    top = argparse.ArgumentParser(prog="python -m bot",
                                  description="The Telegram freelance marketplace bot.")
    verbs = top.add_subparsers(dest="verb", required=True, metavar="COMMAND")
    for verb in VERBS.values():
        sub = verbs.add_parser(verb.name, help=verb.help, description=verb.help)
        if verb.configure is not None:
            verb.configure(sub)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run the verb named in ``argv``; return the exit status."""
    args = parser().parse_args(argv)
    try:
        return VERBS[args.verb].run(args)
    except ConfigError as problem:
        print(f"configuration error: {problem}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
