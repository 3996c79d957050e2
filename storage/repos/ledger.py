"""The ledger on SQLAlchemy: :class:`core.ports.LedgerRepo` for SQLite and PostgreSQL.

How :meth:`SqlLedgerRepo.post` stays correct under concurrency, crashes and repeats:

1. A repeat of a known key is answered at once (same content: the original; otherwise
   :class:`~core.ledger.IdempotencyConflict`), before anything is written.
2. The transaction's accounts are read and locked in one ``SELECT ... ORDER BY id FOR
   UPDATE``; missing ones are opened (``INSERT ... ON CONFLICT DO NOTHING``, in sorted order)
   and the select repeated. On SQLite ``FOR UPDATE`` is not needed: the unit of work began
   with ``BEGIN IMMEDIATE``, so this writer has held the database's write lock since its
   first statement. Concurrent posts touching the same accounts run one after the other and
   always see the balance the previous one committed; sorted locking avoids deadlocks.
3. With the locks held: the key is checked again (PostgreSQL only: on SQLite step 1 already
   ran under the write lock), the holds being settled are checked (open, same amount), and
   every guarded account's new balance is checked (never negative). Any refusal happens
   here, before the ledger is written (at most empty accounts were opened).
4. The transaction row is inserted with ``ON CONFLICT (key) DO NOTHING``: if a concurrent
   post of the same key with other accounts won the race, the answer is step 1's.
5. Holds, postings, balances (``UPDATE ... SET balance = balance + :delta``, executemany,
   still under the CHECK constraint) and hold settlements are written in the caller's
   database transaction: all or nothing.

Serialization failures and deadlocks that still happen (say, accounts opened in another
order by earlier statements of the same unit of work) are retried by
:func:`storage.retry.run_in_uow`, around the whole unit of work.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from core.ledger import (
    Account,
    AccountKind,
    AccountRef,
    Hold,
    HoldNotOpen,
    IdempotencyConflict,
    InsufficientFunds,
    Owner,
    PostedTransaction,
    Posting,
    StatementLine,
    Transaction,
    content_hash,
    validate,
)
from core.ledger_audit import LedgerAudit
from core.money import Money
from storage.repos.base import dialect_name, insert_ignore
from storage.repos.ledger_audit import audit_ledger
from storage.tables.ledger import (
    ledger_accounts as accounts,
)
from storage.tables.ledger import (
    ledger_holds as holds,
)
from storage.tables.ledger import (
    ledger_postings as postings,
)
from storage.tables.ledger import (
    ledger_transactions as transactions,
)

__all__ = ["SqlLedgerAccounts", "SqlLedgerRepo", "account_from_row", "hold_from_row"]


def _ref(row: Any) -> AccountRef:
    return AccountRef(AccountKind(row.kind), Owner.parse(row.owner), row.currency)


def account_from_row(row: Any) -> Account:
    """An :class:`Account` from a ``ledger_accounts`` row."""
    return Account(row.id, _ref(row), Money(int(row.balance), row.currency))


def hold_from_row(row: Any) -> Hold:
    """A :class:`Hold` from a ``ledger_holds`` row joined with its account's columns."""
    ref = AccountRef(AccountKind.EXPERT_PENDING, Owner.parse(row.owner), row.currency)
    return Hold(id=row.id, account=ref, amount=Money(int(row.amount), row.currency),
                clears_at=row.clears_at, created_at=row.created_at,
                settled_by=row.settled_by, settled_at=row.settled_at)


# Statements of the posting path, built once and executed with parameters (SQLAlchemy then
# neither rebuilds nor re-keys them per call).
_BY_KEY = select(transactions).where(transactions.c.key == bindparam("key"))


@lru_cache(maxsize=16)
def _lock(count: int) -> Select[Any]:
    """SELECT ... FOR UPDATE of ``count`` accounts by (kind, owner, currency), in id order.

    Written as ``(kind = :k0 AND owner = :o0 AND currency = :c0) OR ...`` so that both planners
    look each account up in the unique index (SQLite's "MULTI-INDEX OR", PostgreSQL's
    BitmapOr). The row-value form ``(kind, owner, currency) IN (VALUES ...)`` made SQLite scan
    the whole table: a transfer's cost grew with the number of accounts.
    """
    return (select(accounts)
            .where(or_(*(and_(accounts.c.kind == bindparam(f"k{n}"),
                              accounts.c.owner == bindparam(f"o{n}"),
                              accounts.c.currency == bindparam(f"c{n}"))
                         for n in range(count))))
            .order_by(accounts.c.id).with_for_update())


