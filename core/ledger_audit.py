"""What the operator check is told about the whole ledger (:mod:`core.services.ledger_check`).

Storage scans the ledger with aggregate queries (:meth:`core.ports.LedgerRepo.audit`) and
reports its findings in these values; the check judges them.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.ledger import Account, AccountRef

__all__ = ["BalanceMismatch", "Imbalance", "LedgerAudit"]


@dataclass(frozen=True, slots=True)
class Imbalance:
    """A transaction whose postings do not sum to zero in ``currency`` (operator check)."""

    transaction_id: int
    key: str
    currency: str
    total: int


@dataclass(frozen=True, slots=True)
class BalanceMismatch:
    """An account whose maintained balance differs from what the facts say (operator check)."""

    account: AccountRef
    maintained: int
    expected: int  # the sum of its postings, or of its open holds for a pending account


@dataclass(frozen=True, slots=True)
class LedgerAudit:
    """What storage found when scanning the whole ledger; :mod:`ledger_check` judges it."""

    accounts: int
    transactions: int
    postings: int
    open_holds: int
    totals: dict[str, int]  # per currency: sum of all maintained balances (must be 0)
    imbalances: tuple[Imbalance, ...]
    balance_mismatches: tuple[BalanceMismatch, ...]  # maintained balance != sum of postings
    hold_mismatches: tuple[BalanceMismatch, ...]  # pending balance != sum of open holds
    negative_guarded: tuple[Account, ...]
    currency_mismatches: int  # postings whose currency is not their account's
