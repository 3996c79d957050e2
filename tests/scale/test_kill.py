"""The proof of running at scale: 3 bot processes, webhook mode, PostgreSQL, a round-robin
proxy, the sandbox's flood limits on; 100 users send 2,000 updates while the tick leader is
SIGKILLed, and later a second process is SIGKILLed and restarted.

50 pairs of an employer and a freelancer (40 updates a pair): both sign up and top up their
wallets (an invoice paid: pre-checkout and payment) and look at them, the employer posts a
project, the freelancer applies (the employer is notified), and each writes four messages to
the other through the bot (each relayed through the outbox). Two holds fall due during the
run: one before the leader
is killed, one right after, which only the new leader can clear.

Afterwards: every update was processed exactly once and had its effects once, every
notification was delivered (a duplicate only within the resend window of a process killed
between a send and its mark), the sandbox never accepted more than 30 messages in a second or
2 to one chat, 429s stayed few, each due hold was cleared exactly once, the ledger check is
clean. The figures are printed.

A user waits for the bot's answer before the next step (with generous timeouts; a machine
under load only makes the test slower). An answer can be lost for good when a process is
killed after committing an update but before sending its reply (Telegram then delivers it
again, and the other process sees it is done): the user notices the update is processed and
goes on; a step that needs that lost message is skipped and made up at the end with ``/help``,
so the count of updates stays 2,000.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.ledger_cli import run_check
from bot.sandbox import SandboxMessage, SandboxServer, SandboxUser
from bot.sandbox.limiter import RateLimiter
from core.money import Money
from core.services.ledger import available_account, pending_account, wallet_account
from handlers.start import PROMPTS, OnboardingStep
from locales import translator
from storage import Database
from storage.tables.accounts import processed_updates
from storage.tables.market import applications, projects
from storage.tables.outbox import outbox
from storage.tables.payments import payment_intents
from tests.scale.cluster import (
    BotProcess,
    RoundRobinProxy,
    SendRecorder,
    bot_env,
    free_port,
    scratch_schema,
    wait_until,
)
from tests.scheduler.conftest import add_expert, hold_until

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.slow]

TOKEN = "7000000042:scale-kill-test-Token"
SECRET = "kill-test-webhook-secret"
PROVIDER = "284685063:TEST:kill-test"
PAIRS = int(os.environ.get("KILL_TEST_PAIRS", "50"))  # fewer only to try the test out
UPDATES = 40 * PAIRS
RATE = 16.0  # updates a second offered by all users together: about 25 messages a second
COOLDOWN = 1.15  # a user acts at least this long after the bot's last message to them
WAIT = 90.0  # for an answer: covers a redelivery after a kill and a loaded machine
LOOK = 10.0  # an answer missing this long twice after its update was processed is lost
EN = translator("en")
ROLE, FIRST, LAST, EMAIL = (OnboardingStep.ROLE, OnboardingStep.FIRST_NAME,
                            OnboardingStep.LAST_NAME, OnboardingStep.EMAIL)
RESEND_WINDOW = 10  # per kill: the outbox's max_in_flight sends may be unmarked when it dies


class Pacer:
    """A token bucket for the load: ``rate`` actions a second across all users."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self.next = time.monotonic()
        self._lock = asyncio.Lock()

    async def take(self) -> None:
        async with self._lock:
            now = time.monotonic()
            self.next = max(self.next, now)
            wait = self.next - now
            self.next += self.interval
        if wait > 0:
            await asyncio.sleep(wait)


