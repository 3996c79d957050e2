"""Managed-service contracts (PAY-02): support marks a contract so; otherwise it is private.

The mark decides the Interac e-Transfer fee: a freelancer's Interac payouts cost CAD 10.00
while they have an accepted CAD contract marked managed-service (whatever its state now), and
nothing otherwise. The balance is one pool, so the fee follows the freelancer's contracts, not
the dollar: see :func:`core.payouts.services.quote`.
"""

from __future__ import annotations

from datetime import datetime

from core.accounts import User
from core.contracts import Contract
from core.errors import N_, NotFound
from core.ports import UnitOfWork
from core.support import AuditAction, AuditEntry, ensure_staff

__all__ = ["set_managed_service"]

NO_CONTRACT = N_("There is no contract #{id}.")


async def set_managed_service(uow: UnitOfWork, staff: User, contract_id: int, managed: bool,
                              now: datetime) -> tuple[Contract, bool]:
    """Support marks (``managed``) or unmarks contract ``contract_id``; audited when it changes.

    Returns the contract and whether the mark changed (marking it twice changes nothing).
    """
    ensure_staff(staff)
    contract = await uow.market.contracts.get(contract_id)
    if contract is None:
        raise NotFound(NO_CONTRACT, id=contract_id)
    if contract.managed_service is managed:
        return contract, False
    contract.managed_service = managed
    await uow.market.contracts.save(contract)
    state = "managed-service" if managed else "private"
    await uow.support.add_audit(AuditEntry(
        actor_id=staff.id, action=AuditAction.MANAGED_SERVICE, created_at=now,
        target_id=contract.expert_id,
        reason=f"contract #{contract.id} marked {state} (client {contract.client_id}, "
               f"freelancer {contract.expert_id})"))
    return contract, True
