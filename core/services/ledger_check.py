"""The operator check of the ledger (``python -m bot check-ledger``, ``/ledger_check``).

It proves the invariants stated in :mod:`core.ledger` against what is stored:

1. every transaction's postings sum to zero per currency (so all balances of a currency sum
   to zero as well);
2. every maintained balance equals the sum of its account's postings;
3. no guarded account is negative;
4. every pending account's balance equals the sum of its open holds (each pending amount has
   a date, HOLD-04), and every posting is in its account's currency.

Storage scans the ledger with aggregate queries (:meth:`core.ports.LedgerRepo.audit`); this
module judges the findings. The report is for operators, in English, not translated.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.ledger_audit import LedgerAudit
from core.ports import UnitOfWork

__all__ = ["LedgerReport", "check_ledger"]


@dataclass(frozen=True, slots=True)
class LedgerReport:
    """The verdict of :func:`check_ledger` with the facts behind it."""

    audit: LedgerAudit

    @property
    def problems(self) -> list[str]:
        """One line per problem found (empty when the ledger is sound)."""
        audit, lines = self.audit, []
        for imbalance in audit.imbalances:
            if imbalance.currency == "-":
                lines.append(f"transaction {imbalance.transaction_id} ({imbalance.key}) has "
                             "fewer than two postings")
                continue
            lines.append(f"transaction {imbalance.transaction_id} ({imbalance.key}) sums to "
                         f"{imbalance.total} {imbalance.currency} minor units, not 0")
        for currency, total in sorted(audit.totals.items()):
            if total:
                lines.append(f"balances of {currency} sum to {total} minor units, not 0")
        for mismatch in audit.balance_mismatches:
            lines.append(f"account {mismatch.account} keeps balance {mismatch.maintained} but "
                         f"its postings sum to {mismatch.expected}")
        for mismatch in audit.hold_mismatches:
            lines.append(f"pending account {mismatch.account} holds {mismatch.maintained} but "
                         f"its open holds sum to {mismatch.expected}")
        for account in audit.negative_guarded:
            lines.append(f"guarded account {account.ref} is negative: {account.balance}")
        if audit.currency_mismatches:
            lines.append(f"{audit.currency_mismatches} postings are not in their account's "
                         "currency")
        return lines

    @property
    def ok(self) -> bool:
        """True when every invariant holds."""
        return not self.problems

    def summary_lines(self) -> list[str]:
        """A short human summary: counts, per-currency totals, then every problem."""
        audit = self.audit
        lines = [
            "ledger check: " + ("OK" if self.ok else f"FAILED ({len(self.problems)} problems)"),
            f"accounts: {audit.accounts}, transactions: {audit.transactions}, "
            f"postings: {audit.postings}, open holds: {audit.open_holds}",
        ]
        for currency, total in sorted(audit.totals.items()):
            lines.append(f"{currency}: balances sum to {total} (must be 0)")
        return lines + [f"PROBLEM: {problem}" for problem in self.problems]


async def check_ledger(uow: UnitOfWork, sample: int = 20) -> LedgerReport:
    """Verify the ledger's invariants; ``sample`` caps how many of each problem are listed."""
    return LedgerReport(await uow.ledger.audit(sample=sample))