@dataclass
class Run:
    """Shared state of one run: the sandbox, the database, counters."""

    server: SandboxServer
    db: Database
    pacer: Pacer
    sent_texts: list[tuple[int, int, str]] = field(default_factory=list)  # from, to, text
    lost: list[str] = field(default_factory=list)
    skipped: Counter[int] = field(default_factory=Counter)
    paid: Counter[int] = field(default_factory=Counter)
    applied: set[int] = field(default_factory=set)
    last_received: dict[int, float] = field(default_factory=dict)  # chat -> monotonic time

    def updates_of(self, user_id: int) -> list[int]:
        ids = []
        for update in self.server.world.updates_log:
            body = next(v for k, v in update.items() if k != "update_id")
            if body.get("from", {}).get("id") == user_id:
                ids.append(update["update_id"])
        return ids

    async def all_processed(self, user_id: int) -> bool:
        ids = self.updates_of(user_id)
        async with self.db.engine.connect() as connection:
            done = (await connection.execute(
                select(func.count()).select_from(processed_updates)
                .where(processed_updates.c.update_id.in_(ids)))).scalar_one()
        return int(done) == len(ids)


class Actor:
    """One sandbox user acting step by step, each step answered before the next."""

    def __init__(self, run: Run, user: SandboxUser) -> None:
        self.run = run
        self.user = user
        self.last: SandboxMessage | None = None

    async def _pace(self) -> None:
        await self.run.pacer.take()
        wait = self.run.last_received.get(self.user.id, 0.0) + COOLDOWN - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)

    async def step(self, action: Callable[[], Awaitable[object]],
                   expect: Callable[[SandboxMessage], bool] | None = None) -> bool:
        """Do ``action`` and wait for the answer matching ``expect``. False: the answer was
        lost (its update is processed, the process that had it was killed)."""
        await self._pace()
        try:
            await action()
        except TimeoutError:  # a button's answerCallbackQuery never came
            if await self._lost():
                return False
            raise
        if expect is None:
            return True
        deadline = time.monotonic() + WAIT
        processed_since: float | None = None
        while True:
            try:
                self.last = await self.user.wait_message(LOOK, predicate=expect)
                return True
            except TimeoutError:
                now = time.monotonic()
                if await self.run.all_processed(self.user.id):
                    processed_since = processed_since or now
                    if now - processed_since >= 2 * LOOK:
                        await self._lost()
                        return False
                if now > deadline:
                    raise

    async def _lost(self) -> bool:
        """The answer to a processed update never came (its process was killed after the
        commit): note it and go on. False if the update is not processed (a real failure)."""
        if not await self.run.all_processed(self.user.id):
            return False
        self.run.lost.append(f"user {self.user.id}")
        return True

    async def text(self, value: str, expect: Callable[[SandboxMessage], bool] | None) -> bool:
        return await self.step(lambda: self.user.send(value), expect)

    async def press(self, data: str,
                    expect: Callable[[SandboxMessage], bool] | None) -> bool:
        """Press the button with callback ``data`` on the last answer (or, if that answer
        was lost, the same data on the latest message the user has, as a client may)."""
        anchor = self.last or self.user.last_message
        if anchor is None:
            self.run.skipped[self.user.id] += 1
            return False
        return await self.step(lambda: self.user.press_data(anchor, data, timeout=WAIT),
                               expect)


def _letters(number: int) -> str:
    """A number spelt in letters (digits in a relayed text could read as a phone number)."""
    return "".join(chr(ord("a") + int(d)) for d in str(number))


def _is(text: str) -> Callable[[SandboxMessage], bool]:
    return lambda m: m.text == text


def _starts(text: str) -> Callable[[SandboxMessage], bool]:
    return lambda m: (m.text or "").startswith(text)


def _has(fragment: str) -> Callable[[SandboxMessage], bool]:
    return lambda m: fragment in (m.text or "")


def _button(label: str) -> Callable[[SandboxMessage], bool]:
    return lambda m: any(label == text for row in m.buttons for text, _ in row)


async def onboard(actor: Actor, role: str, first: str, last: str) -> None:
    """5 updates: /start, the role button, first name, last name, e-mail."""
    await actor.step(lambda: actor.user.command("/start"), _is(EN(PROMPTS[ROLE])))
    await actor.press(f"start:role:{role}", _is(EN(PROMPTS[FIRST])))
    await actor.text(first, _is(EN(PROMPTS[LAST])))
    await actor.text(last, _is(EN(PROMPTS[EMAIL])))
    # Two answers: "You're all set, ..." and the main menu.
    await actor.text(f"{first.lower()}.{last.lower()}@example.org",
                     _starts(EN("What would you like to do?")))


