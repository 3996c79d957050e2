"""Updates per second: bare aiogram dispatch versus the whole marketplace stack (issue 2).

Run by hand from the repository root::

    python bench/bench_dispatch.py              # 2000 updates, best of 3 rounds
    python bench/bench_dispatch.py -n 5000 --users 500 --rounds 5
    python bench/bench_dispatch.py --sqlite-threaded --sequential   # for comparison
    python bench/bench_dispatch.py --url postgresql+asyncpg://postgres@127.0.0.1:5432/test

Both runs feed the same pre-parsed aiogram ``Update`` objects to ``Dispatcher.feed_update``
with a ``Bot`` whose session never touches the network:

* **bare**: aiogram's own routing to a no-op message handler (and a no-op callback handler);
* **stack**: what ``python -m bot run`` does with each update on aiogram: an outer update
  middleware takes the update, the adapter turns it into an ``Incoming``, the real router
  (``handlers.build_router()``) runs in one unit of work on a SQLite file (claim the update,
  load or create the user, dialog state, the handler's own changes, commit), and the actions
  go out through the aiogram ``Bot`` (to the fake session).

The updates are a sign-up conversation per user, interleaved across users: ``/start``, the role
button, first name, last name, e-mail, ``/help``, ``/profile`` and a stray text, in the
Telegram languages en, ru, uk and es. aiogram gets the updates one after another, as in the
runtime's polling loop; the stack hands them to the runtime's per-chat lanes (chats run
concurrently, up to 64 updates in flight) unless ``--sequential``. Afterwards it checks that
the updates were recorded and the sign-ups completed, so the stack really did the work.

With ``--url`` the stack runs on that PostgreSQL database instead, in a fresh schema per round
(dropped afterwards). The machine may be shared: compare the ratio, measured in one run.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # running as a script from a fresh clone
    sys.path.insert(0, str(ROOT))

from aiogram import Bot, Dispatcher, Router  # noqa: E402
from aiogram.client.session.aiohttp import AiohttpSession  # noqa: E402
from aiogram.methods import TelegramMethod  # noqa: E402
from aiogram.types import Message, TelegramObject, Update  # noqa: E402

from bot.clock import SystemClock  # noqa: E402
from handlers import build_router  # noqa: E402
from handlers.context import HandlerSettings  # noqa: E402
from handlers.dispatch import Dispatcher as Pipeline  # noqa: E402
from storage import Database  # noqa: E402

__all__ = ["main"]

BOT_ID = 7_000_000_000
BOT_USERNAME = "bench_bot"
LANGUAGES = ("en", "ru", "uk", "es")
BASE_DATE = 1_767_225_600  # 2026-01-01T00:00:00Z, the messages' "date"


class FakeSession(AiohttpSession):
    """aiogram's HTTP session, answering every request at once instead of sending it."""

    def __init__(self) -> None:
        super().__init__()
        self.requests = 0
        self._message = Message.model_validate({
            "message_id": 1, "date": BASE_DATE, "chat": {"id": 1, "type": "private"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Bench"}, "text": "ok"})

    async def make_request(self, bot: Bot, method: TelegramMethod[Any],
                           timeout: int | None = None) -> Any:
        """Build the request as aiogram would, then answer with a canned result."""
        self.requests += 1
        self.build_form_data(bot, method)  # the serialisation a real request does
        return self._message if method.__returning__ is Message else True


def _user(uid: int) -> dict[str, Any]:
    return {"id": uid, "is_bot": False, "first_name": f"User{uid}", "last_name": "Bench",
            "username": f"user{uid}", "language_code": LANGUAGES[uid % len(LANGUAGES)]}


def _message(update_id: int, uid: int, text: str) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": update_id, "date": BASE_DATE + update_id, "text": text,
        "chat": {"id": uid, "type": "private", "first_name": f"User{uid}"}, "from": _user(uid)}
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0,
                                "length": len(text.split()[0])}]
    return {"update_id": update_id, "message": message}


def _callback(update_id: int, uid: int, data: str) -> dict[str, Any]:
    return {"update_id": update_id, "callback_query": {
        "id": f"cb{update_id}", "chat_instance": str(uid), "data": data, "from": _user(uid),
        "message": {"message_id": update_id - 1, "date": BASE_DATE + update_id,
                    "chat": {"id": uid, "type": "private"}, "text": "...",
                    "from": {"id": BOT_ID, "is_bot": True, "first_name": "Bench"}}}}


