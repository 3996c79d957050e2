"""Contract use cases: answer an offer, list and open contracts, end one with a reason.

Permission rules, in one place:

- A contract is seen only by its two parties; for anyone else it is :class:`NotFound`, as is
  an unknown id.
- Only the expert answers an offer (accept or decline); declining also marks the application.
- Either party ends an active contract, with a reason allowed to that side
  (:func:`core.contracts.reasons_for`). Suspended users change nothing (ACC-02).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from core.accounts import User, ensure_can_act
from core.contracts import Contract, ContractStatus
from core.errors import N_, InvalidInput, NotFound
from core.ports import UnitOfWork
from core.projects import Page
from core.services import contract_end
from core.services.market import PAGE_SIZE
from core.services.milestone_plan import ensure_first_milestone
from core.services.screening import readable

__all__ = [
    "read_contract",
    "CONTRACT_NOT_FOUND",
    "ContractList",
    "accept_offer",
    "decline_offer",
    "end_contract",
    "my_contracts",
    "visible_contract",
]

CONTRACT_NOT_FOUND = N_("That contract does not exist or is not available to you.")


class ContractList(StrEnum):
    """The tabs of /contracts."""

    ACTIVE = "a"
    OFFERS = "o"
    ENDED = "e"


_STATUSES = {
    ContractList.ACTIVE: frozenset({ContractStatus.ACTIVE}),
    ContractList.OFFERS: frozenset({ContractStatus.OFFERED}),
    ContractList.ENDED: frozenset({ContractStatus.ENDED, ContractStatus.DECLINED}),
}


async def visible_contract(uow: UnitOfWork, actor: User, contract_id: int) -> Contract:
    """A contract of which the actor is a party; NotFound for everyone else."""
    contract = await uow.market.contracts.get(contract_id)
    if contract is None or not contract.is_party(actor.id):
        raise NotFound(CONTRACT_NOT_FOUND)
    return contract


async def read_contract(uow: UnitOfWork, actor: User, contract_id: int) -> Contract:
    """A contract as a party reads it: the offer's first milestone masked for the freelancer
    until they accept it (MSG-03)."""
    return await readable(uow, actor, await visible_contract(uow, actor, contract_id))


async def accept_offer(uow: UnitOfWork, actor: User, contract_id: int,
                       now: datetime) -> Contract:
    """The expert accepts the offer: the contract is active.

    A fixed offer's first milestone is made at once (approved, waiting to be funded), so the
    client can fund it without opening the board first.
    """
    contract = await visible_contract(uow, actor, contract_id)
    ensure_can_act(actor)
    contract.accept(actor.id, now)
    await uow.market.contracts.save(contract)
    await ensure_first_milestone(uow, contract, now)
    return contract


async def decline_offer(uow: UnitOfWork, actor: User, contract_id: int,
                        now: datetime) -> Contract:
    """The expert declines the offer; the application is marked declined."""
    contract = await visible_contract(uow, actor, contract_id)
    ensure_can_act(actor)
    contract.decline(actor.id, now)
    await uow.market.contracts.save(contract)
    application = await uow.market.applications.get(contract.application_id)
    if application is not None:
        application.offer_declined(now)
        await uow.market.applications.save(application)
    return contract


async def end_contract(uow: UnitOfWork, actor: User, contract_id: int, reason: str,
                       now: datetime) -> Contract:
    """Either party ends an active contract with a reason allowed to that side.

    A fixed-price contract's milestones are settled in the same unit of work (MS-10,
    :func:`core.services.contract_end.end`, which also returns what that did).
    """
    return (await contract_end.end(uow, actor, contract_id, reason, now)).contract


async def my_contracts(uow: UnitOfWork, actor: User, which: str, page: int) -> Page[Contract]:
    """The actor's contracts in one tab of /contracts, newest first."""
    try:
        tab = ContractList(which)
    except ValueError:
        raise InvalidInput(N_("Please pick one of the lists offered.")) from None
    return await uow.market.contracts.for_user(actor.id, _STATUSES[tab], max(page, 0),
                                               PAGE_SIZE)
