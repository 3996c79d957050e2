"""The outbox sender: delivers queued notifications within Telegram's flood limits.

Handlers write notifications to the ``outbox`` table in the transaction of the change that
causes them (:func:`handlers.notify.notify`). :class:`OutboxSender` drains the table:

- **Claiming.** Due rows are taken chat by chat in one short transaction: a sender owns a chat
  while it holds or leases the chat's oldest unsent row (``FOR UPDATE SKIP LOCKED`` on
  PostgreSQL, so several bot processes never serve one chat at once; SQLite has one writer),
  and leases the chat's due rows by moving their ``not_before`` to the end of the lease. A
  sender that dies leaves its rows to whoever claims them after the lease. (A chat changes
  hands only once its owner has sent what it claimed; a message written for it within the
  same second and taken by another process may draw a 429, which is waited out.)
- **Limits.** :class:`~bot.outbox_limiter.SendLimiter` keeps at most 30 messages in any second
  overall and one per second per chat, counting each from the start of its request to a second
  after its answer. With several sender processes, each send also takes a token from the
  buckets shared through PostgreSQL (:mod:`bot.send_budget`), so that all processes together
  keep the limits.
- **Failures.** A 429 (:class:`RetryLater`) pauses all sending for ``retry_after`` and retries
  the row after it (from memory; a long ``retry_after`` puts it back in the table until then).
  A network error (:class:`TransientError`) pauses sending with an exponential back-off and
  retries the row later. A refusal for good (:class:`PermanentError`: the user blocked the bot,
  the chat is gone) marks the row failed; it is never retried.
- **Marking.** Each row is marked sent in its own transaction right after Telegram accepted it.

Delivery is at least once, and a message is sent twice only in one window: its send succeeded
(or timed out after Telegram received it) but the process died, or the database write failed,
before its mark was written. The row is then sent again when its lease ends. No row is lost:
until it is marked sent or failed, it is claimed again.

Order: messages to one chat go out in the order they were written, one at a time. A message
that waits for a retry holds back the later ones of its chat (they are given back, and the chat
is not claimed again until its oldest message is due).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.outbox_limiter import SendLimiter, Slot
from bot.send_budget import SendBudget
from core.clock import Clock
from handlers.contract import Keyboard
from handlers.notify import keyboard_from_json
from storage import Database
from storage.repos.outbox import OutboxRow, on_outbox_commit

__all__ = [
    "MessageSender",
    "OutboxDelivery",
    "OutboxSender",
    "PermanentError",
    "RetryLater",
    "SendLimiter",
    "TransientError",
]

log = logging.getLogger(__name__)


class RetryLater(Exception):
    """Telegram answered 429: nothing may be sent for ``seconds``."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds}s")
        self.seconds = seconds


class TransientError(Exception):
    """The send failed in a way that may pass (network, timeout, Telegram's 5xx)."""


class PermanentError(Exception):
    """Telegram refuses this message for good (bot blocked, chat not found, bad request)."""


class MessageSender(Protocol):
    """Sends one text message; the framework adapters implement it (``bot.outbox_senders``)."""

    async def send_text(self, chat_id: int, text: str, keyboard: Keyboard | None) -> None:
        """Send ``text`` to ``chat_id``; raise RetryLater, TransientError or PermanentError."""


@dataclass(slots=True)
class _Claimed:
    """A claimed row and the end of its lease."""

    row: OutboxRow
    leased_until: datetime


