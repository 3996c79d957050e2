"""The sandbox delivers updates to a set webhook as Telegram does (bot.sandbox.webhook)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from bot.sandbox import SandboxServer
from bot.sandbox.webhook import SECRET_HEADER, is_local, update_chat
from tests.sandbox.conftest import Api

WAIT = 10.0


class Receiver:
    """A webhook endpoint on 127.0.0.1 answering with the statuses it is told, then 200."""

    def __init__(self) -> None:
        self.statuses: list[int] = []
        self.received: list[tuple[dict[str, Any], str | None]] = []
        self.hold: asyncio.Event | None = None
        self.changed = asyncio.Event()
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.Response:
        """One POST: record it, then answer."""
        self.received.append((json.loads(await request.read()),
                              request.headers.get(SECRET_HEADER)))
        self.changed.set()
        if self.hold is not None:
            await self.hold.wait()
        return web.Response(status=self.statuses.pop(0) if self.statuses else 200)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/hook"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    hook = Receiver()
    await hook.start()
    try:
        yield hook
    finally:
        await hook.stop()


async def _until(server: SandboxServer, condition: Any) -> None:
    assert await server.world.changed.wait_for(condition, WAIT), "timed out"


async def test_updates_are_posted_one_per_request_with_the_secret_and_confirmed_on_2xx(
        api: Api, receiver: Receiver) -> None:
    await api.ok("setWebhook", url=receiver.url, secret_token="s3cret")
    alice = api.server.user(1001, "Alice")
    await alice.send("one")
    await alice.send("two")
    await _until(api.server, lambda: len(receiver.received) == 2 and not api.server.world.pending)
    assert [(u["message"]["text"], secret) for u, secret in receiver.received] == [
        ("one", "s3cret"), ("two", "s3cret")]
    info = await api.ok("getWebhookInfo")
    assert info["pending_update_count"] == 0 and "last_error_message" not in info


async def test_a_non_2xx_answer_is_reported_and_the_update_delivered_again(
        api: Api, receiver: Receiver) -> None:
    receiver.statuses = [500, 401]
    await api.ok("setWebhook", url=receiver.url)
    await api.server.user(1001, "Alice").send("again")
    await _until(api.server, lambda: len(receiver.received) == 3 and not api.server.world.pending)
    assert len({u["update_id"] for u, _ in receiver.received}) == 1
    info = await api.ok("getWebhookInfo")
    assert info["last_error_message"] == "Wrong response from the webhook: 401 Unauthorized"
    assert info["pending_update_count"] == 0
    assert api.server.webhooks.errors == 2 and api.server.webhooks.delivered == 1


async def test_a_timeout_is_an_error_and_a_chat_waits_while_other_chats_go_on(
        api: Api, receiver: Receiver) -> None:
    api.server.webhooks.timeout = 0.3
    receiver.hold = asyncio.Event()
    await api.ok("setWebhook", url=receiver.url)
    alice, bob = api.server.user(1001, "Alice"), api.server.user(1002, "Bob")
    await alice.send("first")
    await alice.send("second")
    await bob.send("bob's")
    await _until(api.server, lambda: "last_error_message" in (api.server.world.webhook or {}))
    info = await api.ok("getWebhookInfo")
    assert info["last_error_message"] == "Read timeout expired"
    assert info["pending_update_count"] == 3
    texts = [u["message"]["text"] for u, _ in receiver.received]
    assert "second" not in texts  # Alice's second update waits for her first
    assert "bob's" in texts  # other chats are not held up
    receiver.hold.set()
    api.server.webhooks.timeout = WAIT
    await _until(api.server, lambda: not api.server.world.pending)
    texts = [u["message"]["text"] for u, _ in receiver.received]
    assert texts.index("second") > max(i for i, t in enumerate(texts) if t == "first")


async def test_only_this_machine_is_posted_to_and_update_chats_are_read_per_kind() -> None:
    assert is_local("http://127.0.0.1:8080/x") and is_local("http://localhost/x")
    assert not is_local("https://example.org/hook") and not is_local("http://10.0.0.1/")
    assert update_chat({"update_id": 1, "message": {"chat": {"id": 5}}}) == 5
    assert update_chat({"update_id": 2, "callback_query": {
        "from": {"id": 6}, "message": {"chat": {"id": 7}}}}) == 7
    assert update_chat({"update_id": 3, "pre_checkout_query": {"from": {"id": 8}}}) == 8