async def post(actor: Actor, title: str) -> None:
    """8 updates: the /post dialog to a published project."""
    await actor.step(lambda: actor.user.command("/post"), _starts("Let's post a project"))
    await actor.text(title, _starts("Describe the work"))
    await actor.text("A cast aluminium housing for a two-stage gearbox; STEP files wanted.",
                     _starts("Choose the category"))
    await actor.press("pp:cat:cad", _button(EN("Hourly")))
    await actor.press("pp:kind:hourly", _has("20-40"))
    await actor.text("20-40", _button(EN("No deadline")))
    await actor.press("pp:nodl", _has(title))
    draft = await _draft_of(actor.run, actor.user.id)
    await actor.press(f"pj:pub:{draft}", None)


async def _draft_of(run: Run, owner: int) -> int:
    """The id of the owner's project (the draft being posted)."""
    async with run.db.engine.connect() as connection:
        found = (await connection.execute(
            select(projects.c.id).where(projects.c.owner_id == owner))).scalar()
    assert found is not None, f"user {owner} has no draft"
    return int(found)


async def project_of(run: Run, owner: int) -> int:
    async def published() -> int | None:
        async with run.db.engine.connect() as connection:
            return (await connection.execute(
                select(projects.c.id).where(projects.c.owner_id == owner,
                                            projects.c.status == "published"))).scalar()
    found: list[int] = []

    async def ready() -> bool:
        pid = await published()
        if pid is not None:
            found.append(pid)
        return pid is not None
    await wait_until(ready, 5 * WAIT, f"the project of {owner}")  # it takes 13 paced steps
    return found[0]


async def apply(actor: Actor, project_id: int, title: str) -> None:
    """4 updates: the deep link to the card, Apply, the letter, the rate."""
    await actor.step(lambda: actor.user.command(f"/start p{project_id}"), _has(title))
    await actor.press(f"ap:new:{project_id}", _has(title))
    await actor.text("I have designed forty gearbox housings in SolidWorks.", _has("$"))
    if await actor.text("35", _starts(EN("Your application is sent. The employer will be "
                                          "told."))):
        actor.run.applied.add(actor.user.id)


async def top_up(actor: Actor) -> None:
    """3 updates: /topup 50, then paying the invoice (pre-checkout and payment)."""
    if not await actor.step(lambda: actor.user.command("/topup 50"),
                            lambda m: m.invoice is not None):
        actor.run.skipped[actor.user.id] += 2  # no invoice to pay
        return
    invoice = actor.last
    assert invoice is not None
    await actor._pace()
    try:
        result = await actor.user.pay(invoice, timeout=WAIT)
    except TimeoutError:
        if not await actor._lost():
            raise
        actor.run.skipped[actor.user.id] += 1  # the payment was never made
        return
    assert result.ok, result.error
    actor.run.paid[actor.user.id] += 1
    with contextlib.suppress(TimeoutError):
        actor.last = await actor.user.wait_message(2 * LOOK,
                                                   predicate=_starts("Payment received"))


async def write(actor: Actor, to: int, count: int) -> None:
    """1 + ``count`` updates: the Message button of the other's card, then ``count`` texts."""
    await actor.press(f"msg:new:{to}", _starts(EN("Type your message to")[:12]))
    for n in range(count):
        text = f"Note {_letters(actor.user.id)} {_letters(n)} about the gearbox housing."
        actor.run.sent_texts.append((actor.user.id, to, text))
        await actor.text(text, _starts(EN("Sent to {name}.", name="")[:8]))


