"""The double-entry ledger: accounts, transactions, postings, holds.

Design (after django-hordak and beancount):

* An **account** is identified by its kind, its owner and its currency (:class:`AccountRef`).
  Kinds: a client's wallet, a milestone's escrow, an expert's pending and available money, an
  expert's payouts in flight, the platform's fees, and the payment gateway's clearing account
  (the outside world: it goes negative as money comes in).
* A **transaction** moves money between accounts. It is a list of **postings**, each a signed
  amount on one account (positive increases the account's balance). **Invariant: the postings
  of a transaction sum to zero per currency**, so the sum of all balances of a currency is
  always zero (conservation). Zero postings and empty transactions are refused.
* **Idempotency**: every transaction carries a key made by the caller (``topup:<charge id>``,
  ``hold-clear:<hold id>``). Posting the same key with the same content returns the original
  transaction; the same key with different content raises :class:`IdempotencyConflict` and
  writes nothing. "Content" is the kind and the postings (accounts, amounts, settled holds);
  the memo, the instant and the holds' clearing instants are not: a retry later (say, a
  release retried the next day, whose HOLD-01 date would come out a day later) is the same
  request, and gets the original back with the original's dates.
* **Append-only**: postings are never updated or deleted (database triggers refuse it); a
  correction is a new transaction.
* **Maintained balances**: each account stores its balance, updated in the same database
  transaction as its postings; the operator check (:mod:`core.services.ledger_check`) proves
  it equals the sum of the postings.
* **Guarded accounts** (:data:`GUARDED_KINDS`) never go negative: storage checks them inside
  the write transaction with the accounts locked, and a CHECK constraint backs it up.
  :class:`InsufficientFunds` is raised before anything is written.
* **Holds**: a credit to an expert's pending account carries its clearing instant and opens a
  :class:`Hold`; money leaves a pending account only by settling a whole hold (a debit that
  names it). So a pending balance is always the sum of its open holds, each with its date
  (HOLD-04). :mod:`core.holds` clears matured holds into the available account (HOLD-01).

Domain rules are checked here (:func:`validate`, named exceptions) and again by the database.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from core.errors import N_, Conflict
from core.money import Money

__all__ = [
    "GUARDED_KINDS",
    "Account",
    "AccountKind",
    "AccountRef",
    "EmptyTransaction",
    "Hold",
    "HoldNotOpen",
    "IdempotencyConflict",
    "InsufficientFunds",
    "InvalidPosting",
    "LedgerError",
    "Owner",
    "OwnerType",
    "PostedTransaction",
    "Posting",
    "StatementLine",
    "Transaction",
    "UnbalancedTransaction",
    "ZeroPosting",
    "content_hash",
    "validate",
]

MAX_KEY_LENGTH = 200


class LedgerError(Exception):
    """A transaction breaks a ledger invariant (a programming error, not a user's)."""


class EmptyTransaction(LedgerError):
    """A transaction without postings, or with a single one."""


class ZeroPosting(LedgerError):
    """A posting of zero moves nothing and is refused."""


class UnbalancedTransaction(LedgerError):
    """The postings of a transaction do not sum to zero in some currency."""


class InvalidPosting(LedgerError):
    """A posting is malformed: wrong currency for its account, a misplaced hold or date."""


class IdempotencyConflict(LedgerError):
    """The idempotency key was already used for a transaction with different content."""


class HoldNotOpen(LedgerError):
    """A debit names a hold that does not exist, is settled, or has another amount."""


class InsufficientFunds(Conflict):
    """A guarded account would go negative; nothing was written."""

    def __init__(self, account: AccountRef, balance: Money, needed: Money) -> None:
        super().__init__(N_("There is not enough money for this."))
        self.account, self.balance, self.needed = account, balance, needed

    def __str__(self) -> str:
        return f"{self.account}: balance {self.balance}, needs {self.needed}"


class OwnerType(StrEnum):
    """Who an account belongs to."""

    USER = "user"
    MILESTONE = "milestone"
    PLATFORM = "platform"


class AccountKind(StrEnum):
    """What an account holds."""

    CLIENT_WALLET = "client_wallet"
    MILESTONE_ESCROW = "milestone_escrow"
    EXPERT_PENDING = "expert_pending"
    EXPERT_AVAILABLE = "expert_available"
    PAYOUT_IN_FLIGHT = "payout_in_flight"
    PLATFORM_FEES = "platform_fees"
    GATEWAY_CLEARING = "gateway_clearing"


#: Accounts that must never go negative.
GUARDED_KINDS: frozenset[AccountKind] = frozenset({
    AccountKind.CLIENT_WALLET, AccountKind.MILESTONE_ESCROW, AccountKind.EXPERT_PENDING,
    AccountKind.EXPERT_AVAILABLE, AccountKind.PAYOUT_IN_FLIGHT,
})

OWNER_OF_KIND: dict[AccountKind, OwnerType] = {
    AccountKind.CLIENT_WALLET: OwnerType.USER,
    AccountKind.MILESTONE_ESCROW: OwnerType.MILESTONE,
    AccountKind.EXPERT_PENDING: OwnerType.USER,
    AccountKind.EXPERT_AVAILABLE: OwnerType.USER,
    AccountKind.PAYOUT_IN_FLIGHT: OwnerType.USER,
    AccountKind.PLATFORM_FEES: OwnerType.PLATFORM,
    AccountKind.GATEWAY_CLEARING: OwnerType.PLATFORM,
}


@dataclass(frozen=True, slots=True, order=True)
class Owner:
    """A user, a milestone, or the platform."""

    type: OwnerType
    id: int | None = None

    def __post_init__(self) -> None:
        if (self.type is OwnerType.PLATFORM) != (self.id is None):
            raise ValueError("the platform has no id; users and milestones have one")

    @classmethod
    def user(cls, user_id: int) -> Owner:
        """The owner for a user's accounts."""
        return cls(OwnerType.USER, user_id)

    @classmethod
    def milestone(cls, milestone_id: int) -> Owner:
        """The owner for a milestone's escrow."""
        return cls(OwnerType.MILESTONE, milestone_id)

    @classmethod
    def platform(cls) -> Owner:
        """The owner of fees and gateway clearing."""
        return cls(OwnerType.PLATFORM)

    @property
    def key(self) -> str:
        """Stored form: ``user:42``, ``milestone:7``, ``platform``."""
        return self.type.value if self.id is None else f"{self.type.value}:{self.id}"

    @classmethod
    def parse(cls, key: str) -> Owner:
        """Inverse of :attr:`key`."""
        kind, _, ident = key.partition(":")
        return cls(OwnerType(kind), int(ident) if ident else None)


@dataclass(frozen=True, slots=True, order=True)
class AccountRef:
    """Which account: kind, owner and currency together identify it."""

    kind: AccountKind
    owner: Owner
    currency: str

    def __post_init__(self) -> None:
        if OWNER_OF_KIND[self.kind] is not self.owner.type:
            raise ValueError(f"a {self.kind} account belongs to a {OWNER_OF_KIND[self.kind]}")
        Money.zero(self.currency)  # validates the currency code

    @property
    def guarded(self) -> bool:
        """True if this account may never go negative."""
        return self.kind in GUARDED_KINDS

    def __str__(self) -> str:
        return f"{self.kind}/{self.owner.key}/{self.currency}"


@dataclass(frozen=True, slots=True)
class Account:
    """A stored account with its maintained balance."""

    id: int
    ref: AccountRef
    balance: Money

    @property
    def guarded(self) -> bool:
        """True if this account may never go negative."""
        return self.ref.guarded


@dataclass(frozen=True, slots=True)
class Posting:
    """A signed amount on one account; positive increases its balance.

    A credit to an expert's pending account carries ``clears_at`` (it opens a hold); a debit
    of a pending account names the hold it settles in ``hold_id``.
    """

    account: AccountRef
    amount: Money
    clears_at: datetime | None = None
    hold_id: int | None = None


@dataclass(frozen=True, slots=True)
class Transaction:
    """A balanced set of postings with the caller's idempotency key."""

    key: str
    kind: str
    postings: tuple[Posting, ...]
    created_at: datetime
    memo: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "postings", tuple(self.postings))


