"""Outbox delivery rate against the sandbox Bot API server with the flood limits on (issue 3).

Run by hand from the repository root::

    python bench/bench_outbox.py                      # 300 messages to 300 chats, aiogram
    python bench/bench_outbox.py -n 600 --chats 100 --framework ptb
    python bench/bench_outbox.py --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/test

The sandbox server enforces Telegram's limits on real time (30 messages in any second, one a
second per chat) and answers 429 beyond them. The messages are queued with ``notify`` in one
unit of work (users in en/ru/uk/es), then one :class:`bot.outbox.OutboxSender` drains them
through a real framework Bot over HTTP, marking each row sent. Printed: messages per second
from the first request to the last mark; the *sustained* rate, which leaves out the first
second's burst of 30 the limit allows at once (the limit's own ceiling is then 30 msg/s); the
429s the server answered; and whether every message arrived exactly once. The aim is at least
29 messages a second sustained with no 429: the sender keeps each message's slot until a second
after its answer came back, so the sustained rate is at most 30 / (1 + request time); the mean
request time is printed with that ceiling.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # running as a script from a fresh clone
    sys.path.insert(0, str(ROOT))

from bot.clock import SystemClock  # noqa: E402
from bot.outbox import MessageSender, OutboxSender, RetryLater  # noqa: E402
from bot.outbox_senders import AiogramSender, PtbSender  # noqa: E402
from bot.sandbox import SandboxServer  # noqa: E402
from core.accounts import User  # noqa: E402
from handlers.contract import Keyboard  # noqa: E402
from handlers.notify import notify  # noqa: E402
from storage import Database  # noqa: E402

TOKEN = "123456:bench-outbox"
LANGUAGES = ("en", "ru", "uk", "es")


class Counting:
    """Counts 429s and deliveries on the way to the real sender."""

    def __init__(self, inner: MessageSender) -> None:
        self.inner = inner
        self.refused = 0
        self.first: float | None = None
        self.request_times: list[float] = []

    async def send_text(self, chat_id: int, text: str, keyboard: Keyboard | None) -> None:
        """Send through the framework; count the 429s and time the requests."""
        began = time.perf_counter()
        if self.first is None:
            self.first = began
        try:
            await self.inner.send_text(chat_id, text, keyboard)
        except RetryLater:
            self.refused += 1
            raise
        finally:
            self.request_times.append(time.perf_counter() - began)


async def _queue(database: Database, server: SandboxServer, messages: int, chats: int) -> None:
    """Users and their chats, then ``messages`` notifications round-robin over the chats."""
    now = SystemClock().now()
    async with database.uow() as uow:
        for n in range(chats):
            user_id = 10_000 + n
            language = LANGUAGES[n % len(LANGUAGES)]
            await uow.users.add(User(id=user_id, first_name=f"U{n}", language=language,
                                     created_at=now, last_seen_at=now))
            server.user(user_id, f"U{n}", language_code=language)
        for i in range(messages):
            await notify(uow, 10_000 + i % chats, "Bench message {i}", i=i)
        await uow.commit()


async def _transport(framework: str, server: SandboxServer
                     ) -> tuple[MessageSender, Callable[[], Awaitable[None]]]:
    """The outbox sender for ``framework``'s Bot, and what closes its HTTP session."""
    if framework == "aiogram":
        from aiogram import Bot
        from aiogram.client.session.aiohttp import AiohttpSession
        from aiogram.client.telegram import TelegramAPIServer

        session = AiohttpSession(api=TelegramAPIServer.from_base(server.url))
        return AiogramSender(Bot(TOKEN, session=session)), session.close
    from telegram import Bot as PtbBot

    bot = PtbBot(TOKEN, base_url=f"{server.url}/bot")
    await bot.initialize()
    return PtbSender(bot), bot.shutdown


async def _database(postgres: str | None, directory: Path) -> tuple[Database, str | None]:
    """A migrated database: a temporary SQLite file, or a fresh PostgreSQL schema."""
    if postgres is None:
        database = Database(f"sqlite+aiosqlite:///{directory / 'bench.db'}")
        await database.migrate()
        return database, None
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = Database(postgres)
    async with admin.engine.begin() as connection:
        await connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    await admin.dispose()
    database = Database(postgres, schema=schema)
    await database.migrate()
    return database, schema


async def _drop(postgres: str, schema: str) -> None:
    """Drop the bench's PostgreSQL schema."""
    admin = Database(postgres)
    async with admin.engine.begin() as connection:
        await connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    await admin.dispose()


class ServerThread:
    """The sandbox server on its own event loop in a thread, as Telegram is elsewhere: the
    sender's loop does not also carry the server's work."""

    def __init__(self) -> None:
        self.server = SandboxServer(token=TOKEN, rate_limits=True)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> SandboxServer:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(), self.loop).result()
        return self.server

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop).result()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()


async def run(messages: int, chats: int, framework: str, postgres: str | None) -> bool:
    """Queue, drain, report; True if every message arrived once with no 429."""
    with ServerThread() as server:
        return await _measure(server, messages, chats, framework, postgres)


async def _measure(server: SandboxServer, messages: int, chats: int, framework: str,
                   postgres: str | None) -> bool:
    """Queue the messages, let one sender drain them, print the figures."""
    with tempfile.TemporaryDirectory() as directory:
        database, schema = await _database(postgres, Path(directory))
        transport, close = await _transport(framework, server)
        counting = Counting(transport)
        try:
            await _queue(database, server, messages, chats)
            sender = OutboxSender(database, counting, SystemClock(), max_in_flight=30)
            started = time.perf_counter()
            delivered = 0
            while delivered < messages and time.perf_counter() - started < 10 * messages:
                delivered += await sender.drain()
            finished = time.perf_counter()
        finally:
            await close()
            await database.dispose()
            if schema is not None and postgres is not None:
                await _drop(postgres, schema)
    received = Counter(m.text for user in server.users.values() for m in user.messages)
    exactly_once = len(received) == messages and set(received.values()) == {1}
    elapsed = finished - (counting.first or started)
    backend = "postgresql" if postgres else "sqlite"
    sustained = (delivered - 30) / elapsed if delivered > 30 else float("nan")
    request = statistics.mean(counting.request_times)
    print(f"{framework:8} {backend:10} {messages} messages to {chats} chats in {elapsed:.2f} s: "
          f"{delivered / elapsed:5.2f} msg/s, sustained {sustained:5.2f} msg/s "
          f"(request {request * 1000:.0f} ms: ceiling {30 / (1 + request):.2f}); "
          f"429s: {counting.refused}; each delivered once: {exactly_once}")
    return exactly_once and counting.refused == 0


def main(argv: list[str] | None = None) -> int:
    """Parse the options and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--messages", type=int, default=300)
    parser.add_argument("--chats", type=int, default=300)
    parser.add_argument("--framework", choices=("aiogram", "ptb", "both"), default="aiogram")
    parser.add_argument("--postgres", metavar="URL", default=None,
                        help="run on PostgreSQL at URL instead of a SQLite file")
    args = parser.parse_args(argv)
    frameworks = ("aiogram", "ptb") if args.framework == "both" else (args.framework,)
    ok = all(asyncio.run(run(args.messages, args.chats, name, args.postgres))
             for name in frameworks)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
