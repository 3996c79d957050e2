"""Hire Direct and Bring-a-Client (PAY-06): the two ways a pair may deal outside the platform.

**Hire Direct.** A client who has (or had) a contract with a freelancer asks to hire them
directly; support sets the annual salary offered; the client pays the Hire Direct fee,
:data:`HIRE_DIRECT_PERCENT` (13.5%) of that salary, rounded half up to the minor unit
(40,000.00 -> 5,400.00; 0.10 -> 0.01). The fee is charged at once from the client's wallet, or
through an invoice for exactly the shortfall (HOLD-03), and credited to the platform's fee
account (FEE-01), once: ``hire-direct:<id>``. Paid, the pair is "hired direct".

**Bring-a-Client.** A freelancer's invitation link (``?start=bac<token>``) brings a client who
is new to the platform: a user who signs up through it is that freelancer's Bring-a-Client
client, and their contracts together are Bring-a-Client contracts.

Either mark makes the pair exempt from MSG-03's masking and flagging (:func:`pair_exempt`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from core.accounts import User, ensure_can_act
from core.contracts import Contract
from core.errors import N_, Conflict, InvalidInput, NotFound
from core.money import Money
from core.payouts.fees import percent_of
from core.payouts.model import DirectHire, HireState
from core.ports import UnitOfWork
from core.services.ledger import Leg, fees_account, transfer, wallet_account
from core.support import AuditAction, AuditEntry, ensure_staff

__all__ = ["HIRE_DIRECT_PERCENT", "DirectHire", "HireShortfall", "HireState", "bac_token",
           "contract_is_bring_a_client", "hire_direct_fee", "join_through", "load_hire",
           "offer_salary",
           "pair_exempt", "pay_after_payment", "pay_hire", "request_hire"]

HIRE_DIRECT_PERCENT = Decimal("13.5")
HIRE_NOT_FOUND = N_("That Hire Direct request does not exist or is not yours.")
NO_CONTRACT = N_("You can ask to hire directly only a freelancer you have a contract with.")
ALREADY = N_("You have already hired this freelancer directly.")
NOT_OFFERED = N_("Support has not set the salary for this request yet.")
BAD_SALARY = N_("The salary must be more than zero.")
ALREADY_PAID = N_("This Hire Direct fee is already paid.")


@dataclass(frozen=True, slots=True)
class HireShortfall:
    """The wallet lacks ``missing``: invoice it, then :func:`pay_after_payment`."""

    hire: DirectHire
    missing: Money


def hire_direct_fee(salary: Money) -> Money:
    """PAY-06: 13.5% of the annual salary, half up to the minor unit (40,000 -> 5,400.00)."""
    return percent_of(salary, HIRE_DIRECT_PERCENT)


async def pair_exempt(uow: UnitOfWork, a: int, b: int) -> bool:
    """PAY-06: the pair may exchange contact details (hired direct, or Bring-a-Client)."""
    return await uow.payouts.pair_exempt(a, b)


async def contract_is_bring_a_client(uow: UnitOfWork, contract: Contract) -> bool:
    """A contract whose client joined through the freelancer's invitation link."""
    return await uow.payouts.bring_a_client_of(contract.client_id) == contract.expert_id


async def request_hire(uow: UnitOfWork, client: User, contract_id: int,
                       now: datetime) -> DirectHire:
    """The client of ``contract_id`` asks to hire its freelancer directly (once per pair)."""
    ensure_can_act(client)
    contract = await uow.market.contracts.get(contract_id)
    if contract is None or contract.client_id != client.id:
        raise NotFound(NO_CONTRACT)
    existing = await uow.payouts.hire_between(client.id, contract.expert_id)
    if existing is not None:
        if existing.state is HireState.PAID:
            raise Conflict(ALREADY)
        return existing
    return await uow.payouts.add_hire(DirectHire(
        id=None, client_id=client.id, expert_id=contract.expert_id, requested_at=now))


async def load_hire(uow: UnitOfWork, hire_id: int) -> DirectHire:
    hire = await uow.payouts.hire(hire_id)
    if hire is None:
        raise NotFound(HIRE_NOT_FOUND)
    return hire


