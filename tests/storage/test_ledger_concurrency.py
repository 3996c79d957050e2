"""Concurrent spends of one balance never overdraw it, on SQLite and PostgreSQL.

Each spend runs in its own unit of work on its own engine (its own connection); on SQLite also
in separate processes. The wallet holds 10.00 and each spend takes 0.30: exactly
floor(1000 / 30) = 33 succeed, whatever the interleaving, and the rest are refused.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.ledger import InsufficientFunds
from core.money import Money
from core.services.ledger import fund_escrow, top_up, wallet_account
from core.services.ledger_check import check_ledger
from storage import Database
from storage.retry import run_in_uow
from storage.uow import SqlUnitOfWork

AT = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
CLIENT = 1
BALANCE, PRICE, SPENDS = Money(1000, "USD"), Money(30, "USD"), 50
ROOT = Path(__file__).resolve().parents[2]


async def _fund_wallet(database: Database) -> None:
    async with database.uow() as uow:
        await top_up(uow, user_id=CLIENT, amount=BALANCE, charge_id="initial", at=AT)
        await uow.commit()


async def _spend(database: Database, number: int) -> bool:
    """Move PRICE from the wallet into milestone ``number``'s escrow; False if refused."""
    try:
        await run_in_uow(database, lambda uow: fund_escrow(
            uow, client_id=CLIENT, milestone_id=number, amount=PRICE, key=f"spend-{number}",
            at=AT))
    except InsufficientFunds:
        return False
    return True


async def _assert_exactly_the_affordable_spends_succeeded(database: Database,
                                                          succeeded: int) -> None:
    assert succeeded == BALANCE.minor // PRICE.minor == 33
    async with database.uow() as uow:
        left = await uow.ledger.balance(wallet_account(CLIENT, "USD"))
        report = await check_ledger(uow)
    assert left == BALANCE - PRICE * succeeded == Money(10, "USD")
    assert report.ok, report.summary_lines()
    assert report.audit.transactions == 1 + succeeded


@pytest.fixture
async def engines(database: Database) -> AsyncIterator[list[Database]]:
    """SPENDS more databases on the same storage: separate engines, separate connections."""
    clones = [Database(database.url, schema=database.schema) for _ in range(SPENDS)]
    for clone in clones:  # connect up front so that the spends start together
        async with clone.engine.connect():
            pass
    try:
        yield clones
    finally:
        for clone in clones:
            await clone.dispose()


async def test_fifty_concurrent_spends_through_separate_connections_never_overdraw(
        database: Database, engines: list[Database]) -> None:
    await _fund_wallet(database)
    results = await asyncio.gather(*(_spend(db, n) for n, db in enumerate(engines)))
    await _assert_exactly_the_affordable_spends_succeeded(database, sum(results))


async def test_concurrent_repeats_of_one_key_credit_once(
        database: Database, engines: list[Database]) -> None:
    async def pay(db: Database) -> bool:
        async def work(uow: SqlUnitOfWork) -> bool:
            posted = await top_up(uow, user_id=CLIENT, amount=PRICE,
                                  charge_id="same-charge", at=AT)
            return posted.replayed
        return await run_in_uow(db, work)

    replayed = await asyncio.gather(*(pay(db) for db in engines[:20]))
    assert sorted(replayed) == [False] + [True] * 19
    async with database.uow() as uow:
        assert await uow.ledger.balance(wallet_account(CLIENT, "USD")) == PRICE


WORKER = """
import asyncio, json, sys
from datetime import datetime
from core.ledger import InsufficientFunds
from core.money import Money
from core.services.ledger import fund_escrow
from storage import Database
from storage.retry import run_in_uow

CLIENT, PRICE, AT = int(sys.argv[4]), Money(int(sys.argv[5]), "USD"), sys.argv[6]

async def _spend(database, number):
    try:
        await run_in_uow(database, lambda uow: fund_escrow(
            uow, client_id=CLIENT, milestone_id=number, amount=PRICE, key=f"spend-{number}",
            at=datetime.fromisoformat(AT)))
    except InsufficientFunds:
        return False
    return True

async def main(url: str, first: int, count: int) -> None:
    clones = [Database(url) for _ in range(count)]
    for clone in clones:
        async with clone.engine.connect():
            pass
    print("ready", flush=True)
    sys.stdin.readline()  # wait for "go", so every process spends at once
    results = await asyncio.gather(*(_spend(db, first + n) for n, db in enumerate(clones)))
    for clone in clones:
        await clone.dispose()
    print(json.dumps(results), flush=True)

asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
"""
PROCESSES = 5


@pytest.fixture
async def sqlite_database(tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated SQLite database in a file that other processes can open."""
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}")
    await database.migrate()
    try:
        yield database
    finally:
        await database.dispose()


async def test_fifty_spends_from_five_processes_on_sqlite_never_overdraw(
        sqlite_database: Database) -> None:
    database = sqlite_database
    await _fund_wallet(database)
    url = database.url.render_as_string(hide_password=False)
    workers = [await asyncio.create_subprocess_exec(
        sys.executable, "-c", WORKER, url, str(first), str(SPENDS // PROCESSES), str(CLIENT),
        str(PRICE.minor), AT.isoformat(), cwd=ROOT,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        for first in range(0, SPENDS, SPENDS // PROCESSES)]
    for worker in workers:
        assert worker.stdout is not None
        assert (await worker.stdout.readline()).strip() == b"ready"
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write(b"go\n")
        await worker.stdin.drain()
    outputs = [await worker.communicate() for worker in workers]
    assert [worker.returncode for worker in workers] == [0] * len(workers)
    results = [ok for stdout, _ in outputs for ok in json.loads(stdout)]
    assert len(results) == SPENDS
    await _assert_exactly_the_affordable_spends_succeeded(database, sum(results))
