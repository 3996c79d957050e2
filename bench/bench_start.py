"""Start-up time and idle memory of ``python -m bot run``, on each runtime (issue 11).

Run by hand from the repository root::

    python bench/bench_start.py                 # both runtimes, 3 starts each
    python bench/bench_start.py --runtimes ptb --starts 5

A sandbox Bot API server (:class:`bot.sandbox.server.SandboxServer`) runs in this process on
127.0.0.1; each start launches ``python -m bot run`` against it with a fresh SQLite file
(migrated beforehand, so start-up is what is timed, not the first migration) and measures:

* **start to polling**: from launching the process to its first ``getUpdates`` request;
* **idle RSS**: the process's resident memory (``VmRSS`` in ``/proc/<pid>/status``) after
  ``--idle`` seconds of polling with no update;
* **RSS after /start**: the same once a new user's ``/start`` has been answered (what the
  first conversation imports on top).

Medians over ``--starts`` starts are printed, each with its ratio to the issue's target
(120 MB, 2 s) and to the first runtime of the list, measured in the same run. The machine may
be shared: compare within one run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # running as a script from a fresh clone
    sys.path.insert(0, str(ROOT))

from aiohttp import web  # noqa: E402

from bot.sandbox.server import SandboxServer  # noqa: E402

__all__ = ["main"]

TOKEN = "7000000001:bench-start-token"
TARGET_RSS_MB = 120.0
TARGET_START_S = 2.0
SETTINGS = ("BOT_TOKEN", "TELEGRAM_API_URL", "DATABASE_URL", "BOT_RUNTIME", "ADMIN_IDS",
            "DEFAULT_LANGUAGE", "PAYMENT_PROVIDER_TOKEN", "CURRENCY", "SMTP_URL", "LOG_LEVEL")


class WatchedServer(SandboxServer):
    """The sandbox server, noting when the first ``getUpdates`` arrives."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.polling = asyncio.Event()
        self.polled_at = 0.0

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info.get("method", "").lower()
        if method == "getupdates" and not self.polling.is_set():
            self.polled_at = time.perf_counter()
            self.polling.set()
        return await super()._api(request)


def rss_mb(pid: int) -> float:
    """The resident set size of ``pid`` in MiB, from ``/proc``."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def _environment(server: SandboxServer, runtime: str, database: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS}
    env.update(BOT_TOKEN=TOKEN, TELEGRAM_API_URL=server.url, BOT_RUNTIME=runtime,
               DATABASE_URL=f"sqlite+aiosqlite:///{database}", LOG_LEVEL="WARNING",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])))
    return env


async def _migrate(env: dict[str, str], cwd: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "migrate", cwd=cwd, env=env,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL)
    if await process.wait() != 0:
        raise SystemExit("python -m bot migrate failed")


async def one_start(runtime: str, idle: float, user_id: int) -> tuple[float, float, float]:
    """(seconds to the first getUpdates, idle RSS MiB, RSS MiB after a /start)."""
    server = WatchedServer(TOKEN)
    async with server:
        with tempfile.TemporaryDirectory() as tmp:
            env = _environment(server, runtime, Path(tmp) / "bench.db")
            await _migrate(env, Path(tmp))
            started = time.perf_counter()
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", cwd=tmp, env=env,
                stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL)
            try:
                await asyncio.wait_for(server.polling.wait(), 60)
                to_polling = server.polled_at - started
                await asyncio.sleep(idle)
                idle_rss = rss_mb(process.pid)
                user = server.user(user_id, "Bench", language_code="en")
                await user.command("/start")
                await user.wait_message(timeout=60)
                after = rss_mb(process.pid)
            finally:
                process.terminate()
                try:
                    await asyncio.wait_for(process.wait(), 20)
                except TimeoutError:
                    process.kill()
                    await process.wait()
    return to_polling, idle_rss, after


async def main(argv: list[str] | None = None) -> None:
    """Start each runtime ``--starts`` times and print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runtimes", default="aiogram,ptb")
    parser.add_argument("--starts", type=int, default=3)
    parser.add_argument("--idle", type=float, default=3.0,
                        help="seconds of polling before the idle RSS is read")
    args = parser.parse_args(argv)
    runtimes = [name.strip() for name in args.runtimes.split(",") if name.strip()]
    figures: dict[str, tuple[float, float, float]] = {}
    for runtime in runtimes:
        samples = [await one_start(runtime, args.idle, 5000 + n) for n in range(args.starts)]
        start, idle, after = (statistics.median(s[i] for s in samples) for i in range(3))
        figures[runtime] = (start, idle, after)
        print(f"{runtime}: starts {[f'{s[0]:.2f}s' for s in samples]}, idle RSS "
              f"{[f'{s[1]:.0f}MB' for s in samples]}", flush=True)
    first = runtimes[0]
    print(f"median of {args.starts} starts; ratio to the target and to {first}, same run")
    for runtime, (start, idle, after) in figures.items():
        base = figures[first]
        print(f"{runtime:8} start to polling {start:5.2f} s ({start / TARGET_START_S:4.2f}x "
              f"target, {start / base[0]:4.2f}x {first}); idle RSS {idle:6.1f} MB "
              f"({idle / TARGET_RSS_MB:4.2f}x target, {idle / base[1]:4.2f}x {first}); "
              f"RSS after /start {after:6.1f} MB")


if __name__ == "__main__":
    asyncio.run(main())