async def offer_salary(uow: UnitOfWork, staff: User, hire_id: int, salary: Money,
                       now: datetime) -> DirectHire:
    """Support sets the annual salary offered; the fee follows (audited)."""
    ensure_staff(staff)
    hire = await load_hire(uow, hire_id)
    if hire.state is HireState.PAID:
        raise Conflict(ALREADY_PAID)
    if not salary.is_positive:
        raise InvalidInput(BAD_SALARY)
    hire.salary, hire.fee, hire.offered_by = salary, hire_direct_fee(salary), staff.id
    await uow.payouts.save_hire(hire)
    await uow.support.add_audit(AuditEntry(
        actor_id=staff.id, action=AuditAction.HIRE_DIRECT, created_at=now,
        target_id=hire.expert_id,
        reason=f"hire direct #{hire.id}: salary {salary}, fee {hire.fee} invoiced to user "
               f"{hire.client_id}"))
    return hire


async def pay_hire(uow: UnitOfWork, client: User, hire_id: int,
                   now: datetime) -> DirectHire | HireShortfall:
    """The client pays the fee from the wallet, or learns what the wallet lacks (HOLD-03)."""
    ensure_can_act(client)
    hire = await load_hire(uow, hire_id)
    if hire.client_id != client.id:
        raise NotFound(HIRE_NOT_FOUND)
    if hire.state is HireState.PAID:
        raise Conflict(ALREADY_PAID)
    if hire.fee is None:
        raise Conflict(NOT_OFFERED)
    balance = await uow.ledger.balance(wallet_account(client.id, hire.fee.currency))
    if balance < hire.fee:
        return HireShortfall(hire, hire.fee - balance)
    await _settle(uow, hire, now)
    return hire


async def _settle(uow: UnitOfWork, hire: DirectHire, now: datetime) -> None:
    """Wallet -> the platform's fee account (FEE-01); the pair is hired direct (audited)."""
    assert hire.id is not None and hire.fee is not None
    await transfer(uow, key=f"hire-direct:{hire.id}", kind="hire_direct", at=now,
                   legs=[Leg(wallet_account(hire.client_id, hire.fee.currency),
                             fees_account(hire.fee.currency), hire.fee)])
    hire.paid_at = now
    await uow.payouts.save_hire(hire)
    await uow.support.add_audit(AuditEntry(
        actor_id=hire.client_id, action=AuditAction.HIRE_DIRECT, created_at=now,
        target_id=hire.expert_id,
        reason=f"hire direct #{hire.id}: fee paid; user {hire.client_id} and user "
               f"{hire.expert_id} are hired direct"))


async def pay_after_payment(uow: UnitOfWork, intent_id: int,
                            now: datetime) -> DirectHire | None:
    """After a Hire Direct invoice was credited: pay the fee (None if not a hire's intent)."""
    hire = await uow.payouts.hire_for_intent(intent_id)
    if hire is None or hire.paid_at is not None or hire.fee is None:
        return None
    balance = await uow.ledger.balance(wallet_account(hire.client_id, hire.fee.currency))
    if balance < hire.fee:  # the wallet was spent meanwhile: the money stays there
        return None
    await _settle(uow, hire, now)
    return hire


async def bac_token(uow: UnitOfWork, expert: User, fresh: str, now: datetime) -> str:
    """The freelancer's invitation token (``fresh`` becomes it the first time)."""
    ensure_can_act(expert)
    return await uow.payouts.bac_token(expert.id, fresh, now)


async def join_through(uow: UnitOfWork, client: User, token: str, now: datetime) -> int | None:
    """A newly signed-up user joined through ``token``: the inviting freelancer's id.

    None (nothing recorded) for an unknown token, the freelancer's own link, or a user who
    already came through a link.
    """
    expert_id = await uow.payouts.bac_expert(token)
    if expert_id is None or expert_id == client.id:
        return None
    if await uow.payouts.bring_a_client_of(client.id) is not None:
        return None
    await uow.payouts.add_bring_a_client(client.id, expert_id, now)
    await uow.support.add_audit(AuditEntry(
        actor_id=client.id, action=AuditAction.BRING_A_CLIENT, created_at=now,
        target_id=expert_id,
        reason=f"bring-a-client: user {client.id} joined through the invitation of user "
               f"{expert_id}"))
    return expert_id
