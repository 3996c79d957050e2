"""Fixtures for the sandbox tests: a running server, a fake clock and an HTTP client."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.sandbox import SandboxServer

TOKEN = "123456:sandbox-token"


class FakeTime:
    """A hand-moved time source (seconds since the epoch)."""

    def __init__(self, start: float = 1_750_000_000.0) -> None:
        self.value = start

    def __call__(self) -> float:
        return self.value

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.value += seconds


class Api:
    """Calls the sandbox over real HTTP and returns (status, body)."""

    def __init__(self, session: aiohttp.ClientSession, server: SandboxServer) -> None:
        self.session = session
        self.server = server

    def url(self, method: str, token: str = TOKEN) -> str:
        """The URL of a method."""
        return f"{self.server.url}/bot{token}/{method}"

    async def form(self, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
        """POST an urlencoded form; dicts and lists are JSON-encoded like the frameworks do."""
        data = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
        async with self.session.post(self.url(method), data=data) as response:
            return response.status, await response.json()

    async def json(self, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
        """POST a JSON body."""
        async with self.session.post(self.url(method), json=params) as response:
            return response.status, await response.json()

    async def ok(self, method: str, **params: Any) -> Any:
        """POST a JSON body and return the result of a successful call."""
        status, body = await self.json(method, **params)
        assert status == 200 and body["ok"], body
        return body["result"]


@pytest.fixture
def fake_time() -> FakeTime:
    """The server's time source."""
    return FakeTime()


@pytest.fixture
async def server(fake_time: FakeTime) -> AsyncIterator[SandboxServer]:
    """A started sandbox server without flood limits."""
    sandbox = SandboxServer(TOKEN, time_source=fake_time)
    await sandbox.start()
    yield sandbox
    await sandbox.stop()


@pytest.fixture
async def api(server: SandboxServer) -> AsyncIterator[Api]:
    """An HTTP client for the server."""
    async with aiohttp.ClientSession() as session:
        yield Api(session, server)
