"""What core needs from storage, as Protocols; ``storage`` implements them.

A unit of work is an async context manager: it rolls back unless :meth:`UnitOfWork.commit`
was called. Repositories never commit. Feature issues add their own repositories here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from core.accounts import User
from core.ledger import (
    Account,
    AccountKind,
    AccountRef,
    Hold,
    LedgerAudit,
    Owner,
    PostedTransaction,
    StatementLine,
    Transaction,
)
from core.money import Money
from core.rating import Award

__all__ = ["DialogRepo", "LedgerAccountsRepo", "LedgerRepo", "PointsRepo",
           "UnitOfWork", "UpdatesRepo", "UsersRepo"]


class UsersRepo(Protocol):
    async def get(self, user_id: int) -> User | None: ...

    async def add(self, user: User) -> None: ...

    async def save(self, user: User) -> None:
        """Persist changes to an existing user."""

    async def by_username(self, username: str) -> User | None: ...


class UpdatesRepo(Protocol):
    async def claim(self, update_id: int, at: datetime) -> bool:
        """Record ``update_id``; False if it was already processed (a duplicate)."""




class DialogRepo(Protocol):
    async def get(self, user_id: int) -> tuple[str | None, dict[str, Any]]:
        """The awaited input (``None`` outside a dialog) and its draft."""

    async def set(self, user_id: int, state: str | None, draft: Mapping[str, Any]) -> None: ...

    async def clear(self, user_id: int) -> None: ...


class PointsRepo(Protocol):
    async def award(self, user_id: int, award: Award, at: datetime) -> bool:
        """Record ``award`` once per (user, key); True if it was new."""

    async def total(self, user_id: int) -> int: ...


class LedgerAccountsRepo(Protocol):
    async def get_or_open(self, kind: AccountKind, owner: Owner, currency: str) -> Account:
        """The account, opened with a zero balance if it did not exist."""

    async def find(self, ref: AccountRef) -> Account | None: ...

    async def of_owner(self, owner: Owner) -> list[Account]:
        """Every account of ``owner``, in a stable order."""


class LedgerRepo(Protocol):
    """The ledger's storage (see :mod:`core.ledger` for the design and its invariants)."""

    accounts: LedgerAccountsRepo

    async def post(self, tx: Transaction) -> PostedTransaction:
        """Record a validated ``tx`` atomically, idempotently by its key.

        Raises:
            IdempotencyConflict: the key was used with other content (nothing is written).
            InsufficientFunds: a guarded account would go negative (nothing is written).
            HoldNotOpen: a pending debit names a hold that is not open with that amount.
        """

    async def get(self, key: str) -> PostedTransaction | None:
        """The transaction recorded under ``key``, if any."""

    async def balance(self, ref: AccountRef) -> Money:
        """The maintained balance (zero for an account never opened)."""

    async def holds_due(self, at: datetime, limit: int = 500) -> list[Hold]:
        """Open holds whose clearing instant is at or before ``at``, oldest first."""

    async def open_holds(self, owner: Owner, currency: str | None = None) -> list[Hold]:
        """Open holds of ``owner``'s pending accounts, by clearing date (HOLD-04)."""

    async def get_hold(self, hold_id: int) -> Hold | None: ...

    async def history(self, ref: AccountRef, limit: int = 10,
                      before_id: int | None = None) -> list[StatementLine]:
        """The account's latest transactions, newest first, older than ``before_id``."""

    async def audit(self, sample: int = 20) -> LedgerAudit:
        """Scan the whole ledger for the operator check (up to ``sample`` of each problem)."""


class UnitOfWork(Protocol):
    users: UsersRepo
    updates: UpdatesRepo
    dialogs: DialogRepo
    points: PointsRepo
    ledger: LedgerRepo

    async def __aenter__(self) -> UnitOfWork: ...

    async def __aexit__(self, *exc: object) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...