def conversation(uid: int) -> list[Callable[[int], dict[str, Any]]]:
    """One user's updates, each a function of its update id."""
    return [
        lambda u: _message(u, uid, "/start"),
        lambda u: _callback(u, uid, "start:role:both"),
        lambda u: _message(u, uid, f"Name{uid}"),
        lambda u: _message(u, uid, "Benchmark"),
        lambda u: _message(u, uid, f"user{uid}@example.com"),
        lambda u: _message(u, uid, "/help"),
        lambda u: _message(u, uid, "/profile"),
        lambda u: _message(u, uid, "hello there"),
    ]


def build_updates(bot: Bot, count: int, users: int, first_uid: int) -> list[Update]:
    """``count`` updates from ``users`` users, their conversations interleaved."""
    scripts = [conversation(first_uid + i) for i in range(users)]
    raw: list[dict[str, Any]] = []
    step = 0
    while len(raw) < count:
        for script in scripts:
            if len(raw) == count:
                break
            raw.append(script[step % len(script)](len(raw) + first_uid * 10 + 1))
        step += 1
    return [Update.model_validate(item, context={"bot": bot}) for item in raw]


#: What the rates are measured with: wall time, or with ``--clock cpu`` this process's CPU
#: time (all its threads), which a machine shared with other work disturbs much less.
_clock = time.perf_counter


def _converter() -> Callable[[Update, str], Any]:
    """The adapter's Update -> Incoming conversion (the runtime's own, if present)."""
    try:
        from bot.runtimes.aiogram_runtime import to_incoming
    except ImportError:
        from bot.runtimes.convert import to_incoming
    return to_incoming


def _performer(bot: Bot) -> Callable[[Any, list[Any]], Awaitable[None]]:
    """The adapter's action performer on ``bot``."""
    from bot.runtimes.aiogram_runtime import AiogramToolkit
    from bot.runtimes.perform import Performer

    return Performer(bot, AiogramToolkit()).perform_all


async def _feed_all(dispatcher: Dispatcher, bot: Bot, updates: list[Update]) -> float:
    """Feed every update in order; the elapsed seconds."""
    started = _clock()
    for update in updates:
        await dispatcher.feed_update(bot, update)
    return _clock() - started


async def bare(bot: Bot, updates: list[Update], warmup: list[Update]) -> float:
    """Updates per second through aiogram's dispatch to no-op handlers."""
    router = Router()

    @router.message()
    async def _noop_message(message: Message) -> None:
        return None

    @router.callback_query()
    async def _noop_callback(query: Any) -> None:
        return None

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    await _feed_all(dispatcher, bot, warmup)
    return len(updates) / await _feed_all(dispatcher, bot, updates)


class _InOrder:
    """Runs each job at once, one after another (``--sequential``)."""

    async def submit(self, _chat_id: int, job: Callable[[], Awaitable[None]]) -> None:
        """Run ``job`` now."""
        await job()

    async def drain(self) -> None:
        """Nothing is ever pending."""


def _lanes(sequential: bool) -> Any:
    """The runtime's per-chat lanes (chats run concurrently), or strict order."""
    if sequential:
        return _InOrder()
    from bot.runtimes.common import ChatLanes

    return ChatLanes()


@asynccontextmanager
async def _database(db_path: Path, url: str | None,
                    sqlite_inline: bool) -> AsyncIterator[Database]:
    """A migrated database: a SQLite file at ``db_path``, or a new schema at ``url``."""
    if url is None:
        database = Database(f"sqlite+aiosqlite:///{db_path}", sqlite_inline=sqlite_inline)
        await database.migrate()
        try:
            yield database
        finally:
            await database.dispose()
        return
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = Database(url)
    async with admin.engine.begin() as connection:
        await connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    database = Database(url, schema=schema)
    try:
        await database.migrate()
        yield database
    finally:
        await database.dispose()
        async with admin.engine.begin() as connection:
            await connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.dispose()


async def stack(bot: Bot, updates: list[Update], warmup: list[Update], db_path: Path,
                *, sqlite_inline: bool = True, sequential: bool = False,
                url: str | None = None) -> float:
    """Updates per second through the adapter, the handlers and a unit of work."""
    async with _database(db_path, url, sqlite_inline) as database:
        return await _stack(bot, updates, warmup, database, sequential)


