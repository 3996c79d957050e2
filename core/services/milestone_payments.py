"""Funding milestones through the payment gateway when the client's wallet is short.

``fund`` (or approving a higher amount) with a short wallet returns a
:class:`~core.services.milestones.Shortfall`. :func:`open_invoice` opens a top-up intent
(:mod:`core.services.payments`) for exactly the missing amount and remembers that it funds this
milestone (or this change). When the payment arrives, the wallet helper's payment handler
credits the wallet and calls :func:`fund_after_payment` in the same unit of work: the milestone
is funded as soon as it is paid (HOLD-03, MS-05). If the milestone moved on meanwhile (removed,
funded otherwise), nothing else happens and the money stays in the wallet.
:func:`escrow_of_payment` says, for a payment delivered again, which milestone's escrow it went
into (so the replay does not say "added to your wallet" of money that moved on).
"""

from __future__ import annotations

from datetime import datetime

from core.accounts import User
from core.contracts import ContractStatus
from core.errors import DomainError, NotFound
from core.ledger import PostedTransaction
from core.milestone_events import MilestoneInvoice
from core.milestones import Action, Actor, Milestone
from core.payments import TopUpIntent
from core.ports import UnitOfWork
from core.services.milestone_plan import approve_change
from core.services.milestones import MILESTONE_NOT_FOUND, Outcome, Shortfall, fund
from core.services.payments import open_top_up

__all__ = ["escrow_of_payment", "fund_after_payment", "open_invoice"]


async def open_invoice(uow: UnitOfWork, user: User, shortfall: Shortfall, gateway: str,
                       now: datetime, locale: str = "en") -> TopUpIntent:
    """A payment intent for exactly the missing amount, remembered as this milestone's."""
    if user.id != shortfall.contract.client_id:
        raise NotFound(MILESTONE_NOT_FOUND)
    intent = await open_top_up(uow, user, shortfall.missing, gateway, now, locale)
    assert intent.id is not None and shortfall.milestone.id is not None
    await uow.milestones.add_invoice(MilestoneInvoice(intent.id, shortfall.milestone.id,
                                                      shortfall.request_number))
    return intent


async def fund_after_payment(uow: UnitOfWork, payer: User, intent_id: int,
                             now: datetime) -> Outcome | None:
    """After a milestone invoice was credited: fund it (or approve its change) at once.

    Returns None when the intent funds no milestone, or when the milestone moved on meanwhile
    (the money then simply stays in the client's wallet).
    """
    invoice = await uow.milestones.invoice(intent_id)
    if invoice is None or payer.is_suspended:
        return None
    milestone = await uow.milestones.get(invoice.milestone_id, lock=True)
    contract = await uow.market.contracts.get(milestone.contract_id) if milestone else None
    if (milestone is None or contract is None or contract.client_id != payer.id
            or contract.status is not ContractStatus.ACTIVE):
        return None
    request = milestone.request
    if invoice.request_number is None:
        use_case, action = fund, Action.FUND
    elif request is not None and request.number == invoice.request_number:
        use_case, action = approve_change, Action.APPROVE_CHANGE
    else:
        return None
    if not milestone.can(action, Actor.CLIENT):
        return None
    try:  # every refusal happens before anything is written: the credit must stand
        result = await use_case(uow, payer, invoice.milestone_id, now)
    except DomainError:
        return None
    return result if isinstance(result, Outcome) else None


async def escrow_of_payment(uow: UnitOfWork, intent_id: int,
                            top_up: PostedTransaction) -> Milestone | None:
    """The milestone whose escrow the payment credited by ``top_up`` went into, if it did.

    The intent's invoice names the milestone (or its change); the funding (``ms-fund``) or the
    change's charge (``ms-change``) posted after the top-up is what moved the money there. A
    funding posted before it (the milestone funded otherwise) means the money stayed in the
    wallet.
    """
    invoice = await uow.milestones.invoice(intent_id)
    if invoice is None:
        return None
    mid = invoice.milestone_id
    key = (f"ms-fund:{mid}" if invoice.request_number is None
           else f"ms-change:{mid}:{invoice.request_number}")
    moved = await uow.ledger.get(key)
    if moved is None or moved.id <= top_up.id:
        return None
    return await uow.milestones.get(mid)
