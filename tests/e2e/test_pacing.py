"""The runtimes pace their own replies per chat: an ordinary conversation sees no 429.

The sandbox's flood limits are on and run on a fake clock that only the bot's own pauses move
(its pacing and any retry), so a 429 here means the runtime sent faster than Telegram allows.
The server records every 429 it answered (``server.refused``).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.runtimes.common import RetryPolicy
from bot.sandbox import SandboxServer
from bot.sandbox.limiter import CHAT_BURST
from core.clock import FixedClock
from handlers.start import PROMPTS, OnboardingStep
from locales import translator
from tests.e2e.conftest import TOKEN, start_bot

pytestmark = pytest.mark.e2e


class FakeTime:
    """The sandbox's clock and the bot's pauses: time moves only when the bot waits."""

    def __init__(self) -> None:
        self.now = 1_750_000_000.0
        self.pauses: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.now += max(seconds, 0.0)
        await asyncio.sleep(0)


async def test_a_multi_message_reply_and_quick_messages_get_no_429(
        runtime: str, tmp_path: Path, clock: FixedClock) -> None:
    time = FakeTime()
    server = SandboxServer(token=TOKEN, rate_limits=True, time_source=time)
    await server.start()
    tr = translator("en")
    try:
        async with start_bot(server, runtime, tmp_path / "pacing.db", clock,
                             RetryPolicy(sleep=time.sleep, time_source=time)):
            alice = server.user(1001, "Alice", language_code="en")
            await alice.command("/start")
            prompt = await alice.wait_message()
            await alice.press(prompt, 0)  # an edit and the next question: two messages
            await alice.wait_message(predicate=lambda m: m.text == tr(PROMPTS[
                OnboardingStep.FIRST_NAME]))
            quick = CHAT_BURST + 2  # more than the sandbox's burst, typed in the same instant
            for _ in range(quick):
                await alice.command("/help")
            for _ in range(quick):
                await alice.wait_message()
    finally:
        await server.stop()
    assert server.refused == []
    assert time.pauses  # the bot did wait: it paced itself instead of being refused
