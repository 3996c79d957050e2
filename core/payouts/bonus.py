"""``/bonus``: a client pays a freelancer a bonus or reimburses an expense, with a note.

On an active or ended contract the client pays at once from the wallet (HOLD-03); a short
wallet gets an invoice for exactly the shortfall, and the bonus is paid in the unit of work
that credits that payment (:func:`pay_after_payment`). The money goes to the freelancer's
pending balance with a HOLD-01 hold (available at 00:00 of the paid date + 5 days). A bonus is
a release to the freelancer, so FEE-01's service fee is kept from it in the same ledger
transaction; an expense reimbursement is the freelancer's own cost paid back, so no fee is
kept (decided here). Not covered by billing security. Each bonus is paid once:
``bonus:<id>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.accounts import User, ensure_can_act
from core.contracts import Contract, ContractStatus
from core.errors import N_, InvalidInput, NotFound
from core.holds import available_at
from core.money import Money
from core.payouts.model import Bonus, BonusKind
from core.ports import UnitOfWork
from core.services.ledger import Leg, pending_account, release_legs, transfer, wallet_account

__all__ = ["Bonus", "BonusKind", "BonusShortfall", "offer_bonus", "pay_after_payment",
           "pay_bonus"]

NOTE_MAX = 500
CONTRACT_NOT_FOUND = N_("That contract does not exist or is not available to you.")
NOT_OPEN = N_("A bonus can be paid only on an active or ended contract.")
BAD_NOTE = N_("The note must be 1 to 500 characters.")
NOT_POSITIVE = N_("The amount must be more than zero.")


@dataclass(frozen=True, slots=True)
class BonusShortfall:
    """The wallet lacks ``missing``: invoice it, then :func:`pay_after_payment`."""

    bonus: Bonus
    missing: Money


async def _contract(uow: UnitOfWork, user: User, contract_id: int) -> Contract:
    contract = await uow.market.contracts.get(contract_id)
    if contract is None or contract.client_id != user.id:
        raise NotFound(CONTRACT_NOT_FOUND)
    if contract.status not in (ContractStatus.ACTIVE, ContractStatus.ENDED):
        raise InvalidInput(NOT_OPEN)
    return contract


async def offer_bonus(uow: UnitOfWork, user: User, contract_id: int, kind: BonusKind,
                      amount: Money, note: str, now: datetime) -> Bonus | BonusShortfall:
    """Record the bonus and pay it from the wallet, or say what the wallet lacks."""
    ensure_can_act(user)
    contract = await _contract(uow, user, contract_id)
    text = " ".join(note.split())
    if not 1 <= len(text) <= NOTE_MAX:
        raise InvalidInput(BAD_NOTE)
    if not amount.is_positive:
        raise InvalidInput(NOT_POSITIVE)
    assert contract.id is not None
    bonus = await uow.payouts.add_bonus(Bonus(
        id=None, contract_id=contract.id, client_id=user.id, expert_id=contract.expert_id,
        kind=kind, amount=amount, note=text, created_at=now))
    balance = await uow.ledger.balance(wallet_account(user.id, amount.currency))
    if balance < amount:
        return BonusShortfall(bonus, amount - balance)
    await pay_bonus(uow, bonus, now)
    return bonus


async def pay_bonus(uow: UnitOfWork, bonus: Bonus, now: datetime) -> None:
    """Wallet -> the freelancer's pending money (HOLD-01), the fee to the platform (FEE-01)."""
    assert bonus.id is not None
    wallet = wallet_account(bonus.client_id, bonus.amount.currency)
    clears = available_at(now)
    legs = (release_legs(wallet, bonus.expert_id, bonus.amount, clears)
            if bonus.kind is BonusKind.BONUS else
            [Leg(wallet, pending_account(bonus.expert_id, bonus.amount.currency), bonus.amount,
                 clears_at=clears)])
    await transfer(uow, key=f"bonus:{bonus.id}", kind=bonus.kind.value, at=now, legs=legs,
                   memo=bonus.note)
    bonus.paid_at = now
    await uow.payouts.save_bonus(bonus)


async def pay_after_payment(uow: UnitOfWork, intent_id: int, now: datetime) -> Bonus | None:
    """After a bonus's invoice was credited: pay the bonus (None if it is not a bonus's)."""
    bonus = await uow.payouts.bonus_for_intent(intent_id)
    if bonus is None or bonus.paid_at is not None:
        return None
    balance = await uow.ledger.balance(wallet_account(bonus.client_id, bonus.amount.currency))
    if balance < bonus.amount:  # the wallet was spent meanwhile: the money stays there
        return None
    await pay_bonus(uow, bonus, now)
    return bonus
