"""Funding milestones through the payment gateway when the client's wallet is short.

``fund`` (or approving a higher amount) with a short wallet returns a
:class:`~core.services.milestones.Shortfall`. :func:`open_invoice` opens a top-up intent
(:mod:`core.services.payments`) for exactly the missing amount and remembers that it funds this
milestone (or this change). When the payment arrives, the wallet helper's payment handler
credits the wallet and calls :func:`fund_after_payment` in the same unit of work: the milestone
is funded as soon as it is paid (HOLD-03, MS-05). If the milestone moved on meanwhile (removed,
funded otherwise), nothing else happens and the money stays in the wallet.
"""

from __future__ import annotations

from datetime import datetime

from core.accounts import User
from core.contracts import ContractStatus
from core.errors import DomainError, NotFound
from core.milestone_events import MilestoneInvoice
from core.milestones import Action, Actor
from core.payments import TopUpIntent
from core.ports import UnitOfWork
from core.services.milestone_plan import approve_change
from core.services.milestones import MILESTONE_NOT_FOUND, Outcome, Shortfall, fund
from core.services.payments import open_top_up

__all__ = ["fund_after_payment", "open_invoice"]


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
