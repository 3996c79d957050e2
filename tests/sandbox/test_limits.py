"""Flood limits: a burst per chat, then 1/s; 30/s overall; 429 with retry_after past them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.sandbox import SandboxServer
from bot.sandbox.limiter import CHAT_BURST, RateLimiter
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


async def test_a_chat_takes_a_short_burst_then_gets_429_with_retry_after(
    limited: Api, fake_time: FakeTime
) -> None:
    limited.server.user(1001, "Alice")
    for n in range(CHAT_BURST):  # a burst in the same instant is tolerated, as by Telegram
        await limited.ok("sendMessage", chat_id=1001, text=f"burst {n}")
    status, body = await limited.json("sendMessage", chat_id=1001, text="one too many")
    assert status == 429
    assert body == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }
    assert limited.server.refused == [(1001, 1)]
    fake_time.advance(1.0)  # then about one a second
    await limited.ok("sendMessage", chat_id=1001, text="one too many")
    status, _ = await limited.json("sendMessage", chat_id=1001, text="again")
    assert status == 429
    assert len(limited.server.refused) == 2


async def test_a_quiet_chat_gets_its_burst_back_at_one_message_a_second(
    limited: Api, fake_time: FakeTime
) -> None:
    limited.server.user(1001, "Alice")
    for n in range(CHAT_BURST):
        await limited.ok("sendMessage", chat_id=1001, text=f"burst {n}")
    fake_time.advance(2.0)
    await limited.ok("sendMessage", chat_id=1001, text="after 2s")
    await limited.ok("sendMessage", chat_id=1001, text="after 2s, again")
    status, _ = await limited.json("sendMessage", chat_id=1001, text="a third")
    assert status == 429


async def test_edits_count_and_refused_messages_do_not(limited: Api, fake_time: FakeTime) -> None:
    limited.server.user(1001, "Alice")
    sent = await limited.ok("sendMessage", chat_id=1001, text="one")
    for n in range(CHAT_BURST - 1):
        await limited.ok("editMessageText", chat_id=1001, message_id=sent["message_id"],
                         text=f"edit {n}")
    for _ in range(3):  # refused ones take no token
        status, _ = await limited.json(
            "editMessageText", chat_id=1001, message_id=sent["message_id"], text="two")
        assert status == 429
    fake_time.advance(1.0)
    await limited.ok("editMessageText", chat_id=1001, message_id=sent["message_id"], text="two")


async def test_answers_to_callbacks_are_not_limited(limited: Api) -> None:
    limited.server.user(1001, "Alice")
    for n in range(CHAT_BURST):
        await limited.ok("sendMessage", chat_id=1001, text=f"burst {n}")
    assert (await limited.ok("getMe"))["is_bot"] is True
    assert limited.server.refused == []


async def test_the_31st_message_in_an_instant_across_chats_gets_429() -> None:
    now = [100.0]
    limiter = RateLimiter(lambda: now[0])
    for chat in range(30):
        limiter.check(chat)
    with pytest.raises(ApiError) as refused:
        limiter.check(99)
    assert refused.value.code == 429
    assert refused.value.parameters == {"retry_after": 1}
    now[0] += 1 / 30  # the overall bucket refills at 30 a second
    limiter.check(99)
    assert limiter.refused == [(99, 1)]


async def test_retry_after_rounds_up_the_wait() -> None:
    now = [0.0]
    limiter = RateLimiter(lambda: now[0], chat_burst=1, chat_rate=1 / 3)
    limiter.check(1)
    now[0] = 0.5
    with pytest.raises(ApiError) as refused:
        limiter.check(1)
    assert refused.value.description == "Too Many Requests: retry after 3"
