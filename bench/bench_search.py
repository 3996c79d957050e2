"""Benchmark: one page of project search over 100k projects (issue 4: under 20 ms on SQLite).

Run by hand::

    python bench/bench_search.py                       # SQLite in a temporary file
    python bench/bench_search.py --projects 20000      # smaller
    python bench/bench_search.py --url postgresql+asyncpg://postgres@127.0.0.1:5432/test

It migrates a fresh database, inserts the projects in bulk (the FTS5 triggers index them on
SQLite), then times ``uow.market.projects.search`` for several typical queries: browsing,
category and kind filters, common, rare, multi-word and Cyrillic keywords, a deep page. Each
query runs ``--repeat`` times in its own unit of work (as a real update would); the p50 and
p95 per query are printed, and the run fails if any p50 is over the budget.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypedDict

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert

from core.categories import CATEGORIES
from core.projects import ProjectKind
from storage import Database
from storage.tables.accounts import users
from storage.tables.market import projects

BUDGET_MS = 20.0
START = datetime(2026, 1, 1, tzinfo=UTC)
COMMON = ("design", "website", "logo", "app", "data", "support", "drawing", "model", "text",
          "video", "marketing", "python", "shop", "api", "report", "translation")
RARE = tuple(f"rare{n}" for n in range(200))
SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ze", "po", "da", "fi", "gu", "ho",
             "je", "be", "xo", "qu", "wy", "ci")
CYRILLIC = ("чертёж", "сайт", "перевод", "логотип", "приложение", "модель", "отчёт")
class SearchParams(TypedDict, total=False):
    """The filters of one search (all optional, as in the /projects command)."""

    category: str
    keyword: str
    kind: ProjectKind
    page: int


QUERIES: list[tuple[str, SearchParams]] = [
    ("browse newest", {}),
    ("category", {"category": "cad"}),
    ("category + kind", {"category": "design", "kind": ProjectKind.HOURLY}),
    ("common keyword", {"keyword": "design"}),
    ("common keyword + category", {"keyword": "logo", "category": "dev"}),
    ("two common words", {"keyword": "python api"}),
    ("prefix", {"keyword": "transl"}),
    ("rare keyword", {"keyword": "rare123"}),
    ("rare keyword + filters", {"keyword": "rare42", "category": "web",
                                "kind": ProjectKind.FIXED}),
    ("short prefix (exact)", {"keyword": "ka"}),
    ("3-letter prefix", {"keyword": "kal"}),
    ("cyrillic", {"keyword": "чертёж"}),
    ("no match", {"keyword": "zzzzqqq"}),
    ("deep page (10)", {"keyword": "design", "page": 10}),
]


def _vocabulary(rng: random.Random, size: int = 20_000) -> list[str]:
    """Pseudo-words of 2-4 syllables: a long tail of terms with varied prefixes."""
    return ["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
            for _ in range(size)]


def _text(rng: random.Random, words: int, filler: list[str]) -> str:
    pool = COMMON + CYRILLIC
    chosen = [rng.choice(pool) if rng.random() < 0.4 else rng.choice(filler)
              for _ in range(words)]
    if rng.random() < 0.02:
        chosen.append(rng.choice(RARE))
    return " ".join(chosen)


async def populate(database: Database, count: int, seed: int = 7) -> None:
    """Insert ``count`` projects (90% published) owned by 1000 employers."""
    rng = random.Random(seed)
    filler = _vocabulary(rng)
    codes = [c.code for c in CATEGORIES]
    async with database.engine.begin() as connection:
        await connection.execute(insert(users), [
            {"id": uid, "roles": "client", "created_at": START, "last_seen_at": START}
            for uid in range(1, 1001)])
        batch: list[dict[str, object]] = []
        for n in range(count):
            created = START + timedelta(minutes=n)
            published = rng.random() < 0.9
            low = rng.randrange(1, 500) * 1000
            batch.append({
                "owner_id": rng.randrange(1, 1001), "title": _text(rng, 5, filler)[:100],
                "description": _text(rng, 60, filler), "category": rng.choice(codes),
                "kind": rng.choice(("hourly", "fixed")), "currency": "USD",
                "budget_min": low, "budget_max": low * 2, "deadline": None,
                "status": "published" if published else rng.choice(("draft", "closed")),
                "created_at": created, "updated_at": created,
                "published_at": created if published else None, "closed_at": None})
            if len(batch) == 5000:
                await connection.execute(insert(projects), batch)
                batch = []
        if batch:
            await connection.execute(insert(projects), batch)
        if database.dialect == "sqlite":
            await connection.exec_driver_sql("ANALYZE")
        else:
            await connection.exec_driver_sql("ANALYZE projects")


async def measure(database: Database, repeat: int) -> list[tuple[str, float, float, int]]:
    """Time every query ``repeat`` times; (name, p50 ms, p95 ms, rows on the page)."""
    results = []
    for name, params in QUERIES:
        timings, rows = [], 0
        for _ in range(repeat):
            began = time.perf_counter()
            async with database.uow() as uow:
                page = await uow.market.projects.search(
                    params.get("category"), params.get("keyword"),
                    params.get("kind"), params.get("page", 0), 5)
            timings.append((time.perf_counter() - began) * 1000)
            rows = len(page.items)
        timings.sort()
        p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
        results.append((name, statistics.median(timings), p95, rows))
    return results


async def main() -> int:
    """Build the data set, run the queries, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--url", default=None, help="a postgresql+asyncpg:// URL (default: "
                        "SQLite in a temporary directory)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        schema = None
        if args.url:
            schema = f"bench_{uuid.uuid4().hex[:12]}"
            admin = Database(args.url)
            async with admin.engine.begin() as connection:
                await connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
            database = Database(args.url, schema=schema)
        else:
            database = Database(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")
        try:
            await database.migrate()
            began = time.perf_counter()
            await populate(database, args.projects)
            print(f"{database.dialect}: inserted {args.projects:,} projects in "
                  f"{time.perf_counter() - began:.1f} s; {args.repeat} runs per query")
            results = await measure(database, args.repeat)
        finally:
            await database.dispose()
            if schema:
                async with admin.engine.begin() as connection:
                    await connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
                await admin.dispose()
    print(f"{'query':<28}{'p50 ms':>9}{'p95 ms':>9}{'rows':>6}")
    for name, p50, p95, rows in results:
        print(f"{name:<28}{p50:>9.2f}{p95:>9.2f}{rows:>6}")
    worst = max(p50 for _, p50, _, _ in results)
    verdict = "OK" if worst < BUDGET_MS else "OVER BUDGET"
    print(f"worst p50 {worst:.2f} ms (budget {BUDGET_MS:.0f} ms): {verdict}")
    return 0 if worst < BUDGET_MS else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
