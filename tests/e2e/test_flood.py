"""On 429 the runtime waits ``retry_after`` and retries (the sandbox's flood limits on)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.runtimes.common import RetryPolicy
from bot.sandbox import SandboxServer
from core.clock import FixedClock
from handlers.dispatch import UNKNOWN_COMMAND
from locales import translator
from tests.e2e.conftest import TOKEN, start_bot

pytestmark = pytest.mark.e2e


class FakeTime:
    """The sandbox's clock, moved only by the bot's own retry pauses."""

    def __init__(self) -> None:
        self.now = 1_750_000_000.0
        self.pauses: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


async def test_replies_over_the_per_chat_limit_wait_out_the_429_and_all_arrive(
        runtime: str, tmp_path: Path, clock: FixedClock) -> None:
    time = FakeTime()
    server = SandboxServer(token=TOKEN, rate_limits=True, time_source=time)
    await server.start()
    try:
        async with start_bot(server, runtime, tmp_path / "flood.db", clock,
                             RetryPolicy(sleep=time.sleep)):
            alice = server.user(1001, "Alice", language_code="en")
            for n in range(3):  # three replies due in the same (fake) second
                await alice.command(f"/nosuch{n}")
            unknown = translator("en")(UNKNOWN_COMMAND)
            for _ in range(3):
                assert (await alice.wait_message()).text == unknown
    finally:
        await server.stop()
    assert len(time.pauses) >= 2 and all(p >= 1 for p in time.pauses)
