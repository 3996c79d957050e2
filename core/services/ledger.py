"""Moving money: :func:`transfer` is the one way, and every other money service calls it.

A transfer is one ledger transaction made of *legs* (from one account to another, a positive
amount). It is validated here (named exceptions from :mod:`core.ledger`) and posted through
``uow.ledger``, which checks guarded balances inside the write transaction and is idempotent
by ``key``. Services never commit: the caller commits the unit of work.

The wrappers below name the everyday movements; their keys are the caller's responsibility
(one key per real-world event: a Telegram charge id, a milestone's funding request...).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from core.ledger import (
    AccountKind,
    AccountRef,
    Hold,
    InvalidPosting,
    Owner,
    PostedTransaction,
    Posting,
    StatementLine,
    Transaction,
    ZeroPosting,
    validate,
)
from core.money import Money
from core.payouts.fees import split_fee
from core.payouts.policy import current
from core.ports import UnitOfWork

__all__ = [
    "Leg",
    "WalletView",
    "available_account",
    "escrow_account",
    "fees_account",
    "fund_escrow",
    "gateway_account",
    "payout_account",
    "pending_account",
    "refund_escrow",
    "release_escrow",
    "release_legs",
    "top_up",
    "transfer",
    "wallet_account",
    "wallet_view",
]


def wallet_account(user_id: int, currency: str) -> AccountRef:
    """A client's wallet (money topped up, not yet committed to a milestone)."""
    return AccountRef(AccountKind.CLIENT_WALLET, Owner.user(user_id), currency)


def escrow_account(milestone_id: int, currency: str) -> AccountRef:
    """A milestone's escrow (HOLD-03: its funding goes here)."""
    return AccountRef(AccountKind.MILESTONE_ESCROW, Owner.milestone(milestone_id), currency)


def pending_account(user_id: int, currency: str) -> AccountRef:
    """An expert's money on hold (HOLD-01, BILL-06)."""
    return AccountRef(AccountKind.EXPERT_PENDING, Owner.user(user_id), currency)


def available_account(user_id: int, currency: str) -> AccountRef:
    """An expert's money that may be paid out (PAY-01)."""
    return AccountRef(AccountKind.EXPERT_AVAILABLE, Owner.user(user_id), currency)


def payout_account(user_id: int, currency: str) -> AccountRef:
    """An expert's payouts requested and not yet confirmed by the payout provider."""
    return AccountRef(AccountKind.PAYOUT_IN_FLIGHT, Owner.user(user_id), currency)


def fees_account(currency: str) -> AccountRef:
    """The platform's fee income."""
    return AccountRef(AccountKind.PLATFORM_FEES, Owner.platform(), currency)


def gateway_account(currency: str) -> AccountRef:
    """The payment gateway's clearing account: the outside world (negative as money enters)."""
    return AccountRef(AccountKind.GATEWAY_CLEARING, Owner.platform(), currency)


@dataclass(frozen=True, slots=True)
class Leg:
    """``amount`` (positive) from ``source`` to ``destination``.

    ``clears_at`` is required when the destination is a pending account (the hold's date);
    ``hold_id`` when the source is one (the hold this leg settles, whole).
    """

    source: AccountRef
    destination: AccountRef
    amount: Money
    clears_at: datetime | None = None
    hold_id: int | None = None

    def postings(self) -> tuple[Posting, Posting]:
        """The debit and the credit of this leg."""
        if self.amount.is_zero:
            raise ZeroPosting(f"zero transfer from {self.source} to {self.destination}")
        if self.amount.is_negative:
            raise InvalidPosting(f"negative transfer {self.amount}: swap the accounts instead")
        return (Posting(self.source, -self.amount, hold_id=self.hold_id),
                Posting(self.destination, self.amount, clears_at=self.clears_at))


async def transfer(uow: UnitOfWork, *, key: str, kind: str, legs: Leg | Sequence[Leg],
                   at: datetime, memo: str = "") -> PostedTransaction:
    """Move money atomically and idempotently: the single entry point for every movement.

    Args:
        uow: the open unit of work (not committed here).
        key: the caller's idempotency key; a repeat with the same legs returns the original.
        kind: what this is ("topup", "escrow_fund", "release", "refund", "hold_clear"...).
        legs: one leg or several, all recorded in one transaction.
        at: the current instant (from the injected clock).
        memo: free text for statements; not part of the idempotency content.

    Raises:
        InsufficientFunds: a guarded account would go negative; nothing is written.
        IdempotencyConflict: ``key`` was used for different legs; nothing is written.
        LedgerError: malformed legs (zero, negative, mixed currencies, missing hold date).
    """
    legs = (legs,) if isinstance(legs, Leg) else tuple(legs)
    postings = tuple(posting for leg in legs for posting in leg.postings())
    tx = Transaction(key=key, kind=kind, postings=postings, created_at=at, memo=memo)
    validate(tx)
    return await uow.ledger.post(tx)