async def _stack(bot: Bot, updates: list[Update], warmup: list[Update], database: Database,
                 sequential: bool) -> float:
    """:func:`stack` on a migrated ``database``."""
    pipeline = Pipeline(build_router(), database.uow, SystemClock(), HandlerSettings(
        bot_username=BOT_USERNAME))
    to_incoming, perform, lanes = _converter(), _performer(bot), _lanes(sequential)
    handled = 0

    async def handle(incoming: Any) -> None:
        nonlocal handled
        actions = await pipeline.process(incoming)
        await perform(incoming, actions)
        handled += 1

    async def intercept(_handler: Any, update: TelegramObject, _data: dict[str, Any]) -> None:
        assert isinstance(update, Update)  # an outer middleware on dispatcher.update
        incoming = to_incoming(update, BOT_USERNAME)
        if incoming is not None:
            await lanes.submit(incoming.chat_id, lambda: handle(incoming))

    async def feed(batch: list[Update]) -> float:
        started = _clock()
        await _feed_all(dispatcher, bot, batch)
        await lanes.drain()
        return _clock() - started

    dispatcher = Dispatcher()
    dispatcher.update.outer_middleware(intercept)
    await feed(warmup)
    handled = 0
    elapsed = await feed(updates)
    if handled != len(updates):
        raise SystemExit(f"only {handled} of {len(updates)} updates reached the handlers")
    await _check_effects(database, updates)
    return len(updates) / elapsed


async def _check_effects(database: Database, updates: list[Update]) -> None:
    """Stop with an error unless the updates were recorded and the sign-ups completed."""
    async with database.uow() as uow:
        for update in updates[:50]:
            if await uow.updates.claim(update.update_id, SystemClock().now()):
                raise SystemExit(f"update {update.update_id} was not recorded")
        first = updates[0].message
        uid = first.from_user.id if first and first.from_user else 0
        user = await uow.users.get(uid)
        if user is None or not user.has_full_profile or await uow.points.total(uid) < 50:
            raise SystemExit(f"the sign-up of user {uid} did not complete: {user}")


async def main(argv: list[str] | None = None) -> None:
    """Run both measurements on the same updates and print the rates and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--updates", type=int, default=2000)
    parser.add_argument("--users", type=int, default=250)
    parser.add_argument("--rounds", type=int, default=3,
                        help="alternate the two measurements this many times; the best counts")
    parser.add_argument("--sqlite-threaded", action="store_true",
                        help="send every SQLite call through aiosqlite's thread (for comparison)")
    parser.add_argument("--sequential", action="store_true",
                        help="handle one update at a time instead of the runtime's chat lanes")
    parser.add_argument("--url", help="run the stack on this PostgreSQL database "
                        "(postgresql+asyncpg://...) instead of a SQLite file")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="measure wall time, or this process's CPU time (steadier on a "
                        "shared machine; leaves out a PostgreSQL server's own work)")
    args = parser.parse_args(argv)
    global _clock
    _clock = time.process_time if args.clock == "cpu" else time.perf_counter
    session = FakeSession()
    bot = Bot(f"{BOT_ID}:BENCHMARK-token-not-real", session=session)
    updates = build_updates(bot, args.updates, args.users, first_uid=1_000_000)
    warmup = build_updates(bot, 200, 25, first_uid=9_000_000)
    bare_rates: list[float] = []
    stack_rates: list[float] = []
    for _ in range(args.rounds):
        bare_rates.append(await bare(bot, updates, warmup))
        with tempfile.TemporaryDirectory() as tmp:  # a fresh database every round
            stack_rates.append(await stack(bot, updates, warmup, Path(tmp) / "bench.db",
                                           sqlite_inline=not args.sqlite_threaded,
                                           sequential=args.sequential, url=args.url))
    how = "one at a time" if args.sequential else "chat lanes"
    sqlite = "aiosqlite's thread" if args.sqlite_threaded else "inline"
    where = "PostgreSQL" if args.url else f"SQLite calls {sqlite}"
    ratios = sorted(s / b for s, b in zip(stack_rates, bare_rates, strict=True))
    print(f"{len(updates)} updates from {args.users} users, best of {args.rounds} rounds "
          f"(all rounds in brackets); whole stack: {how}, {where}; {args.clock} clock")
    print(f"bare aiogram:  {max(bare_rates):8.0f} updates/s  {_all(bare_rates)}")
    print(f"whole stack:   {max(stack_rates):8.0f} updates/s  {_all(stack_rates)}")
    print(f"stack / bare:  {max(stack_rates) / max(bare_rates):8.1%}  (best over best); "
          f"median of the rounds' own ratios {ratios[len(ratios) // 2]:.1%}")


def _all(rates: list[float]) -> str:
    return "[" + ", ".join(f"{rate:.0f}" for rate in rates) + "]"


if __name__ == "__main__":
    asyncio.run(main())
