"""Several real bot processes in webhook mode on one PostgreSQL database, behind a proxy.

Used by the kill test (``tests/scale/test_kill.py``) and the benchmark
(``bench/bench_webhook.py``):

- :func:`scratch_schema`: a fresh schema in the ``TEST_DATABASE_URL`` database, migrated,
  dropped afterwards (the tick leader's advisory lock key is per schema, so the test's leader
  is its own).
- :class:`RoundRobinProxy`: what nginx does in front of the processes: each POST goes to the
  next process; a process that refuses the connection is skipped (``proxy_next_upstream
  error``), one that dies during the request makes a 502, which Telegram answers by delivering
  the update again.
- :class:`BotProcess`: ``python -m bot run --webhook`` as a child process, its log in a file,
  started, killed with SIGKILL, restarted on the same port.
- :class:`SendRecorder`: every message the sandbox accepted (time, chat) and every 429 it gave.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import itertools
import math
import os
import signal
import socket
import sys
import time
import uuid
from collections import Counter, deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bot.sandbox import SandboxServer
from bot.sandbox.params import ApiError
from bot.sandbox.world import ChatState
from storage import Database

__all__ = ["BotProcess", "RoundRobinProxy", "SendRecorder", "free_port", "scratch_schema"]

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.asynccontextmanager
async def scratch_schema(server_url: str, prefix: str = "scale") -> AsyncIterator[str]:
    """A new, migrated schema in the database of ``server_url`` (``DATABASE_SCHEMA`` for the
    bot processes); dropped afterwards. A schema, not a database: dropping a database makes
    PostgreSQL checkpoint, which takes tens of seconds on a busy server."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = Database(server_url)
    try:
        async with admin.engine.begin() as connection:
            await connection.exec_driver_sql(f'CREATE SCHEMA "{name}"')
    finally:
        await admin.dispose()
    database = Database(server_url, schema=name)
    try:
        await database.migrate()
    finally:
        await database.dispose()
    try:
        yield name
    finally:
        admin = Database(server_url)
        try:
            async with admin.engine.begin() as connection:
                await connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        finally:
            await admin.dispose()


class RoundRobinProxy:
    """A tiny load balancer on 127.0.0.1 in front of the bot processes' webhook ports."""

    def __init__(self, backends: list[int], timeout: float = 60.0) -> None:
        self.backends = backends
        self.timeout = timeout
        self.port = 0
        self.forwarded: Counter[int] = Counter()
        self.failed = 0
        self._turn = itertools.count()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        """The proxy's base URL (the public WEBHOOK_URL's origin)."""
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        connector = aiohttp.TCPConnector(limit=0, force_close=False)
        self._session = aiohttp.ClientSession(connector=connector)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def _forward(self, request: web.Request) -> web.Response:
        body = await request.read()
        headers = {k: v for k, v in request.headers.items()
                   if k.lower() in ("content-type", "x-telegram-bot-api-secret-token")}
        assert self._session is not None
        for _ in range(len(self.backends)):
            port = self.backends[next(self._turn) % len(self.backends)]
            try:
                async with self._session.request(
                        request.method, f"http://127.0.0.1:{port}{request.rel_url}",
                        data=body, headers=headers,
                        timeout=aiohttp.ClientTimeout(total=self.timeout)) as answer:
                    payload = await answer.read()
                    self.forwarded[port] += 1
                    return web.Response(status=answer.status, body=payload)
            except aiohttp.ClientConnectorError:
                continue  # not listening (killed, restarting): the next one
            except (aiohttp.ClientError, TimeoutError):
                self.failed += 1
                return web.Response(status=502, text="bad gateway")
        self.failed += 1
        return web.Response(status=502, text="no backend")