async def top_up(uow: UnitOfWork, *, user_id: int, amount: Money, charge_id: str,
                 at: datetime) -> PostedTransaction:
    """Credit a wallet with a successful payment, once per gateway charge id."""
    return await transfer(uow, key=f"topup:{charge_id}", kind="topup", at=at,
                          legs=Leg(gateway_account(amount.currency),
                                   wallet_account(user_id, amount.currency), amount),
                          memo=charge_id)


async def fund_escrow(uow: UnitOfWork, *, client_id: int, milestone_id: int, amount: Money,
                      key: str, at: datetime) -> PostedTransaction:
    """Move a client's money from their wallet into a milestone's escrow (HOLD-03, MS-05)."""
    return await transfer(uow, key=key, kind="escrow_fund", at=at,
                          legs=Leg(wallet_account(client_id, amount.currency),
                                   escrow_account(milestone_id, amount.currency), amount))


async def release_escrow(uow: UnitOfWork, *, milestone_id: int, expert_id: int, amount: Money,
                         key: str, at: datetime, clears_at: datetime,
                         fee: Money | None = None) -> PostedTransaction:
    """Release escrow to the expert's pending money until ``clears_at`` (MS-06).

    Pass ``core.holds.available_at(at)`` as ``clears_at`` for HOLD-01. ``fee`` (if any) goes
    from the escrow to the platform; the expert receives ``amount - fee``.
    """
    escrow = escrow_account(milestone_id, amount.currency)
    net = amount - fee if fee else amount
    legs = [Leg(escrow, pending_account(expert_id, amount.currency), net, clears_at=clears_at)]
    if fee and fee.is_positive:
        legs.append(Leg(escrow, fees_account(amount.currency), fee))
    return await transfer(uow, key=key, kind="release", at=at, legs=legs)


def release_legs(source: AccountRef, expert_id: int, gross: Money,
                 clears_at: datetime) -> list[Leg]:
    """FEE-01: a release of ``gross`` as legs: the net to the expert's pending money (with its
    hold), the service fee (the policy's percentage, rounded half up) to the platform's fees.

    ``gross == fee + net`` always; a zero fee adds no leg.
    """
    split = split_fee(gross, current().fee_percent)
    legs = [Leg(source, pending_account(expert_id, gross.currency), split.net,
                clears_at=clears_at)] if split.net.is_positive else []
    if split.fee.is_positive:
        legs.append(Leg(source, fees_account(gross.currency), split.fee))
    return legs


async def refund_escrow(uow: UnitOfWork, *, milestone_id: int, client_id: int, amount: Money,
                        key: str, at: datetime) -> PostedTransaction:
    """Return escrowed money to the client's wallet (MS-06, MS-08)."""
    return await transfer(uow, key=key, kind="refund", at=at,
                          legs=Leg(escrow_account(milestone_id, amount.currency),
                                   wallet_account(client_id, amount.currency), amount))


@dataclass(frozen=True, slots=True)
class WalletView:
    """What ``/wallet`` shows a user in one currency (HOLD-04: pending amounts with dates)."""

    wallet: Money  # a client's money, not yet committed to a milestone
    available: Money  # an expert's money that may be paid out
    pending: tuple[Hold, ...]  # an expert's held money, soonest first, each with its date
    in_flight: Money  # payouts requested, not yet confirmed
    recent: tuple[StatementLine, ...]  # the wallet's latest movements, newest first

    @property
    def pending_total(self) -> Money:
        """The sum of the pending holds."""
        return sum((hold.amount for hold in self.pending), Money.zero(self.wallet.currency))


async def wallet_view(uow: UnitOfWork, user_id: int, currency: str,
                      recent: int = 5) -> WalletView:
    """Read everything ``/wallet`` shows; escrow is per milestone (see the milestones)."""
    ledger = uow.ledger
    return WalletView(
        wallet=await ledger.balance(wallet_account(user_id, currency)),
        available=await ledger.balance(available_account(user_id, currency)),
        pending=tuple(await ledger.open_holds(Owner.user(user_id), currency)),
        in_flight=await ledger.balance(payout_account(user_id, currency)),
        recent=tuple(await ledger.history(wallet_account(user_id, currency), limit=recent)),
    )