async def pair(run: Run, n: int) -> None:
    """The 40 updates of one employer and one freelancer."""
    client = Actor(run, run.server.user(10_000 + n, f"Client{n}", username=f"client{n}"))
    expert = Actor(run, run.server.user(20_000 + n, f"Expert{n}", username=f"expert{n}"))
    title = f"Gearbox housing number {n:03d}"
    await asyncio.gather(onboard(client, "client", f"Client{n}", "Smith"),
                         onboard(expert, "expert", f"Expert{n}", "Jones"))

    async def client_side() -> None:
        await post(client, title)
        await top_up(client)
        await client.step(lambda: client.user.command("/wallet"), _starts("Your wallet"))

    async def expert_side() -> None:
        await top_up(expert)
        project_id = await project_of(run, client.user.id)
        await apply(expert, project_id, title)
        await expert.step(lambda: expert.user.command("/wallet"), _starts("Your wallet"))

    await asyncio.gather(client_side(), expert_side())
    await asyncio.gather(write(client, expert.user.id, 4), write(expert, client.user.id, 4))


@contextlib.asynccontextmanager
async def cluster(tmp_path: Path, scratch: Scratch, server: SandboxServer
                  ) -> AsyncIterator[tuple[list[BotProcess], RoundRobinProxy]]:
    ports = [free_port() for _ in range(3)]
    proxy = RoundRobinProxy(ports)
    await proxy.start()
    processes = [
        BotProcess(f"bot{i + 1}", port, bot_env(
            token=TOKEN, api_url=server.url, database_url=scratch.url, schema=scratch.schema,
            webhook_url=f"{proxy.url}/tg", secret=SECRET, runtime=runtime,
            TICK_INTERVAL="2", PAYMENT_PROVIDER_TOKEN=PROVIDER),
            tmp_path / f"bot{i + 1}.log", cwd=tmp_path)
        for i, (port, runtime) in enumerate(zip(ports, ("aiogram", "ptb", "aiogram"),
                                                strict=True))
    ]
    try:
        for process in processes:
            await process.start()
        yield processes, proxy
    finally:
        stopping = time.monotonic()
        codes = await asyncio.gather(*(process.stop() for process in processes))
        print(f"stopped in {time.monotonic() - stopping:.1f} s: {codes}")
        await proxy.stop()


async def _leader(http: aiohttp.ClientSession, processes: list[BotProcess]) -> BotProcess | None:
    for process in processes:
        if process.alive and (await process.metrics(http)).get("bot_leader") == 1.0:
            return process
    return None


async def _count(db: Database, table: Any, *where: Any) -> int:
    async with db.engine.connect() as connection:
        return int((await connection.execute(
            select(func.count()).select_from(table).where(*where))).scalar_one())


@dataclass(frozen=True)
class Scratch:
    """The PostgreSQL database and the fresh schema the bot processes share."""

    url: str
    schema: str


@pytest.fixture
async def scratch() -> AsyncIterator[Scratch]:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("the kill test needs TEST_DATABASE_URL (PostgreSQL)")
    async with scratch_schema(url, "killtest") as schema:
        yield Scratch(url, schema)