@dataclass(slots=True)
class BotProcess:
    """One ``python -m bot run --webhook`` child process."""

    name: str
    port: int
    env: dict[str, str]
    log_path: Path
    cwd: Path = ROOT
    process: asyncio.subprocess.Process | None = None
    starts: int = 0

    async def start(self) -> None:
        """Start it (in webhook mode on :attr:`port`)."""
        env = {**self.env, "WEBHOOK_LISTEN": f"127.0.0.1:{self.port}"}
        self.starts += 1
        log = self.log_path.open("ab")
        log.write(f"--- start {self.starts}\n".encode())
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--webhook", cwd=str(self.cwd), env=env,
            stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log)
        log.close()

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)

    async def wait_dead(self, timeout: float = 30.0) -> None:
        assert self.process is not None
        await asyncio.wait_for(self.process.wait(), timeout)

    async def stop(self, timeout: float = 20.0) -> int | None:
        """SIGTERM and wait (SIGKILL if it does not stop); its exit status."""
        process = self.process
        if process is None or process.returncode is not None:
            return None if process is None else process.returncode
        process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(process.wait(), timeout)
        except TimeoutError:
            process.kill()
            return await process.wait()

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def healthy(self, session: aiohttp.ClientSession) -> bool:
        """``GET /healthz`` answers 200."""
        try:
            async with session.get(f"http://127.0.0.1:{self.port}/healthz",
                                   timeout=aiohttp.ClientTimeout(total=5)) as answer:
                return answer.status == 200
        except (aiohttp.ClientError, TimeoutError):
            return False

    async def metrics(self, session: aiohttp.ClientSession) -> dict[str, float]:
        """The unlabelled samples of ``GET /metrics`` (empty if it does not answer)."""
        try:
            async with session.get(f"http://127.0.0.1:{self.port}/metrics",
                                   timeout=aiohttp.ClientTimeout(total=5)) as answer:
                page = await answer.text()
        except (aiohttp.ClientError, TimeoutError):
            return {}
        samples = {}
        for line in page.splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                with contextlib.suppress(ValueError):
                    samples[name] = float(value)
        return samples

    def log_tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


async def wait_until(condition: Callable[[], Any], timeout: float, what: str,
                     interval: float = 0.2) -> None:
    """Poll an (async) ``condition`` until true; TimeoutError naming ``what`` after
    ``timeout`` seconds. For conditions outside this process (a child's health, rows in the
    database) that nothing can signal."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout:.0f} s for {what}")
        await asyncio.sleep(interval)


@dataclass
class SendRecorder:
    """Wraps the sandbox's flood check: records accepted messages and 429s."""

    server: SandboxServer
    accepted: list[tuple[float, int]] = field(default_factory=list)
    refused: list[tuple[float, int]] = field(default_factory=list)
    refused_overall: int = 0  # of the 429s, those for the overall limit (else a chat's)

    def install(self) -> None:
        world = self.server.world
        check = world.limit

        def recording(chat: ChatState) -> None:
            now = time.monotonic()
            try:
                check(chat)
            except ApiError as error:
                if error.code == 429:
                    self.refused.append((now, chat.person.id))
                    recent = len(self.accepted) - bisect.bisect_right(
                        self.accepted, (now - 1.0, math.inf))
                    self.refused_overall += recent >= 30
                raise
            self.accepted.append((now, chat.person.id))

        world.limit = recording  # type: ignore[method-assign]

    def busiest_second(self) -> int:
        """The most messages accepted within any one second (a sliding window)."""
        return _densest([t for t, _ in self.accepted])

    def busiest_chat_second(self) -> int:
        """The most messages one chat got within any one second."""
        chats: dict[int, list[float]] = {}
        for moment, chat in self.accepted:
            chats.setdefault(chat, []).append(moment)
        return max((_densest(times) for times in chats.values()), default=0)

    def worst_429_second(self) -> int:
        """The most 429s within any one second."""
        return _densest([t for t, _ in self.refused])


def _densest(moments: list[float], window: float = 1.0) -> int:
    """The most ``moments`` within any half-open window of ``window`` seconds."""
    best, inside = 0, deque[float]()
    for moment in sorted(moments):
        inside.append(moment)
        while inside[0] <= moment - window:
            inside.popleft()
        best = max(best, len(inside))
    return best


def bot_env(*, token: str, api_url: str, database_url: str, schema: str, webhook_url: str,
            secret: str, runtime: str, **extra: str) -> dict[str, str]:
    """The environment of one bot process (nothing inherited but what Python needs)."""
    keep = {k: v for k, v in os.environ.items()
            if k in ("PATH", "HOME", "LANG", "LC_ALL", "PYTHONPATH", "VIRTUAL_ENV", "TMPDIR")}
    return {**keep, "BOT_TOKEN": token, "TELEGRAM_API_URL": api_url,
            "DATABASE_URL": database_url, "DATABASE_SCHEMA": schema, "WEBHOOK_URL": webhook_url,
            "WEBHOOK_SECRET": secret, "BOT_RUNTIME": runtime, "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1", **extra}