def _lock_parameters(refs: list[AccountRef]) -> dict[str, str]:
    """The parameters of :func:`_lock` for ``refs``."""
    values: dict[str, str] = {}
    for n, ref in enumerate(refs):
        values[f"k{n}"], values[f"o{n}"], values[f"c{n}"] = (
            ref.kind.value, ref.owner.key, ref.currency)
    return values


_INSERT_TRANSACTION = {
    name: dialect.insert(transactions).on_conflict_do_nothing(index_elements=["key"])
    .returning(transactions.c.id)
    for name, dialect in (("sqlite", sqlite), ("postgresql", postgresql))
}
_INSERT_POSTINGS = postings.insert()
_ADD_TO_BALANCE = (update(accounts).where(accounts.c.id == bindparam("account_id"))
                   .values(balance=accounts.c.balance + bindparam("delta")))

_HOLD_COLUMNS = (holds.c.id, holds.c.amount, holds.c.clears_at, holds.c.created_at,
                 holds.c.settled_by, holds.c.settled_at, accounts.c.owner, accounts.c.currency)


class SqlLedgerAccounts:
    """Accounts: opened on first use, identified by (kind, owner, currency)."""

    def __init__(self, session: AsyncConnection) -> None:
        self._session = session

    async def find(self, ref: AccountRef) -> Account | None:
        """The stored account for ``ref``, if opened."""
        row = (await self._session.execute(select(accounts).where(
            accounts.c.kind == ref.kind.value, accounts.c.owner == ref.owner.key,
            accounts.c.currency == ref.currency))).first()
        return account_from_row(row) if row else None

    async def open(self, ref: AccountRef) -> Account:
        """The account for ``ref``, opened with a zero balance if missing (race-safe)."""
        account = await self.find(ref)
        if account is None:
            await insert_ignore(self._session, accounts,
                                {"kind": ref.kind.value, "owner": ref.owner.key,
                                 "currency": ref.currency, "balance": 0},
                                conflict=["kind", "owner", "currency"])
            account = await self.find(ref)
            assert account is not None
        return account

    async def get_or_open(self, kind: AccountKind, owner: Owner, currency: str) -> Account:
        """The account, opened with a zero balance if it did not exist."""
        return await self.open(AccountRef(kind, owner, currency))

    async def of_owner(self, owner: Owner) -> list[Account]:
        """Every account of ``owner``, by kind then currency."""
        rows = await self._session.execute(select(accounts).where(
            accounts.c.owner == owner.key).order_by(accounts.c.kind, accounts.c.currency))
        return [account_from_row(row) for row in rows]


