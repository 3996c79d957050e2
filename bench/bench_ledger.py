"""Ledger throughput and balance lookups on SQLite and PostgreSQL (issue 3). Run by hand::

    python bench/bench_ledger.py                       # SQLite, and PostgreSQL if it answers
    python bench/bench_ledger.py --transfers 5000 --postings 1000000 --workers 8
    python bench/bench_ledger.py --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/test
    python bench/bench_ledger.py --accounts 1000,100000,1000000 --only-series   # issue 11

For each backend, in a fresh database (a temporary SQLite file; a new PostgreSQL schema,
dropped afterwards):

1. **transfers per second**: ``transfer`` (wallet -> a milestone's escrow, 100 clients), each
   in its own unit of work and committed, one after another; then the same from ``--workers``
   concurrent tasks (one shared engine; each post locks its accounts); then all in a single
   unit of work, which leaves out the commit's fsync (SQLite runs ``synchronous=FULL``).
2. **balance lookup**: one wallet gets ``--postings`` postings (bulk-inserted as balanced
   transactions with the gateway, the maintained balance set to match), another 1,000, in the
   same database; ``uow.ledger.balance`` is timed on each. It reads the maintained balance,
   one indexed row, so it does not grow with the postings. For contrast, the time to SUM the
   account's postings is printed too, and the operator check's time over the whole ledger.
3. **transfer time against the number of accounts** (``--accounts``, a comma-separated series
   of sizes): the accounts table is grown to each size (wallets inserted in bulk), then
   ``--series-transfers`` committed transfers (wallet -> a new escrow account, as in 1.) are
   timed one by one (after a warm-up); the median and the 90th percentile are printed with
   their ratio to the first size of the series, in the same run. For contrast, the account
   lookup the ledger used before issue 11 (``(kind, owner, currency) IN (VALUES ...)``, a
   full scan on SQLite) is timed at each size too. Sizes below the accounts already there
   are skipped.

The machine may be shared: compare figures within one run (the ratios), not across runs.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from sqlalchemy import bindparam, func, select, text, tuple_

from core.money import Money
from core.services.ledger import (
    Leg,
    escrow_account,
    gateway_account,
    top_up,
    transfer,
    wallet_account,
)
from core.services.ledger_check import check_ledger
from storage import Database
from storage.tables.ledger import ledger_accounts, ledger_postings

AT = datetime(2026, 1, 1, tzinfo=UTC)
CLIENTS = 100
DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
BIG, SMALL = 900_001, 900_002  # the two wallets' owners


async def _seed(database: Database) -> None:
    async with database.uow() as uow:
        for client in range(CLIENTS):
            await top_up(uow, user_id=client, amount=Money(10**12, "USD"),
                         charge_id=f"seed-{client}", at=AT)
        await uow.commit()


async def _move(database: Database, number: int) -> None:
    client = number % CLIENTS
    async with database.uow() as uow:
        await transfer(uow, key=f"bench-move-{number}", kind="escrow_fund", at=AT,
                       legs=Leg(wallet_account(client, "USD"), escrow_account(number, "USD"),
                                Money(1, "USD")))
        await uow.commit()


async def transfers_per_second(database: Database, count: int,
                               workers: int) -> tuple[float, float, float]:
    """Committed transfers per second: sequential, concurrent, and all in one unit of work."""
    await _seed(database)
    started = time.perf_counter()
    for number in range(count):
        await _move(database, number)
    sequential = count / (time.perf_counter() - started)

    numbers = iter(range(count, 2 * count))

    async def worker() -> None:
        for number in numbers:
            await _move(database, number)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(workers)))
    concurrent = count / (time.perf_counter() - started)

    started = time.perf_counter()
    async with database.uow() as uow:  # no commit (fsync) per transfer: the CPU and SQL cost
        for number in range(2 * count, 3 * count):
            await transfer(uow, key=f"bench-move-{number}", kind="escrow_fund", at=AT,
                           legs=Leg(wallet_account(number % CLIENTS, "USD"),
                                    escrow_account(number, "USD"), Money(1, "USD")))
        await uow.commit()
    batched = count / (time.perf_counter() - started)
    return sequential, concurrent, batched


async def _bulk_postings(database: Database, owner: int, postings: int) -> None:
    """``postings`` postings on ``owner``'s wallet: balanced 1-cent top-ups, inserted in bulk."""
    transactions = postings  # each transaction: -1 on the gateway, +1 on the wallet
    async with database.uow() as uow:
        wallet = await uow.ledger.accounts.open(wallet_account(owner, "USD"))
        gateway = await uow.ledger.accounts.open(gateway_account("USD"))
        await uow.commit()
    sqlite = database.dialect == "sqlite"
    numbers = ("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count) "
               if sqlite else "")
    source = "n" if sqlite else "generate_series(1, :count) AS n(i)"
    at = "'2026-01-01 00:00:00.000000'" if sqlite else "TIMESTAMPTZ '2026-01-01 00:00:00+00'"
    tag = f"'bulk-{owner}-' || i"
    async with database.engine.begin() as connection:
        before = (await connection.execute(text(
            "SELECT coalesce(max(id), 0) FROM ledger_transactions"))).scalar_one()
        await connection.execute(text(
            f"{numbers}INSERT INTO ledger_transactions (key, kind, memo, content_hash, "
            f"created_at) SELECT {tag}, 'bench', '', 'bulk', {at} FROM {source}"),
            {"count": transactions})
        for account, amount in ((gateway.id, -1), (wallet.id, 1)):
            await connection.execute(text(
                "INSERT INTO ledger_postings (transaction_id, account_id, amount, currency) "
                "SELECT id, :account, :amount, 'USD' FROM ledger_transactions "
                "WHERE id > :before"),
                {"account": account, "amount": amount, "before": before})
        for account, delta in ((gateway.id, -transactions), (wallet.id, transactions)):
            await connection.execute(text(
                "UPDATE ledger_accounts SET balance = balance + :delta WHERE id = :id"),
                {"delta": delta, "id": account})
    if not sqlite:
        async with database.engine.begin() as connection:
            await connection.exec_driver_sql(
                "ANALYZE ledger_accounts, ledger_transactions, ledger_postings")


