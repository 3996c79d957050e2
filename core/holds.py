"""Holds: when an expert's pending money becomes available, and the tick that clears it.

HOLD-01: fixed-rate releases, bonuses, expense reimbursements and other client-initiated
payments become available at 00:00 UTC of the processed date plus 5 days (processed Monday ->
available Saturday, ..., Sunday -> Friday). BILL-06 (hourly: Wednesday of day 17) will compute
its own instant and use the same mechanism: a credit to the pending account with ``clears_at``.

:func:`clear_due_holds` is what the scheduler's tick calls: every open hold whose instant has
come is moved pending -> available in its own ledger transaction keyed ``hold-clear:<id>``, so
a tick repeated, or run late after downtime, clears each hold exactly once.
:func:`pending_holds` lists a user's pending amounts with their dates (HOLD-04).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from core.clock import ensure_utc
from core.ledger import Hold, Owner, PostedTransaction
from core.ports import UnitOfWork
from core.services.ledger import Leg, available_account, transfer

__all__ = [
    "HOLD_DAYS",
    "ClearedHold",
    "available_at",
    "clear_due_holds",
    "clear_key",
    "pending_holds",
]

#: HOLD-01: days between the processed date and availability.
HOLD_DAYS = 5
DEFAULT_BATCH = 500


def available_at(processed_at: datetime) -> datetime:
    """HOLD-01: 00:00 UTC of the date ``processed_at`` falls on (in UTC), plus 5 days."""
    day = ensure_utc(processed_at).date() + timedelta(days=HOLD_DAYS)
    return datetime.combine(day, time.min, tzinfo=UTC)


def clear_key(hold_id: int) -> str:
    """The idempotency key of the transaction that clears hold ``hold_id``."""
    return f"hold-clear:{hold_id}"


@dataclass(frozen=True, slots=True)
class ClearedHold:
    """A hold that became available: whose, how much, and the transaction that moved it."""

    hold: Hold
    transaction: PostedTransaction

    @property
    def user_id(self) -> int:
        """The expert to notify."""
        return self.hold.owner_id


async def clear_due_holds(uow: UnitOfWork, at: datetime,
                          limit: int = DEFAULT_BATCH) -> list[ClearedHold]:
    """Move every hold due at ``at`` from pending to available; return what cleared.

    Each hold is its own idempotent transaction (``hold-clear:<id>``). At most ``limit``
    holds are cleared per call, oldest first; call again while the result is full. The caller
    commits (and writes the notifications in the same unit of work).
    """
    cleared = []
    for hold in await uow.ledger.holds_due(at, limit=limit):
        account = hold.account
        destination = available_account(hold.owner_id, account.currency)
        tx = await transfer(uow, key=clear_key(hold.id), kind="hold_clear", at=at,
                            legs=Leg(account, destination, hold.amount, hold_id=hold.id))
        cleared.append(ClearedHold(hold, tx))
    return cleared


async def pending_holds(uow: UnitOfWork, user_id: int,
                        currency: str | None = None) -> list[Hold]:
    """HOLD-04: the user's pending amounts, each with its clearing instant, soonest first."""
    return await uow.ledger.open_holds(Owner.user(user_id), currency)