@dataclass(frozen=True, slots=True)
class Hold:
    """Money on an expert's pending account until ``clears_at`` (HOLD-01, HOLD-04)."""

    id: int
    account: AccountRef
    amount: Money
    clears_at: datetime
    created_at: datetime
    settled_by: int | None = None  # the transaction that cleared or reversed it
    settled_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        """True until cleared or reversed."""
        return self.settled_by is None

    def is_overdue(self, at: datetime) -> bool:
        """True if its date passed and it has not cleared yet (HOLD-04: say why)."""
        return self.is_open and self.clears_at <= at

    @property
    def owner_id(self) -> int:
        """The expert whose money this is."""
        assert self.account.owner.id is not None
        return self.account.owner.id


@dataclass(frozen=True, slots=True)
class PostedTransaction:
    """A transaction as stored: its id, postings and the holds it opened."""

    id: int
    key: str
    kind: str
    memo: str
    created_at: datetime
    content_hash: str
    postings: tuple[Posting, ...]
    holds: tuple[Hold, ...] = ()
    replayed: bool = field(default=False, compare=False)  # True: an idempotent repeat


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One transaction as seen from one account (for a wallet's recent history)."""

    transaction_id: int
    kind: str
    memo: str
    created_at: datetime
    amount: Money  # signed: positive came in


def _totals(postings: Iterable[Posting]) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for posting in postings:
        totals[posting.amount.currency] += posting.amount.minor
    return totals


def validate(tx: Transaction) -> None:
    """Raise a named :class:`LedgerError` unless ``tx`` is a well-formed, balanced transaction."""
    if not tx.key or len(tx.key) > MAX_KEY_LENGTH:
        raise LedgerError(f"idempotency key must be 1..{MAX_KEY_LENGTH} characters")
    if not tx.kind:
        raise LedgerError("a transaction needs a kind")
    if tx.created_at.tzinfo is None:
        raise LedgerError("created_at must be an aware UTC instant")
    if len(tx.postings) < 2:
        raise EmptyTransaction(f"{tx.key}: a transaction needs at least two postings")
    for posting in tx.postings:
        _validate_posting(tx.key, posting)
    unbalanced = {cur: total for cur, total in _totals(tx.postings).items() if total}
    if unbalanced:
        raise UnbalancedTransaction(f"{tx.key}: postings sum to {unbalanced}, not zero")


def _validate_posting(key: str, posting: Posting) -> None:
    if posting.amount.is_zero:
        raise ZeroPosting(f"{key}: zero posting on {posting.account}")
    if posting.amount.currency != posting.account.currency:
        raise InvalidPosting(f"{key}: {posting.amount} on a {posting.account.currency} account")
    pending = posting.account.kind is AccountKind.EXPERT_PENDING
    credit = posting.amount.is_positive
    if (posting.clears_at is not None) != (pending and credit):
        raise InvalidPosting(f"{key}: clears_at belongs to (and only to) pending credits")
    if posting.clears_at is not None and posting.clears_at.tzinfo is None:
        raise InvalidPosting(f"{key}: clears_at must be an aware UTC instant")
    if (posting.hold_id is not None) != (pending and not credit):
        raise InvalidPosting(f"{key}: a pending debit must name the hold it settles")


def content_hash(tx: Transaction) -> str:
    """A digest of what makes two requests "the same" for idempotency.

    The kind and the postings (account, amount, settled hold); not the memo, the instant or
    a hold's clearing instant (all derived from when the request ran, not what it asks).
    """
    lines = sorted((str(p.account), p.amount.minor, p.hold_id or 0) for p in tx.postings)
    payload = json.dumps({"kind": tx.kind, "postings": lines}, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()