class OutboxSender:
    """Drains the outbox (see the module docstring): :meth:`run` until :meth:`stop`."""

    def __init__(self, database: Database, transport: MessageSender, clock: Clock, *,
                 limiter: SendLimiter | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 batch_size: int = 60, max_in_flight: int = 10,
                 lease: timedelta = timedelta(seconds=60),
                 send_timeout: float = 15.0, poll_interval: float = 5.0,
                 backoff: tuple[float, float] = (1.0, 300.0),
                 budget: SendBudget | None = None) -> None:
        """Wire the sender.

        Args:
            database: where the outbox table lives.
            transport: the framework adapter that talks to Telegram.
            clock: the instants written to the rows (leases, retry times, sent_at).
            limiter: the flood limits (default: 30/s overall, 1/s per chat, monotonic time).
            sleep: how to wait (tests pass one that moves a fake time source).
            batch_size: chats claimed per transaction (with their due rows).
            max_in_flight: requests open at once.
            lease: how long a claimed row stays reserved for this sender.
            send_timeout: seconds before a request counts as a network error.
            poll_interval: seconds between looks at the table when nobody wakes the sender.
            backoff: first and largest pause after a network error, in seconds.
            budget: the limits shared with the other bot processes
                (:mod:`bot.send_budget`); None: this process is alone.
        """
        self.database = database
        self.transport = transport
        self.clock = clock
        self.limiter = limiter or SendLimiter(time_source=time.monotonic)
        self.sleep = sleep
        self.batch_size = batch_size
        self.max_in_flight = max_in_flight
        self.lease = lease
        self.send_timeout = send_timeout
        self.poll_interval = poll_interval
        self.backoff_first, self.backoff_max = backoff
        self.budget = budget
        self.floods = 0  # 429 answers received
        self._network_failures = 0
        self._held_back: set[int] = set()  # chats whose oldest message waits for a retry
        self._again: list[_Claimed] = []  # refused with a short 429: tried again from memory
        self._wakeup = asyncio.Event()
        self._stopping = False
        self.sent = 0

    def wake(self) -> None:
        """Look at the outbox now (called after a commit that wrote a row)."""
        self._wakeup.set()

    def stop(self) -> None:
        """Finish the sends under way, give the other claimed rows back, and end :meth:`run`."""
        self._stopping = True
        self._wakeup.set()

    async def run(self) -> None:
        """Deliver due rows until stopped (or cancelled), waking on new rows and every
        ``poll_interval``."""
        unsubscribe = on_outbox_commit(self.database.engine, self.wake)
        try:
            while not self._stopping:
                self._wakeup.clear()
                try:
                    await self.drain()
                except Exception:
                    log.exception("outbox: draining failed; trying again shortly")
                    await self.sleep(self._next_backoff())
                    continue
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), self.poll_interval)
        finally:
            unsubscribe()

    async def drain(self) -> int:
        """Send everything due now; return how many messages were delivered."""
        delivered_before = self.sent
        queue: list[_Claimed] = []
        in_flight: dict[int, asyncio.Task[None]] = {}
        exhausted = False
        async with asyncio.TaskGroup() as group:
            while True:
                for row_id in [i for i, task in in_flight.items() if task.done()]:
                    del in_flight[row_id]
                exhausted = exhausted or self._stopping
                if not exhausted and len({c.row.chat_id for c in queue}) < self.batch_size // 2:
                    fresh = await self._claim(self.batch_size)
                    exhausted = not fresh
                    queue.extend(fresh)
                if self._again:
                    queue = sorted(queue + self._again, key=lambda c: c.row.id)
                    self._again = []
                queue = await self._release_unsendable(queue)
                if not queue and not in_flight and exhausted:
                    break
                picked = self._pick(queue) if len(in_flight) < self.max_in_flight else None
                if picked is not None:
                    queue.remove(picked)
                    slot = self.limiter.start(picked.row.chat_id)  # before any other pick
                    task = group.create_task(self._deliver(picked, slot))
                    task.add_done_callback(functools.partial(self._close_slot, slot))
                    in_flight[picked.row.id] = task
                elif queue or in_flight:
                    await self._wait(queue, in_flight)
        return self.sent - delivered_before

    def _close_slot(self, slot: Slot, _task: asyncio.Task[None]) -> None:
        """A send task ended (even cancelled before it ran): its slot is no longer open."""
        self.limiter.finish(slot)

    async def _claim(self, limit: int) -> list[_Claimed]:
        """Lease up to ``limit`` due rows in one transaction."""
        now = self.clock.now()
        async with self.database.uow() as uow:
            rows = await uow.outbox.claim_due(now, limit, self.lease)
            await uow.commit()
        return [_Claimed(row, now + self.lease) for row in rows]

    async def _release_unsendable(self, queue: list[_Claimed]) -> list[_Claimed]:
        """Give back queued rows whose lease ends too soon to start them safely, and the later
        rows of a chat whose message waits for a retry (they must not overtake it); all of them
        once the sender is stopping."""
        cutoff = self.clock.now() + min(self.lease / 3, timedelta(seconds=2 * self.send_timeout))
        held_back, self._held_back = self._held_back, set()
        given_back = [c for c in queue if self._stopping or c.leased_until <= cutoff
                      or c.row.chat_id in held_back]
        if not given_back:
            return queue
        async with self.database.uow() as uow:
            for claimed in given_back:
                await uow.outbox.release([claimed.row.id], claimed.leased_until)
            await uow.commit()
        released = {c.row.id for c in given_back}
        return [c for c in queue if c.row.id not in released]

    def _pick(self, queue: list[_Claimed]) -> _Claimed | None:
        """The oldest row whose chat may receive a message now; a chat's later rows wait."""
        seen: set[int] = set()
        for claimed in queue:
            chat = claimed.row.chat_id
            if chat not in seen and self.limiter.wait_time(chat) == 0:
                return claimed
            seen.add(chat)
        return None

    async def _wait(self, queue: list[_Claimed], in_flight: dict[int, asyncio.Task[None]]
                    ) -> None:
        """Wait until a request finishes or the limiter lets a queued row go (if a request
        may start at all: with ``max_in_flight`` open, only a finished one helps)."""
        delay = math.inf
        if len(in_flight) < self.max_in_flight:
            delay = min((self.limiter.wait_time(c.row.chat_id) for c in queue), default=delay)
        if not in_flight:
            await self.sleep(delay if math.isfinite(delay) else 0.0)
            return
        timer = asyncio.ensure_future(self.sleep(delay)) if math.isfinite(delay) else None
        try:
            await asyncio.wait([*in_flight.values(), *([timer] if timer else [])],
                               return_when=asyncio.FIRST_COMPLETED)
        finally:
            if timer is not None:
                timer.cancel()

    async def _deliver(self, claimed: _Claimed, slot: Slot) -> None:
        """Send one row in its limiter ``slot`` and record the outcome; never raises (except
        cancellation)."""
        row = claimed.row
        try:
            try:
                if self.budget is not None:
                    await self.budget.take(row.chat_id)
                async with asyncio.timeout(self.send_timeout):
                    await self.transport.send_text(row.chat_id, row.text,
                                                   keyboard_from_json(row.keyboard))
            finally:
                self.limiter.finish(slot)
        except RetryLater as busy:
            self.floods += 1
            self.limiter.pause(busy.seconds)
            if timedelta(seconds=busy.seconds) < self.lease / 3:
                log.info("outbox: message %s to chat %s: 429, again in %ss", row.id,
                         row.chat_id, busy.seconds)
                self._again.append(claimed)  # keeps its place at the head of its chat
            else:
                await self._record(claimed, "defer", f"429: retry after {busy.seconds}s",
                                   timedelta(seconds=busy.seconds))
        except PermanentError as refusal:
            log.warning("outbox: message %s to chat %s refused: %s", row.id, row.chat_id,
                        refusal)
            await self._record(claimed, "fail", str(refusal) or type(refusal).__name__)
        except (TransientError, TimeoutError, OSError) as trouble:
            pause = self._next_backoff()
            self.limiter.pause(pause)
            log.warning("outbox: message %s to chat %s failed (%r); retrying in %.0fs",
                        row.id, row.chat_id, trouble, pause)
            await self._record(claimed, "defer", repr(trouble), timedelta(seconds=pause))
        except Exception as bug:
            log.exception("outbox: message %s to chat %s failed unexpectedly", row.id,
                          row.chat_id)
            await self._record(claimed, "defer", repr(bug), timedelta(seconds=self.backoff_max))
        else:
            self._network_failures = 0
            self.sent += 1
            await self._record(claimed, "sent")

    async def _record(self, claimed: _Claimed, outcome: str, error: str = "",
                      delay: timedelta = timedelta(0)) -> None:
        """Write the outcome of a send in its own transaction (logged, never raised)."""
        if outcome == "defer":
            self._held_back.add(claimed.row.chat_id)
        now = self.clock.now()
        try:
            async with self.database.uow() as uow:
                if outcome == "sent":
                    await uow.outbox.mark_sent(claimed.row.id, now)
                elif outcome == "fail":
                    await uow.outbox.fail(claimed.row.id, now, error)
                else:
                    await uow.outbox.defer(claimed.row.id, now + delay, error)
                await uow.commit()
        except Exception:
            log.exception("outbox: could not record %s for message %s; it is retried when "
                          "its lease ends", outcome, claimed.row.id)

    def _next_backoff(self) -> float:
        """The next pause after a network error: doubling from the first up to the largest."""
        pause = min(self.backoff_first * 2 ** self._network_failures, self.backoff_max)
        self._network_failures += 1
        return pause


class OutboxDelivery:
    """Runs an :class:`OutboxSender` for the length of an ``async with`` block (the runtime
    delivers the outbox while it polls); leaving the block stops it gracefully."""

    def __init__(self, sender: OutboxSender, stop_timeout: float = 10.0) -> None:
        self.sender = sender
        self.stop_timeout = stop_timeout
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> OutboxSender:
        self._task = asyncio.create_task(self.sender.run(), name="outbox")
        return self.sender

    async def __aexit__(self, *exc: object) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        self.sender.stop()
        try:
            await asyncio.wait_for(task, self.stop_timeout)  # cancels it when too slow
        except TimeoutError:
            log.warning("outbox: the sender did not stop in time; its rows return after "
                        "their lease")
        except Exception:
            log.exception("outbox: the sender failed")