class SqlLedgerRepo:
    """:class:`core.ports.LedgerRepo`: postings, maintained balances, holds."""

    def __init__(self, session: AsyncConnection) -> None:
        self._session = session
        self.accounts = SqlLedgerAccounts(session)

    async def post(self, tx: Transaction) -> PostedTransaction:
        """Record ``tx`` atomically and idempotently (see the module docstring)."""
        validate(tx)
        digest = content_hash(tx)
        known = await self._replay(tx.key, digest)
        if known is not None:
            return known
        refs = sorted({posting.account for posting in tx.postings})
        locked = await self._open_and_lock(refs)
        ids = {ref: account_id for ref, (account_id, _) in locked.items()}
        balances = {account_id: balance for account_id, balance in locked.values()}
        if dialect_name(self._session) != "sqlite":  # SQLite held the write lock all along
            known = await self._replay(tx.key, digest)
            if known is not None:
                return known
        await self._check_settlements(tx, ids)
        deltas: dict[int, int] = defaultdict(int)
        for posting in tx.postings:
            deltas[ids[posting.account]] += posting.amount.minor
        for ref in refs:
            balance, delta = balances[ids[ref]], deltas[ids[ref]]
            if ref.guarded and balance + delta < 0:
                raise InsufficientFunds(ref, Money(balance, ref.currency),
                                        Money(-delta, ref.currency))
        tx_id = await self._insert_transaction(tx, digest)
        if tx_id is None:  # a concurrent post of this key committed first
            known = await self._replay(tx.key, digest)
            assert known is not None
            return known
        return await self._write(tx, tx_id, digest, ids, deltas)

    async def _replay(self, key: str, digest: str) -> PostedTransaction | None:
        """The stored transaction for ``key`` if its content matches; raise if it differs."""
        row = (await self._session.execute(_BY_KEY, {"key": key})).first()
        if row is None:
            return None
        if row.content_hash != digest:
            raise IdempotencyConflict(f"key {key!r} was used for a different transaction")
        return await self._load(row, replayed=True)

    async def _open_and_lock(self, refs: list[AccountRef]) -> dict[AccountRef, tuple[int, int]]:
        """Open missing accounts, lock all in id order (FOR UPDATE); their ids and balances."""
        lock, wanted = _lock(len(refs)), _lock_parameters(refs)
        found = {_ref(row): (row.id, int(row.balance))
                 for row in await self._session.execute(lock, wanted)}
        if len(found) < len(refs):
            for ref in refs:  # sorted: concurrent openers insert in the same order
                if ref not in found:
                    await insert_ignore(self._session, accounts,
                                        {"kind": ref.kind.value, "owner": ref.owner.key,
                                         "currency": ref.currency, "balance": 0},
                                        conflict=["kind", "owner", "currency"])
            found = {_ref(row): (row.id, int(row.balance))
                     for row in await self._session.execute(lock, wanted)}
        return found

    async def _check_settlements(self, tx: Transaction, ids: dict[AccountRef, int]) -> None:
        """Every pending debit must settle an open hold of that account, whole, once."""
        settling = [p for p in tx.postings if p.hold_id is not None]
        if len({p.hold_id for p in settling}) != len(settling):
            raise HoldNotOpen(f"{tx.key}: a hold is settled twice in one transaction")
        for posting in settling:
            row = (await self._session.execute(select(holds).where(
                holds.c.id == posting.hold_id))).first()
            if (row is None or row.settled_by is not None
                    or row.account_id != ids[posting.account]
                    or row.amount != -posting.amount.minor):
                raise HoldNotOpen(f"{tx.key}: hold {posting.hold_id} is not open for "
                                  f"{-posting.amount} on {posting.account}")

    async def _insert_transaction(self, tx: Transaction, digest: str) -> int | None:
        """Insert the transaction row; None if its key appeared meanwhile."""
        result = await self._session.execute(
            _INSERT_TRANSACTION[dialect_name(self._session)],
            {"key": tx.key, "kind": tx.kind, "memo": tx.memo, "content_hash": digest,
             "created_at": tx.created_at})
        return result.scalar_one_or_none()

    async def _write(self, tx: Transaction, tx_id: int, digest: str,
                     ids: dict[AccountRef, int], deltas: dict[int, int]) -> PostedTransaction:
        """Write holds, postings, balances and settlements of a new transaction."""
        opened: list[Hold] = []
        rows = []
        for posting in tx.postings:
            hold_id = posting.hold_id
            if posting.clears_at is not None:
                hold = await self._open_hold(tx, tx_id, posting, ids[posting.account])
                opened.append(hold)
                hold_id = hold.id
            rows.append({"transaction_id": tx_id, "account_id": ids[posting.account],
                         "amount": posting.amount.minor, "currency": posting.amount.currency,
                         "hold_id": hold_id})
        await self._session.execute(_INSERT_POSTINGS, rows)
        changed = [{"account_id": account_id, "delta": delta}
                   for account_id, delta in sorted(deltas.items()) if delta]
        if changed:
            await self._session.execute(_ADD_TO_BALANCE, changed)
        settled = [p.hold_id for p in tx.postings if p.hold_id is not None]
        if settled:
            await self._session.execute(update(holds).where(holds.c.id.in_(settled)).values(
                settled_by=tx_id, settled_at=tx.created_at))
        return PostedTransaction(id=tx_id, key=tx.key, kind=tx.kind, memo=tx.memo,
                                 created_at=tx.created_at, content_hash=digest,
                                 postings=tx.postings, holds=tuple(opened))

    async def _open_hold(self, tx: Transaction, tx_id: int, posting: Posting,
                         account_id: int) -> Hold:
        """Insert the hold a pending credit opens."""
        assert posting.clears_at is not None
        result = await self._session.execute(holds.insert().values(
            account_id=account_id, transaction_id=tx_id, amount=posting.amount.minor,
            clears_at=posting.clears_at, created_at=tx.created_at).returning(holds.c.id))
        return Hold(id=result.scalar_one(), account=posting.account, amount=posting.amount,
                    clears_at=posting.clears_at, created_at=tx.created_at)

    async def _load(self, row: Any, replayed: bool = False) -> PostedTransaction:
        """A stored transaction with its postings and the holds it opened."""
        lines = await self._session.execute(
            select(postings.c.amount, postings.c.hold_id, accounts.c.kind, accounts.c.owner,
                   accounts.c.currency, holds.c.clears_at, holds.c.transaction_id)
            .join(accounts, accounts.c.id == postings.c.account_id)
            .outerjoin(holds, holds.c.id == postings.c.hold_id)
            .where(postings.c.transaction_id == row.id).order_by(postings.c.id))
        items = []
        for line in lines:
            ref = AccountRef(AccountKind(line.kind), Owner.parse(line.owner), line.currency)
            credit_hold = line.amount > 0 and line.hold_id is not None
            items.append(Posting(ref, Money(int(line.amount), line.currency),
                                 clears_at=line.clears_at if credit_hold else None,
                                 hold_id=None if line.amount > 0 else line.hold_id))
        opened = await self._session.execute(
            select(*_HOLD_COLUMNS).join(accounts, accounts.c.id == holds.c.account_id)
            .where(holds.c.transaction_id == row.id).order_by(holds.c.id))
        return PostedTransaction(id=row.id, key=row.key, kind=row.kind, memo=row.memo,
                                 created_at=row.created_at, content_hash=row.content_hash,
                                 postings=tuple(items),
                                 holds=tuple(hold_from_row(h) for h in opened),
                                 replayed=replayed)

    async def get(self, key: str) -> PostedTransaction | None:
        """The transaction recorded under ``key``, if any."""
        row = (await self._session.execute(
            select(transactions).where(transactions.c.key == key))).first()
        return await self._load(row) if row else None

    async def balance(self, ref: AccountRef) -> Money:
        """The maintained balance: one indexed row, however many postings there are."""
        value = (await self._session.execute(select(accounts.c.balance).where(
            accounts.c.kind == ref.kind.value, accounts.c.owner == ref.owner.key,
            accounts.c.currency == ref.currency))).scalar_one_or_none()
        return Money(int(value or 0), ref.currency)

    async def holds_due(self, at: datetime, limit: int = 500) -> list[Hold]:
        """Open holds with ``clears_at <= at``, oldest first."""
        rows = await self._session.execute(
            select(*_HOLD_COLUMNS).join(accounts, accounts.c.id == holds.c.account_id)
            .where(holds.c.settled_by.is_(None), holds.c.clears_at <= at)
            .order_by(holds.c.clears_at, holds.c.id).limit(limit))
        return [hold_from_row(row) for row in rows]

    async def open_holds(self, owner: Owner, currency: str | None = None) -> list[Hold]:
        """Open holds of ``owner``, soonest first (HOLD-04)."""
        condition = and_(accounts.c.owner == owner.key,
                         accounts.c.kind == AccountKind.EXPERT_PENDING.value,
                         holds.c.settled_by.is_(None))
        if currency is not None:
            condition = and_(condition, accounts.c.currency == currency)
        rows = await self._session.execute(
            select(*_HOLD_COLUMNS).join(accounts, accounts.c.id == holds.c.account_id)
            .where(condition).order_by(holds.c.clears_at, holds.c.id))
        return [hold_from_row(row) for row in rows]

    async def get_hold(self, hold_id: int) -> Hold | None:
        """One hold, settled or not."""
        row = (await self._session.execute(
            select(*_HOLD_COLUMNS).join(accounts, accounts.c.id == holds.c.account_id)
            .where(holds.c.id == hold_id))).first()
        return hold_from_row(row) if row else None

    async def history(self, ref: AccountRef, limit: int = 10,
                      before_id: int | None = None) -> list[StatementLine]:
        """The account's transactions, newest first, each with its net effect on it."""
        account = await self.accounts.find(ref)
        if account is None:
            return []
        condition = postings.c.account_id == account.id
        if before_id is not None:
            condition = and_(condition, postings.c.transaction_id < before_id)
        total = func.sum(postings.c.amount).label("total")
        rows = await self._session.execute(
            select(transactions.c.id, transactions.c.kind, transactions.c.memo,
                   transactions.c.created_at, total)
            .join(transactions, transactions.c.id == postings.c.transaction_id)
            .where(condition)
            .group_by(transactions.c.id, transactions.c.kind, transactions.c.memo,
                      transactions.c.created_at)
            .order_by(transactions.c.id.desc()).limit(limit))
        return [StatementLine(row.id, row.kind, row.memo, row.created_at,
                              Money(int(row.total), ref.currency)) for row in rows]

    async def audit(self, sample: int = 20) -> LedgerAudit:
        """Scan the whole ledger for the operator check."""
        return await audit_ledger(self._session, sample)
