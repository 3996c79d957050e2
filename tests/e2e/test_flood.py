"""On 429 the runtime waits ``retry_after`` and retries (the sandbox's flood limits on).

The runtime here does not pace its replies (a burst larger than the sandbox's), so the sandbox
refuses some and the retry path is what delivers them; ``test_pacing`` shows that the paced
runtime is never refused.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.runtimes.common import RetryPolicy
from bot.sandbox import SandboxServer
from bot.sandbox.limiter import CHAT_BURST
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
        unpaced = RetryPolicy(sleep=time.sleep, time_source=time, reply_burst=None)
        async with start_bot(server, runtime, tmp_path / "flood.db", clock, unpaced):
            alice = server.user(1001, "Alice", language_code="en")
            replies = CHAT_BURST + 2  # two more than the burst, due in the same (fake) second
            for n in range(replies):
                await alice.command(f"/nosuch{n}")
            unknown = translator("en")(UNKNOWN_COMMAND)
            for _ in range(replies):
                assert (await alice.wait_message()).text == unknown
    finally:
        await server.stop()
    assert len(server.refused) >= 2
    assert len(time.pauses) >= 2 and all(p >= 1 for p in time.pauses)