async def test_three_webhook_processes_survive_killing_the_leader_and_another_one(
        tmp_path: Path, scratch: Scratch) -> None:
    random.seed(15)
    server = SandboxServer(token=TOKEN, rate_limits=True)
    # Telegram lets a chat have a short burst (the bot answers some updates with an edit and a
    # message, or two messages): 2 a second per chat, 30 a second in all.
    server.world.limiter = RateLimiter(server.world.time_source, chat_burst=2, chat_rate=1.0,
                                      overall_burst=2, overall_rate=28.0)
    recorder = SendRecorder(server)
    recorder.install()
    db = Database(scratch.url, schema=scratch.schema)
    run = Run(server, db, Pacer(RATE))
    received = server.world.bot_message

    def stamped(chat: Any, payload: Any = None, **content: Any) -> dict[str, Any]:
        run.last_received[chat.person.id] = time.monotonic()
        return received(chat, payload, **content)

    server.world.bot_message = stamped  # type: ignore[method-assign]
    await server.start()
    figures: dict[str, Any] = {}
    try:
        for expert in (9001, 9002):
            server.user(expert, f"Holder{expert}")
            await add_expert(db, expert)
        launched = time.monotonic()
        async with cluster(tmp_path, scratch, server) as (processes, proxy), \
                aiohttp.ClientSession() as http:
            await wait_until(lambda: all_healthy(http, processes), 90, "3 healthy processes")
            await wait_until(lambda: server.world.webhook is not None, 30, "setWebhook")
            figures["start-up seconds"] = round(time.monotonic() - launched, 1)
            # Due 15 s into the load, well before the leader is killed.
            first_hold = await hold_until(db, 9001, "10",
                                          datetime.now(UTC) + timedelta(seconds=15),
                                          "kill-test-hold-1")
            started = time.monotonic()
            load = asyncio.gather(*(pair(run, n) for n in range(PAIRS)))
            kills = asyncio.create_task(_faults(run, http, processes, figures))
            try:
                await asyncio.wait_for(asyncio.shield(load), 600)
            except BaseException:
                kills.cancel()
                print("\n".join(f"{p.name}:\n{p.log_tail()}" for p in processes))
                print("\n".join(user.dump(30) for user in list(server.users.values())[:4]))
                print("lost:", run.lost, "skipped:", run.skipped)
                raise
            await kills
            # Make up the steps a lost answer made impossible, with /help.
            filler = [u for u, n in run.skipped.items() for _ in range(n)]
            for user_id in filler:
                await run.pacer.take()
                await server.users[user_id].command("/help")
            assert len(server.world.updates_log) == UPDATES, len(server.world.updates_log)
            figures["load seconds"] = round(time.monotonic() - started, 1)
            await wait_until(lambda: not server.world.pending, 120, "every update delivered")
            await wait_until(lambda: _drained(db), 180, "the outbox drained")
            figures["drained seconds"] = round(time.monotonic() - started, 1)
            figures["webhook requests per process"] = dict(
                sorted((str(k), v) for k, v in proxy.forwarded.items()))
            second_hold: int = figures["second hold"]
            info = server.world.webhook or {}
            figures["last webhook error"] = info.get("last_error_message")
        await _check(run, db, recorder, figures, first_hold.id, second_hold)
    finally:
        await db.dispose()
        await server.stop()
        print("\nscale kill test figures:")
        for name, value in figures.items():
            print(f"  {name}: {value}")


async def all_healthy(http: aiohttp.ClientSession, processes: list[BotProcess]) -> bool:
    return all([await p.healthy(http) for p in processes])


async def _drained(db: Database) -> bool:
    return await _count(db, outbox, outbox.c.sent_at.is_(None),
                        outbox.c.failed_at.is_(None)) == 0


async def _faults(run: Run, http: aiohttp.ClientSession, processes: list[BotProcess],
                  figures: dict[str, Any]) -> None:
    """At 35% of the updates SIGKILL the tick leader; at 65% another process, restarted."""
    log = run.server.world.updates_log
    await wait_until(lambda: len(log) >= UPDATES * 0.35, 600, "35% of the updates")
    leader = await _leader(http, processes)
    assert leader is not None, "no process leads the ticks"
    leader.kill()
    killed_at = time.monotonic()
    await leader.wait_dead()
    figures["killed leader"] = f"{leader.name} at update {len(log)}"
    # Due now: only a new leader can clear it.
    hold = await hold_until(run.db, 9002, "20", datetime.now(UTC), "kill-test-hold-2")
    figures["second hold"] = hold.id
    survivors = [p for p in processes if p is not leader]
    await wait_until(lambda: _leader(http, survivors), 60, "a new leader")
    figures["new leader after seconds"] = round(time.monotonic() - killed_at, 2)

    await wait_until(lambda: len(log) >= UPDATES * 0.65, 600, "65% of the updates")
    victim = survivors[-1]
    victim.kill()
    await victim.wait_dead()
    figures["killed and restarted"] = f"{victim.name} at update {len(log)}"
    await victim.start()
    await wait_until(lambda: victim.healthy(http), 90, f"{victim.name} restarted")
    await leader.start()  # the first victim comes back too, as a follower
    await wait_until(lambda: leader.healthy(http), 90, f"{leader.name} restarted")


