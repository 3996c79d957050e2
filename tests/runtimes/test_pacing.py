"""The per-chat pace of replies: a burst at once, then one a second, on an injected clock."""

from __future__ import annotations

import asyncio

import pytest

from bot.runtimes.pacing import REPLY_BURST, ChatPacer
from bot.sandbox.limiter import CHAT_BURST, RateLimiter


class Clock:
    """Seconds that move only when the pacer sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


async def test_a_burst_goes_at_once_then_one_reply_a_second() -> None:
    clock = Clock()
    pacer = ChatPacer(time_source=clock, sleep=clock.sleep)
    for _ in range(REPLY_BURST):
        await pacer.wait(7)
    assert clock.sleeps == []
    await pacer.wait(7)
    await pacer.wait(7)
    assert clock.sleeps == [pytest.approx(1.0, abs=0.01)] * 2
    await pacer.wait(8)  # another chat has its own bucket
    assert len(clock.sleeps) == 2


async def test_concurrent_replies_to_one_chat_queue_up_instead_of_bursting() -> None:
    clock = Clock()
    pacer = ChatPacer(burst=1, time_source=clock, sleep=asyncio.sleep)
    delays = [pacer.reserve(5) for _ in range(3)]  # all reserved before any has waited
    assert delays == [0.0, pytest.approx(1.0, abs=0.01), pytest.approx(2.0, abs=0.01)]


async def test_a_paced_stream_to_one_chat_is_never_refused_by_the_sandbox() -> None:
    clock = Clock()
    pacer = ChatPacer(time_source=clock, sleep=clock.sleep)
    telegram = RateLimiter(clock)
    assert REPLY_BURST < CHAT_BURST  # room left for the outbox's notices to the same chat
    for _ in range(50):
        await pacer.wait(1)
        telegram.check(1)  # raises ApiError(429) if the pace broke the limit
    assert telegram.refused == []


async def test_no_pacing_against_a_server_without_flood_limits() -> None:
    clock = Clock()
    pacer = ChatPacer(None, time_source=clock, sleep=clock.sleep)
    for _ in range(20):
        await pacer.wait(1)
    assert clock.sleeps == []
