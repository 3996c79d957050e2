"""Updates per second through webhook mode with 1 and with 3 bot processes on PostgreSQL.

Run by hand from the repository root, with PostgreSQL on 127.0.0.1:5432 (database ``test``,
trust auth, as ``.ci/run`` uses; a scratch schema is made and dropped)::

    python bench/bench_webhook.py                      # 1 and 3 processes
    python bench/bench_webhook.py --processes 3 --updates 3000 --seconds 20

For each process count: a fresh schema, the sandbox Bot API server (flood limits off, and
``SEND_RATE=1000`` so that the shared send budget does not pace the replies: this measures
handling, not Telegram's send limits, which hold a bot that answers every update to about 30
updates a second), a round-robin proxy, and that many
``python -m bot run --webhook`` processes (aiogram). A **load generator in a separate
process** (this script with ``--generate``) plays Telegram: it POSTs updates straight to the
proxy's webhook URL with the secret header, one update per request, and times each request
until its answer, which the bot gives once the update's effects are committed.

Every update is state-changing: ``/start`` from a user the bot has never seen (a user row, a
dialog state, a visit point and the processed update written in one transaction, then the
reply sent to the sandbox).

- **throughput**: closed loop, ``--concurrency`` requests open at once, ``--updates`` updates;
  updates per second.
- **latency**: open loop at a fixed offered load of ``--rate`` updates/s (300) for
  ``--seconds``; p50 and p99 of the request time, and the rate actually achieved. When the
  processes cannot keep up, requests queue and the latency shows it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # running as a script from a fresh clone
    sys.path.insert(0, str(ROOT))

TOKEN = "7000000077:bench-webhook-Token"
SECRET = "bench-webhook-secret"
DEFAULT_DB = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
FIRST_USER = 3_000_000


def _update(update_id: int, user_id: int) -> dict[str, Any]:
    """A /start from a new user, as Telegram posts it."""
    person = {"id": user_id, "is_bot": False, "first_name": f"U{user_id}",
              "language_code": "en"}
    return {"update_id": update_id, "message": {
        "message_id": 1, "date": int(time.time()), "from": person,
        "chat": {"id": user_id, "type": "private", "first_name": f"U{user_id}"},
        "text": "/start", "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}}


async def _generate(url: str, mode: str, count: int, concurrency: int, rate: float,
                    seconds: float, first: int) -> dict[str, Any]:
    """The load generator (its own process): POST updates, time each answer."""
    import aiohttp

    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    latencies: list[float] = []
    errors = 0
    numbers = iter(range(first, first + 10_000_000))
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def one() -> None:
            nonlocal errors
            n = next(numbers)
            body = json.dumps(_update(n, FIRST_USER + (n - first)))
            began = time.perf_counter()
            try:
                async with http.post(url, data=body, headers=headers,
                                     timeout=aiohttp.ClientTimeout(total=60)) as answer:
                    await answer.read()
                    if answer.status != 200:
                        errors += 1
                        return
            except (aiohttp.ClientError, TimeoutError):
                errors += 1
                return
            latencies.append(time.perf_counter() - began)

        started = time.perf_counter()
        if mode == "throughput":
            left = count

            async def worker() -> None:
                nonlocal left
                while left > 0:
                    left -= 1
                    await one()

            await asyncio.gather(*(worker() for _ in range(concurrency)))
        else:
            tasks = []
            total = int(rate * seconds)
            for k in range(total):
                delay = started + k / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(one()))
            await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "done": len(latencies), "errors": errors, "seconds": elapsed,
        "per_second": len(latencies) / elapsed if elapsed else 0.0,
        "p50_ms": 1000 * statistics.median(latencies) if latencies else None,
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))] if latencies else None,
    }


async def _generator_process(args: list[str]) -> dict[str, Any]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(Path(__file__).resolve()), "--generate", *args,
        stdout=asyncio.subprocess.PIPE)
    out, _ = await process.communicate()
    return dict(json.loads(out.decode().strip().splitlines()[-1]))


async def _measure(processes: int, opts: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    import aiohttp

    from bot.http import webhook_url
    from bot.sandbox import SandboxServer
    from tests.scale.cluster import (
        BotProcess,
        RoundRobinProxy,
        bot_env,
        free_port,
        scratch_schema,
        wait_until,
    )

    total = opts.updates + int(opts.rate * opts.seconds) + 10
    server = SandboxServer(token=TOKEN, rate_limits=False)
    for n in range(total):
        server.user(FIRST_USER + n, f"U{FIRST_USER + n}")
    await server.start()
    ports = [free_port() for _ in range(processes)]
    proxy = RoundRobinProxy(ports)
    await proxy.start()
    try:
        async with scratch_schema(opts.database, "bench") as schema:
            bots = [BotProcess(f"bot{i}", port, bot_env(
                token=TOKEN, api_url=server.url, database_url=opts.database, schema=schema,
                webhook_url=f"{proxy.url}/tg", secret=SECRET, runtime="aiogram",
                SEND_RATE="1000"),
                tmp / f"bench{processes}-{i}.log", cwd=tmp) for i, port in enumerate(ports)]
            try:
                for bot in bots:
                    await bot.start()
                async with aiohttp.ClientSession() as http:
                    async def healthy() -> bool:
                        return all([await b.healthy(http) for b in bots])
                    await wait_until(healthy, 120, "the bot processes")
                await wait_until(lambda: server.world.webhook is not None, 60, "setWebhook")
                hook = webhook_url(f"{proxy.url}/tg", SECRET)
                common = ["--url", hook]
                warm = await _generator_process(
                    [*common, "--mode", "throughput", "--updates", "50", "--concurrency", "8",
                     "--first", str(1)])
                through = await _generator_process(
                    [*common, "--mode", "throughput", "--updates", str(opts.updates),
                     "--concurrency", str(opts.concurrency), "--first", str(100)])
                fixed = await _generator_process(
                    [*common, "--mode", "rate", "--rate", str(opts.rate), "--seconds",
                     str(opts.seconds), "--first", str(100 + opts.updates)])
            finally:
                await asyncio.gather(*(bot.stop() for bot in bots))
    finally:
        await proxy.stop()
        await server.stop()
    return {"processes": processes, "warm-up errors": warm["errors"], "throughput": through,
            "fixed": fixed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, nargs="*", default=[1, 3])
    parser.add_argument("--updates", type=int, default=2000, help="throughput run size")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rate", type=float, default=300.0, help="fixed offered load, /s")
    parser.add_argument("--seconds", type=float, default=10.0, help="fixed-load duration")
    parser.add_argument("--database", default=os.environ.get("TEST_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="throughput", help=argparse.SUPPRESS)
    parser.add_argument("--first", type=int, default=1, help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.generate:
        result = asyncio.run(_generate(opts.url, opts.mode, opts.updates, opts.concurrency,
                                       opts.rate, opts.seconds, opts.first))
        print(json.dumps(result))
        return
    import tempfile

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        for count in opts.processes:
            result = asyncio.run(_measure(count, opts, Path(tmp)))
            t, f = result["throughput"], result["fixed"]
            print(f"{count} process(es): throughput {t['per_second']:.0f} updates/s "
                  f"({t['done']} in {t['seconds']:.1f} s, {t['errors']} errors); "
                  f"at {opts.rate:.0f}/s offered: achieved {f['per_second']:.0f}/s, "
                  f"p50 {f['p50_ms']:.0f} ms, p99 {f['p99_ms']:.0f} ms, "
                  f"{f['errors']} errors")


if __name__ == "__main__":
    main()