async def _check(run: Run, db: Database, recorder: SendRecorder, figures: dict[str, Any],
                 first_hold: int, second_hold: int) -> None:
    server = run.server
    update_ids = [u["update_id"] for u in server.world.updates_log]
    async with db.engine.connect() as connection:
        processed = set((await connection.execute(select(processed_updates.c.update_id))
                         ).scalars())
        rows = (await connection.execute(
            select(outbox.c.chat_id, outbox.c.text, outbox.c.dedupe_key, outbox.c.sent_at,
                   outbox.c.failed_at))).all()
    figures["updates"] = len(update_ids)
    figures["answers lost to a kill"] = len(run.lost)
    figures["steps made up with /help"] = sum(run.skipped.values())
    assert len(run.lost) <= 10, run.lost  # more means the test's expectations are wrong
    # Every update processed, exactly once (claimed in the transaction of its effects).
    assert len(set(update_ids)) == UPDATES and set(update_ids) <= processed

    # Effects once: one published project per employer, one application per freelancer who
    # was told it was sent, one credited top-up per payment, each message relayed once.
    assert await _count(db, projects) == PAIRS
    assert await _count(db, applications) >= len(run.applied)
    assert await _count(db, applications) <= PAIRS
    for user_id, payments in run.paid.items():
        async with db.uow() as uow:
            assert await uow.ledger.balance(wallet_account(user_id, "USD")) == Money.of(
                50 * payments, "USD")
    paid = await _count(db, payment_intents, payment_intents.c.status == "paid")
    assert paid == sum(run.paid.values())
    figures["top-ups paid"] = paid
    relayed = Counter(text for _, text, _, _, _ in rows)
    for _, _, text in run.sent_texts:
        assert sum(n for body, n in relayed.items() if text in body) == 1, text

    # Every notification delivered; a duplicate only within the resend window.
    assert all(sent is not None and failed is None for _, _, _, sent, failed in rows)
    delivered: Counter[tuple[int, str]] = Counter()
    for chat in server.world.chats.values():
        for message in chat.bot_messages:
            delivered[(chat.person.id, message.raw.get("text") or "")] += 1
    missing = [(c, t) for c, t, _, _, _ in rows if delivered[(c, t)] < 1]
    assert not missing, missing[:5]
    duplicates = sum(max(0, delivered[(c, t)] - 1) for c, t, _, _, _ in rows)
    figures["notifications"] = len(rows)
    figures["notifications sent twice"] = duplicates
    assert duplicates <= 2 * RESEND_WINDOW

    # Telegram's limits as the sandbox saw them; no 429 storm.
    figures["messages accepted"] = len(recorder.accepted)
    figures["most messages in one second"] = recorder.busiest_second()
    figures["most to one chat in one second"] = recorder.busiest_chat_second()
    figures["429s (for the overall limit)"] = (
        f"{len(recorder.refused)} ({recorder.refused_overall})")
    figures["most 429s in one second"] = recorder.worst_429_second()
    assert recorder.busiest_second() <= 30
    assert recorder.busiest_chat_second() <= 2
    assert len(recorder.refused) <= max(30, len(recorder.accepted) // 50)
    assert recorder.worst_429_second() <= 15

    # Each due hold cleared exactly once, by whichever process led, and told once.
    for hold_id, expert, amount in ((first_hold, 9001, "10"), (second_hold, 9002, "20")):
        keyed = [r for r in rows if r[2] == f"hold-cleared:{hold_id}"]
        assert len(keyed) == 1
        async with db.uow() as uow:
            assert await uow.ledger.balance(pending_account(expert, "USD")) == Money.of(
                "0", "USD")
            assert await uow.ledger.balance(available_account(expert, "USD")) == Money.of(
                amount, "USD")
    report = await run_check(db.url.render_as_string(hide_password=False),
                             schema=db.schema)
    figures["ledger check"] = "clean" if report.ok else report.problems
    assert report.ok, report.problems
