"""The scheduler: APScheduler 3 triggers the ticks; one leader process runs them.

Jobs only trigger ticks: every ``interval`` seconds (and once at start, to catch up after
downtime) :meth:`TickScheduler.tick_now` runs every registered tick
(:func:`handlers.jobs.run_ticks`) for the injected clock's instant. What is due is read from
the database, so a run missed while the bot was down is caught up by the next one, and a run
repeated does nothing twice (every item is keyed).

Leadership: with PostgreSQL several bot processes may run; only the one holding a PostgreSQL
advisory lock runs ticks (:class:`AdvisoryLockLeader`, the lock held by a dedicated
connection). The others try again at each trigger and take over when the holder's connection
ends (it died, or its connection was cut). A leader checks its connection before each run;
between two checks two processes may both believe they lead for a moment, which is safe
because every tick item is idempotent. With SQLite there is one process, always the leader
(:class:`SoleLeader`).

In the sandbox, :class:`SandboxClock` is the runtime's clock: ``/sandbox_time`` moves it
forward and the scheduler runs the ticks for the new instant at once (:meth:`kick`).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import zlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.clock import OffsetClock
from core.clock import Clock
from core.ports import UnitOfWork
from core.services.ticks import TickReport
from handlers.jobs import run_ticks
from storage import Database

if TYPE_CHECKING:
    from apscheduler.job import Job

    from bot.metrics import Metrics

__all__ = [
    "AdvisoryLockLeader",
    "Leader",
    "SandboxClock",
    "SoleLeader",
    "TickScheduler",
    "leader_for",
    "parse_instant",
    "purge_outbox",
    "tick_command",
    "tick_options",
]

log = logging.getLogger(__name__)

TickRunner = Callable[[Callable[[], UnitOfWork], datetime], Awaitable[TickReport]]


class Leader(Protocol):
    """Decides whether this process runs the ticks."""

    async def ensure(self) -> bool:
        """True if this process leads now (taking the lead if it is free)."""

    async def release(self) -> None:
        """Give up the lead (at shutdown)."""


class SoleLeader:
    """SQLite: one process, always the leader."""

    async def ensure(self) -> bool:
        """Always True."""
        return True

    async def release(self) -> None:
        """Nothing to release."""


def lock_key(schema: str | None) -> int:
    """The advisory lock's key: one per deployment schema (a signed 32-bit number)."""
    return zlib.crc32(f"telegram-marketplace:ticks:{schema or 'public'}".encode()) - 2**31