async def _timed(action: Callable[[], Awaitable[object]], repeat: int) -> float:
    """Median seconds of ``action`` over ``repeat`` runs."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        await action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


async def balance_lookups(database: Database, postings: int) -> dict[str, float]:
    """Balance lookup (and SUM, for contrast) on a wallet with ``postings`` and one with 1,000."""
    started = time.perf_counter()
    await _bulk_postings(database, BIG, postings)
    await _bulk_postings(database, SMALL, 1_000)
    figures = {"bulk insert s": time.perf_counter() - started}
    async with database.uow() as uow:
        for owner, label in ((BIG, f"{postings:,}"), (SMALL, "1,000")):
            ref = wallet_account(owner, "USD")
            balance = await uow.ledger.balance(ref)
            assert balance.minor == (postings if owner == BIG else 1_000), balance
            figures[f"balance() ms, {label} postings"] = 1000 * await _timed(
                partial(uow.ledger.balance, ref), 2000)
            account_id = (await uow.session.execute(select(ledger_accounts.c.id).where(
                ledger_accounts.c.owner == ref.owner.key))).scalar_one()
            total = select(func.sum(ledger_postings.c.amount)).where(
                ledger_postings.c.account_id == account_id)
            figures[f"SUM(postings) ms, {label} postings"] = 1000 * await _timed(
                partial(uow.session.execute, total), 5)
        started = time.perf_counter()
        report = await check_ledger(uow)
        figures["operator check s"] = time.perf_counter() - started
        assert report.ok, report.summary_lines()
    return figures


async def _account_count(database: Database) -> int:
    async with database.engine.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(
            ledger_accounts))).scalar_one())


async def _grow_accounts(database: Database, size: int) -> None:
    """Insert wallets (owners from 10,000,000 up) until there are ``size`` accounts."""
    missing = size - await _account_count(database)
    if missing <= 0:
        return
    sqlite = database.dialect == "sqlite"
    async with database.engine.begin() as connection:
        first = 10_000_000 + int((await connection.execute(text(
            "SELECT coalesce(max(id), 0) FROM ledger_accounts"))).scalar_one())
        if sqlite:
            await connection.execute(text(
                "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n "
                "WHERE i < :count - 1) INSERT INTO ledger_accounts (kind, owner, currency, "
                "balance) SELECT 'client_wallet', 'user:' || (i + :first), 'USD', 0 FROM n"),
                {"count": missing, "first": first})
        else:
            await connection.execute(text(
                "INSERT INTO ledger_accounts (kind, owner, currency, balance) "
                "SELECT 'client_wallet', 'user:' || (i + :first), 'USD', 0 "
                "FROM generate_series(0, :count - 1) AS n(i)"),
                {"count": missing, "first": first})
    async with database.engine.begin() as connection:
        await connection.exec_driver_sql("ANALYZE ledger_accounts" if not sqlite else "ANALYZE")


_ROW_VALUE_LOOKUP = (select(ledger_accounts).where(
    tuple_(ledger_accounts.c.kind, ledger_accounts.c.owner, ledger_accounts.c.currency)
    .in_(bindparam("refs", expanding=True))).order_by(ledger_accounts.c.id))


async def transfers_by_accounts(database: Database, sizes: list[int],
                                count: int) -> list[tuple[int, float, float, float]]:
    """(accounts, median ms, 90th percentile ms, old lookup ms) of a transfer at each size."""
    await _seed(database)
    series = []
    number = 10_000_000  # transfer numbers (and escrow ids) clear of the other sections
    for _ in range(min(count, 100)):  # warm up (caches, the pool, prepared statements)
        number += 1
        await _move(database, number)
    for size in sizes:
        if size < await _account_count(database):
            print(f"[{database.dialect}] {size:,} accounts: fewer than already there, skipped")
            continue
        await _grow_accounts(database, size - count)  # the transfers open one escrow each
        samples = []
        for _ in range(count):
            number += 1
            started = time.perf_counter()
            await _move(database, number)
            samples.append(time.perf_counter() - started)
        refs = [("client_wallet", "user:1", "USD"), ("milestone_escrow", f"milestone:{number}",
                                                     "USD")]
        async with database.engine.connect() as connection:
            async def old_lookup(refs: list[tuple[str, str, str]] = refs) -> object:
                return (await connection.execute(_ROW_VALUE_LOOKUP, {"refs": refs})).all()

            old = await _timed(old_lookup, 20 if size < 500_000 else 5)
        samples.sort()
        series.append((await _account_count(database), 1000 * statistics.median(samples),
                       1000 * samples[int(0.9 * (len(samples) - 1))], 1000 * old))
    return series


async def print_series(name: str, database: Database, args: argparse.Namespace) -> None:
    """The transfer-time series, each figure as a ratio to the first size."""
    sizes = sorted(int(size) for size in args.accounts.split(",") if size.strip())
    series = await transfers_by_accounts(database, sizes, args.series_transfers)
    if not series:
        return
    base = series[0]
    print(f"[{name}] committed transfer vs accounts ({args.series_transfers} transfers per "
          f"size; ratio to {base[0]:,} accounts in this run)", flush=True)
    for accounts, median, p90, old in series:
        print(f"[{name}]   {accounts:>10,} accounts: median {median:7.3f} ms "
              f"({median / base[1]:5.2f}x), p90 {p90:7.3f} ms ({p90 / base[2]:5.2f}x); "
              f"old row-value lookup {old:8.3f} ms ({old / base[3]:6.1f}x)", flush=True)


async def run(name: str, database: Database, args: argparse.Namespace) -> None:
    """Migrate ``database`` and print every figure for it."""
    await database.migrate()
    if args.only_series:
        await print_series(name, database, args)
        return
    sequential, concurrent, batched = await transfers_per_second(database, args.transfers,
                                                                 args.workers)
    print(f"[{name}] transfers/s, each committed: {sequential:,.0f} sequential, "
          f"{concurrent:,.0f} from {args.workers} concurrent workers; {batched:,.0f} in one "
          f"unit of work ({args.transfers} transfers each)", flush=True)
    for label, value in (await balance_lookups(database, args.postings)).items():
        print(f"[{name}] {label}: {value:,.3f}", flush=True)
    await print_series(name, database, args)


def _postgres_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=2).close()
    except OSError:
        return False
    return True


async def main(args: argparse.Namespace) -> None:
    """Run on SQLite, then on PostgreSQL if available."""
    with tempfile.TemporaryDirectory() as tmp:
        database = Database(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")
        try:
            await run("sqlite", database, args)
        finally:
            await database.dispose()
    url = args.postgres or (DEFAULT_POSTGRES if _postgres_answers() else None)
    if not url or args.no_postgres:
        return
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = Database(url)
    async with admin.engine.begin() as connection:
        await connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    database = Database(url, schema=schema)
    try:
        await run("postgresql", database, args)
    finally:
        await database.dispose()
        async with admin.engine.begin() as connection:
            await connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.dispose()


def parse_args() -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--transfers", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--postings", type=int, default=1_000_000)
    parser.add_argument("--postgres", help=f"PostgreSQL URL (default {DEFAULT_POSTGRES} if up)")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--accounts", default="1000,100000,1000000",
                        help="comma-separated account counts for the transfer series")
    parser.add_argument("--series-transfers", type=int, default=300,
                        help="committed transfers timed at each size of the series")
    parser.add_argument("--only-series", action="store_true",
                        help="run only the transfer-vs-accounts series")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
