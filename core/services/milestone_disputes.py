"""Milestone disputes (MS-08): either side opens one, support decides, both sides are told.

- Either party opens a dispute while the escrow holds the milestone's money, with a reason and
  evidence files. Everything else about the milestone stops (no auto-release, no changes), and
  an item of kind ``dispute`` reaches the support queue (:mod:`core.support`), about the other
  side, reported by the opener; the milestone remembers the item. Support reads both sides'
  history (:func:`dispute_view`).
- Support (not a party of the contract) resolves it: release all to the expert, release a
  part (the rest refunded), or refund all, always with a reason. The money moves in one ledger
  transaction, one audit row per side records who, when, what and why (ACC-03), and the queue
  item is closed as resolved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from core.accounts import User, ensure_can_act
from core.contracts import Contract
from core.errors import N_, Conflict, Forbidden, InvalidInput
from core.milestone_events import Attachment, MilestoneEvent, validate_files
from core.milestones import Action, Actor, Milestone, MilestoneState
from core.money import Money
from core.ports import UnitOfWork
from core.services.milestones import Outcome, load, record, settle_money
from core.support import (
    AuditAction,
    AuditEntry,
    ItemKind,
    ItemStatus,
    QueueItem,
    dispute_details,
    ensure_staff,
    validate_reason,
)

__all__ = ["DisputeView", "Resolution", "dispute_view", "open_dispute", "resolve"]


class Resolution(StrEnum):
    """What support decides (the words of ``/resolve``)."""

    RELEASE = "release"
    PARTIAL = "partial"
    REFUND = "refund"


@dataclass(frozen=True, slots=True)
class DisputeView:
    """A disputed milestone as support sees it: the contract and both sides' history."""

    milestone: Milestone
    contract: Contract
    history: tuple[MilestoneEvent, ...]


async def open_dispute(uow: UnitOfWork, user: User, milestone_id: int, reason: str,
                       files: tuple[Attachment, ...], now: datetime) -> Outcome:
    """Either side takes the milestone to support with a reason and evidence (MS-08)."""
    milestone, contract, actor = await load(uow, user, milestone_id)
    ensure_can_act(user)
    milestone.guard(Action.OPEN_DISPUTE, actor)
    why = validate_reason(reason)
    evidence = validate_files(files)
    milestone.open_dispute(actor, now)
    item = await uow.support.add_item(QueueItem(
        kind=ItemKind.DISPUTE, subject_id=contract.other_party(user.id), reason=why,
        created_at=now, reporter_id=user.id))
    milestone.dispute_item_id = item.id
    return await record(uow, milestone, contract, Action.OPEN_DISPUTE, actor, user.id, now,
                        text=why, files=evidence)


async def dispute_view(uow: UnitOfWork, staff: User, milestone_id: int) -> DisputeView:
    """A milestone with its full history, for support (staff only)."""
    ensure_staff(staff)
    milestone, contract, _actor = await load(uow, staff, milestone_id, lock=False)
    assert milestone.id is not None
    return DisputeView(milestone, contract, tuple(await uow.milestones.events(milestone.id)))


async def resolve(uow: UnitOfWork, staff: User, milestone_id: int, resolution: Resolution,
                  reason: str, now: datetime, part: Money | None = None) -> Outcome:
    """Support decides a dispute: release all, release ``part`` (rest refunded), refund all."""
    ensure_staff(staff)
    ensure_can_act(staff)
    milestone, contract, actor = await load(uow, staff, milestone_id)
    if actor is not Actor.SUPPORT:
        raise Forbidden(N_("You cannot resolve a dispute about your own contract."))
    if milestone.state is not MilestoneState.DISPUTED:
        raise Conflict(N_("Milestone #{id} is not in dispute."), id=milestone_id)
    why = validate_reason(reason)
    escrow = milestone.escrow
    release = _release_of(resolution, escrow, part)
    released, refunded = milestone.resolve(actor, now, release)
    assert milestone.id is not None
    await settle_money(uow, milestone, contract, now, release=released, escrow=escrow,
                       key=f"ms-resolve:{milestone.id}")
    action = {Resolution.RELEASE: Action.RESOLVE_RELEASE, Resolution.PARTIAL:
              Action.RESOLVE_PARTIAL, Resolution.REFUND: Action.RESOLVE_REFUND}[resolution]
    details = dispute_details(milestone.id, resolution.value, released, refunded)
    for party in (contract.client_id, contract.expert_id):
        await uow.support.add_audit(AuditEntry(
            actor_id=staff.id, action=AuditAction.RESOLVE_DISPUTE, created_at=now,
            reason=why, target_id=party, item_id=milestone.dispute_item_id, details=details))
    if milestone.dispute_item_id is not None:
        item = await uow.support.get_item(milestone.dispute_item_id)
        if item is not None and item.status is ItemStatus.OPEN:
            item.close(staff.id, ItemStatus.RESOLVED, why, now)
            await uow.support.save_item(item)
    return await record(uow, milestone, contract, action, actor, staff.id, now, text=why,
                        amount=released)


def _release_of(resolution: Resolution, escrow: Money, part: Money | None) -> Money:
    """How much of ``escrow`` goes to the expert under ``resolution``."""
    if resolution is Resolution.RELEASE:
        return escrow
    if resolution is Resolution.REFUND:
        return Money.zero(escrow.currency)
    if part is None or part.currency != escrow.currency or not (
            part.is_positive and part < escrow):
        raise InvalidInput(N_("A partial release must be more than zero and less than the "
                              "escrow of {escrow}."), escrow=escrow)
    return part

