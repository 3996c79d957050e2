"""A payout: the freelancer's request to get money out, and its way through PAY-07."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from core.money import Money
from core.payouts.methods import MethodKind
from core.payouts.states import PayoutAction, PayoutActor, PayoutState, guard

__all__ = ["Bonus", "BonusKind", "DirectHire", "HireState", "Payout", "PayoutProfile"]


@dataclass(slots=True)
class PayoutProfile:
    """What payouts need to know about a freelancer: the legal name and the HOLD-02 hold."""

    user_id: int
    legal_name: str | None = None
    hold_until: datetime | None = None  # HOLD-02: no payout requested before this

    def on_hold(self, at: datetime) -> bool:
        """True while a HOLD-02 hold runs."""
        return self.hold_until is not None and at < self.hold_until


@dataclass(slots=True)
class Payout:
    """One payout; its money sits in "payouts in flight" from request until it ends."""

    id: int | None
    user_id: int
    method_id: int
    method_kind: MethodKind
    method_masked: str  # the method as shown (masked), kept as it was at the request
    amount: Money  # what leaves the available balance
    fee: Money  # the method's fee (PAY-02), kept by the platform when paid
    state: PayoutState
    requested_at: datetime
    process_on: date  # PAY-04: its business day
    updated_at: datetime
    reference: str | None = None  # the provider's reference once sent
    reason: str | None = None  # why it failed, was returned or refused
    version: int = 0
    history: list[tuple[PayoutState, datetime]] = field(default_factory=list)

    @property
    def arrives(self) -> Money:
        """What the freelancer receives: the amount less the method's fee."""
        return self.amount - self.fee

    def move(self, action: PayoutAction, actor: PayoutActor, at: datetime) -> PayoutState:
        """Apply ``action`` through the state table; return the new state."""
        self.state = guard(self.state, action, actor)
        self.updated_at = at
        self.history.append((self.state, at))
        return self.state


class BonusKind(StrEnum):
    """A bonus (earnings: FEE-01 applies) or an expense reimbursement (no fee)."""

    BONUS = "bonus"
    EXPENSE = "expense"


@dataclass(slots=True)
class Bonus:
    """A one-time payment from a client to a freelancer on a contract."""

    id: int | None
    contract_id: int
    client_id: int
    expert_id: int
    kind: BonusKind
    amount: Money
    note: str
    created_at: datetime
    paid_at: datetime | None = None
    intent_id: int | None = None  # the invoice of a shortfall, if one was needed


class HireState(StrEnum):
    """Where a Hire Direct request is."""

    REQUESTED = "requested"  # the client asked; support sets the salary
    OFFERED = "offered"  # the salary and fee are set; the client pays
    PAID = "paid"  # the pair is hired direct


@dataclass(slots=True)
class DirectHire:
    """A client's request to hire a freelancer directly, and its fee."""

    id: int | None
    client_id: int
    expert_id: int
    requested_at: datetime
    salary: Money | None = None
    fee: Money | None = None
    offered_by: int | None = None
    paid_at: datetime | None = None
    intent_id: int | None = None

    @property
    def state(self) -> HireState:
        """Derived from what is set."""
        if self.paid_at is not None:
            return HireState.PAID
        return HireState.OFFERED if self.fee is not None else HireState.REQUESTED
