"""Flood limits: 30 messages/s overall and 1/s per chat, 429 with retry_after."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.sandbox import SandboxServer
from bot.sandbox.limiter import RateLimiter
from bot.sandbox.params import ApiError
from tests.sandbox.conftest import TOKEN, Api, FakeTime


@pytest.fixture
async def limited(fake_time: FakeTime) -> AsyncIterator[Api]:
    """A server with flood limits on, and a client for it."""
    server = SandboxServer(TOKEN, rate_limits=True, time_source=fake_time)
    await server.start()
    async with aiohttp.ClientSession() as session:
        yield Api(session, server)
    await server.stop()


async def test_a_second_message_to_a_chat_within_a_second_gets_429(
    limited: Api, fake_time: FakeTime
) -> None:
    limited.server.user(1001, "Alice")
    await limited.ok("sendMessage", chat_id=1001, text="one")
    status, body = await limited.json("sendMessage", chat_id=1001, text="two")
    assert status == 429
    assert body == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }
    fake_time.advance(1.0)
    await limited.ok("sendMessage", chat_id=1001, text="two")


async def test_edits_count_and_refused_messages_do_not(limited: Api, fake_time: FakeTime) -> None:
    limited.server.user(1001, "Alice")
    sent = await limited.ok("sendMessage", chat_id=1001, text="one")
    status, _ = await limited.json(
        "editMessageText", chat_id=1001, message_id=sent["message_id"], text="two"
    )
    assert status == 429
    fake_time.advance(1.0)
    await limited.ok("editMessageText", chat_id=1001, message_id=sent["message_id"], text="two")


async def test_answers_to_callbacks_are_not_limited(limited: Api) -> None:
    limited.server.user(1001, "Alice")
    await limited.ok("sendMessage", chat_id=1001, text="one")
    assert (await limited.ok("getMe"))["is_bot"] is True


async def test_the_31st_message_in_a_second_across_chats_gets_429() -> None:
    now = [100.0]
    limiter = RateLimiter(lambda: now[0])
    for chat in range(30):
        limiter.check(chat)
        now[0] += 0.01
    with pytest.raises(ApiError) as refused:
        limiter.check(99)
    assert refused.value.code == 429
    assert refused.value.parameters == {"retry_after": 1}
    now[0] = 101.0
    limiter.check(99)


async def test_retry_after_rounds_up_the_wait() -> None:
    now = [0.0]
    limiter = RateLimiter(lambda: now[0], per_chat=1, window=3.0)
    limiter.check(1)
    now[0] = 0.5
    with pytest.raises(ApiError) as refused:
        limiter.check(1)
    assert refused.value.description == "Too Many Requests: retry after 3"
