"""Every statement the ledger sends is planned with an index, on SQLite and PostgreSQL.

The ledger's operations (top-up, escrow funding, release with a fee and a hold, clearing the
hold, a refund, a repeated key, the wallet view, statements, holds, account look-ups) run
against a ledger of a few thousand rows in each table while a ``before_cursor_execute``
listener records each statement with its parameters. Each recorded statement on a ledger
table is then explained with those parameters. SQLite's ``EXPLAIN QUERY PLAN`` must not
``SCAN`` a ledger table. PostgreSQL's ``EXPLAIN`` runs with sequential scans priced out (a
plan that still has one has no index to use) and must show neither a ``Seq Scan`` on a ledger
table nor an index scan without an index condition (a whole index read in its order). The
operator check (:meth:`~storage.repos.ledger.SqlLedgerRepo.audit`) reads the whole ledger on
purpose and is left out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, text

from core.holds import available_at, clear_due_holds, pending_holds
from core.ledger import AccountKind, Owner
from core.money import Money
from core.services.ledger import (
    escrow_account,
    fund_escrow,
    refund_escrow,
    release_escrow,
    top_up,
    wallet_account,
    wallet_view,
)
from storage import Database

AT = datetime(2026, 6, 1, 10, 30, tzinfo=UTC)
FILLER = 3000
_LEDGER_TABLE = re.compile(r"\bledger_(accounts|transactions|postings|holds)\b")
_EXPLAINABLE = re.compile(r"^\s*(SELECT|UPDATE|DELETE|WITH)\b", re.IGNORECASE)
_SQLITE_SCAN = re.compile(r"\bSCAN (ledger_\w+)")
_POSTGRES_SCAN = re.compile(r"Seq Scan on (ledger_\w+)")


@contextmanager
def recording(database: Database) -> Iterator[list[tuple[str, Any]]]:
    """The (statement, parameters) the engine sends while the block runs."""
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any,
               executemany: bool) -> None:
        seen.append((statement, parameters[0] if executemany else parameters))

    engine = database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def _fill(database: Database) -> None:
    """:data:`FILLER` wallets, each with a transaction, a posting and a hold (half of them
    settled, the others clearing in a year).

    So a scan of any ledger table would be a large one, and PostgreSQL's statistics say so.
    """
    n = range(FILLER)
    statements = (
        ("INSERT INTO ledger_accounts (kind, owner, currency, balance) "
         "VALUES (:kind, :owner, 'USD', 1)",
         [{"kind": AccountKind.CLIENT_WALLET.value, "owner": f"user:{10_000 + i}"} for i in n]),
        ("INSERT INTO ledger_transactions (key, kind, memo, content_hash, created_at) "
         "VALUES (:key, 'filler', '', 'filler', :at)",
         [{"key": f"fill-{i}", "at": AT} for i in n]),
        ("INSERT INTO ledger_postings (transaction_id, account_id, amount, currency) "
         "VALUES (:i, :i, 1, 'USD')", [{"i": i + 1} for i in n]),
        ("INSERT INTO ledger_holds (account_id, transaction_id, amount, clears_at, created_at, "
         "settled_by, settled_at) VALUES (:i, :i, 1, :clears, :at, :by, :settled)",
         [{"i": i + 1, "at": AT, "clears": AT + timedelta(days=365),
           "by": i + 1 if i % 2 else None, "settled": AT if i % 2 else None} for i in n]),
    )
    async with database.uow() as uow:
        for statement, rows in statements:
            await uow.session.execute(text(statement), rows)
        await uow.commit()
    if database.dialect == "postgresql":
        async with database.engine.begin() as connection:
            await connection.exec_driver_sql("ANALYZE")


async def _exercise(database: Database) -> None:
    """Every ledger operation the marketplace uses, once or twice."""
    usd = Money.of
    async with database.uow() as uow:
        await top_up(uow, user_id=1, amount=usd("100", "USD"), charge_id="ch-1", at=AT)
        await top_up(uow, user_id=1, amount=usd("100", "USD"), charge_id="ch-1", at=AT)
        await fund_escrow(uow, client_id=1, milestone_id=7, amount=usd("60", "USD"),
                          key="fund-7", at=AT)
        await fund_escrow(uow, client_id=1, milestone_id=8, amount=usd("10", "USD"),
                          key="fund-8", at=AT)
        await release_escrow(uow, milestone_id=7, expert_id=2, amount=usd("50", "USD"),
                             fee=usd("5", "USD"), key="release-7", at=AT,
                             clears_at=available_at(AT))
        await refund_escrow(uow, milestone_id=8, client_id=1, amount=usd("10", "USD"),
                            key="refund-8", at=AT)
        await uow.commit()
    later = available_at(AT) + timedelta(seconds=1)
    async with database.uow() as uow:
        await pending_holds(uow, 2, "USD")
        [cleared] = await clear_due_holds(uow, later)
        await uow.ledger.get_hold(cleared.hold.id)
        await uow.commit()
    async with database.uow() as uow:
        await wallet_view(uow, 1, "USD")
        await wallet_view(uow, 2, "USD")
        page = await uow.ledger.history(wallet_account(1, "USD"), limit=2)
        await uow.ledger.history(wallet_account(1, "USD"), limit=2,
                                 before_id=page[-1].transaction_id)
        await uow.ledger.get("fund-7")
        await uow.ledger.balance(escrow_account(7, "USD"))
        await uow.ledger.accounts.find(escrow_account(7, "USD"))
        await uow.ledger.accounts.of_owner(Owner.user(1))
        await uow.ledger.holds_due(later)


async def _plan(database: Database, statement: str, parameters: Any) -> str:
    """The plan of ``statement`` as one text, explained with its own parameters."""
    async with database.engine.connect() as connection:
        if database.dialect == "sqlite":
            rows = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}",
                                                    parameters)
            plan = "\n".join(str(row[-1]) for row in rows)
        else:
            await connection.exec_driver_sql("SET enable_seqscan = off")
            rows = await connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}",
                                                    parameters)
            document = rows.scalar_one()
            tree = json.loads(document) if isinstance(document, str) else document
            plan = "\n".join(_postgres_nodes(tree[0]["Plan"]))
        await connection.rollback()
    return plan


def _postgres_nodes(node: dict[str, Any]) -> Iterator[str]:
    """One line per plan node; an index scan without an index condition reads it whole."""
    kind, relation = node["Node Type"], node.get("Relation Name", "")
    if kind in ("Index Scan", "Index Only Scan") and "Index Cond" not in node:
        kind = "Seq Scan"  # every entry of the index, in its order: a full scan all the same
    index = f" using {node['Index Name']}" if "Index Name" in node else ""
    yield f"{kind} on {relation}{index}" if relation else kind
    for child in node.get("Plans", ()):
        yield from _postgres_nodes(child)


async def test_every_ledger_statement_uses_an_index(database: Database) -> None:
    await _fill(database)
    with recording(database) as seen:
        await _exercise(database)
    ledger = [(sql, params) for sql, params in seen
              if _LEDGER_TABLE.search(sql) and _EXPLAINABLE.match(sql)]
    assert len(ledger) > 20, "the exercise did not reach the ledger"
    scan = _SQLITE_SCAN if database.dialect == "sqlite" else _POSTGRES_SCAN
    scans = []
    for statement, parameters in ledger:
        plan = await _plan(database, statement, parameters)
        if scan.search(plan):
            scans.append(f"{statement}\n{plan}")
    assert not scans, "full scans of ledger tables:\n\n" + "\n\n".join(scans)