class AdvisoryLockLeader:
    """PostgreSQL: leads while holding ``pg_try_advisory_lock`` on a dedicated connection."""

    def __init__(self, database: Database, key: int | None = None) -> None:
        self.database = database
        self.key = lock_key(database.schema) if key is None else key
        self.connection: AsyncConnection | None = None

    async def ensure(self) -> bool:
        """Check the held connection is alive, or try to take the lock on a new one."""
        if self.connection is not None:
            try:
                await self.connection.exec_driver_sql("SELECT 1")
                return True
            except Exception as exc:
                log.warning("scheduler: lost the leader connection (%s); stepping down", exc)
                await self._drop()
        connection = await self.database.engine.connect()
        try:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            result = await connection.exec_driver_sql(
                f"SELECT pg_try_advisory_lock({int(self.key)})")
            if result.scalar():
                self.connection = connection
                log.info("scheduler: this process now runs the ticks (advisory lock %s)",
                         self.key)
                return True
        except Exception:
            await _discard(connection)
            raise
        await _discard(connection)
        return False

    async def release(self) -> None:
        """Close the leader connection; the server releases the lock with it."""
        await self._drop()

    async def _drop(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None:
            await _discard(connection)


async def _discard(connection: AsyncConnection) -> None:
    """Close ``connection`` for good (never back to the pool, where a lock could linger)."""
    try:
        await connection.invalidate()
        await connection.close()
    except Exception as exc:  # already broken: the server has released its locks
        log.debug("scheduler: closing a broken leader connection: %s", exc)


def leader_for(database: Database) -> Leader:
    """The leadership that fits the database: advisory lock on PostgreSQL, else sole."""
    return AdvisoryLockLeader(database) if database.dialect == "postgresql" else SoleLeader()


class SandboxClock(OffsetClock):
    """The sandbox's clock: real time (or ``base``) plus an offset; moving it runs the ticks."""

    def __init__(self, offset: timedelta = timedelta(0), base: Clock | None = None) -> None:
        super().__init__(offset)
        self.base = base
        self.listeners: list[Callable[[], None]] = []

    def now(self) -> datetime:
        """The base clock's instant (the real time by default) plus the offset."""
        return super().now() if self.base is None else self.base.now() + self.offset

    def advance(self, delta: timedelta) -> None:
        """Move forward by ``delta`` and tell the listeners (the scheduler)."""
        super().advance(delta)
        for listener in list(self.listeners):
            listener()


PURGE_BATCH = 500
"""Sent outbox rows deleted per transaction by the purge."""


async def purge_outbox(database: Database, before: datetime, batch: int = PURGE_BATCH) -> int:
    """Delete the outbox rows sent before ``before``, ``batch`` rows per transaction."""
    purged = 0
    while True:
        async with database.uow() as uow:
            count = await uow.outbox.purge_sent(before, batch)
            await uow.commit()
        purged += count
        if count < batch:
            return purged


class TickScheduler:
    """Runs the ticks every ``interval`` seconds while this process leads.

    With ``retention`` set, each run also purges the outbox rows sent longer ago than that
    (:func:`purge_outbox`, reported as the ``outbox_purge`` tick). ``metrics`` is told of every
    trigger: whether this process led, and how late the run started.
    """

    def __init__(self, database: Database, clock: Clock, *, interval: float = 60.0,
                 leader: Leader | None = None, runner: TickRunner = run_ticks,
                 retention: timedelta | None = None, metrics: Metrics | None = None,
                 maintenance: Callable[[], Awaitable[object]] | None = None) -> None:
        self.database = database
        self.clock = clock
        self.interval = interval
        self.leader = leader or leader_for(database)
        self.runner = runner
        self.retention = retention
        self.metrics = metrics
        self.maintenance = maintenance
        self._job: Job | None = None
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._lock = asyncio.Lock()
        self._kicked: set[asyncio.Task[TickReport | None]] = set()
        if isinstance(clock, SandboxClock):
            clock.listeners.append(self.kick)

    async def tick_now(self, lag: float = 0.0) -> TickReport | None:
        """Run every tick for the clock's instant if this process leads; None if it does not.

        ``lag``: how late after its due time this run was triggered (for the metrics).
        """
        async with self._lock:
            try:
                leading = await self.leader.ensure()
                if self.metrics is not None:
                    self.metrics.leader = leading
                if not leading:
                    return None
                now = self.clock.now()
                report = await self.runner(self.database.uow, now)
                if self.retention is not None:
                    report.done["outbox_purge"] = await purge_outbox(
                        self.database, now - self.retention)
                if self.maintenance is not None:
                    await self.maintenance()
                if self.metrics is not None:
                    self.metrics.tick_ran(lag, leading=True)
            except Exception:
                log.exception("scheduler: the tick run failed; the next one tries again")
                return None
        if report.total or report.failed:
            log.info("scheduler: ticks at %s did %s%s", report.at.isoformat(), report.done,
                     f", failed {report.failed}" if report.failed else "")
        return report

    def kick(self) -> None:
        """Run the ticks as soon as possible (after a run already under way)."""
        task = asyncio.get_running_loop().create_task(self.tick_now())
        self._kicked.add(task)
        task.add_done_callback(self._kicked.discard)

    async def settle(self) -> None:
        """Wait until the runs started by :meth:`kick` have finished."""
        while self._kicked:
            await asyncio.gather(*self._kicked, return_exceptions=True)

    def start(self) -> None:
        """Trigger :meth:`tick_now` now and then every ``interval`` seconds."""
        self._job = self._scheduler.add_job(
            self._triggered, IntervalTrigger(seconds=self.interval), id="ticks",
            next_run_time=datetime.now(UTC), coalesce=True, max_instances=1,
            misfire_grace_time=None)
        self._scheduler.start()

    async def _triggered(self) -> None:
        """The interval job: :meth:`tick_now`, told how late the trigger fired."""
        lag = 0.0
        job = self._job
        if job is not None and job.next_run_time is not None:
            due = job.next_run_time - timedelta(seconds=self.interval)
            lag = max(0.0, (datetime.now(UTC) - due).total_seconds())
        await self.tick_now(lag)

    async def stop(self) -> None:
        """Stop triggering, let a run under way finish, and give up the lead."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        if isinstance(self.clock, SandboxClock) and self.kick in self.clock.listeners:
            self.clock.listeners.remove(self.kick)
        for task in list(self._kicked):
            task.cancel()
        async with self._lock:
            await self.leader.release()


def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant with its zone (``2026-12-07T00:00:00Z``), as UTC."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO 8601 instant such as 2026-12-07T00:00:00Z") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} has no time zone: add Z (UTC) or an offset such as +02:00")
    return moment.astimezone(UTC)


def tick_options(parser: argparse.ArgumentParser) -> None:
    """Options of ``python -m bot tick``."""
    parser.add_argument("--at", type=parse_instant, default=None, metavar="INSTANT",
                        help="run the ticks for this instant, e.g. 2026-12-07T00:00:00Z "
                             "(default: now)")


def tick_command(args: argparse.Namespace) -> int:
    """``python -m bot tick [--at INSTANT]``: migrate, run every tick once, print what it did."""
    from bot.app import configure_money
    from bot.clock import SystemClock
    from bot.config import load_settings

    settings = load_settings()
    configure_money(settings)  # the fee and the payout provider, as the running bot has them
    at = args.at or SystemClock().now()

    async def run() -> TickReport:
        database = Database(settings.database_url, schema=settings.database_schema)
        try:
            await database.migrate()
            return await run_ticks(database.uow, at)
        finally:
            await database.dispose()

    report = asyncio.run(run())
    done = ", ".join(f"{name}: {count}" for name, count in report.done.items()) or "none"
    print(f"ticks at {report.at.isoformat()}: {done}")
    for name, error in report.failed.items():
        print(f"tick {name} failed: {error}", file=sys.stderr)
    return 1 if report.failed else 0
