"""Ending a fixed-price contract without stranding escrow (MS-10).

- :func:`preview` is what the one ending the contract reads before confirming: every milestone
  that still holds money and what will happen to it (:class:`EndFate`), with a fingerprint
  (:attr:`EndPreview.tag`) so that a confirmation shown before something changed ends nothing
  unseen.
- :func:`end` ends the contract (:mod:`core.services.market_contracts` checks who may and with
  which reason) and, for a fixed-price one, settles its milestones in the same unit of work
  (:func:`settle_on_end`): funded milestones whose work has not started are refunded to the
  client (``ms-refund:<id>``, the one refund a milestone ever gets); proposals and unfunded
  milestones are closed; work in progress, submitted or sent back for a revision stays open
  (a waiting change request is dropped: it can no longer be approved); a disputed one waits
  for support.
- :func:`contract_end_due` is the tick: at an instant, it refunds any funded milestone of an
  ended contract (contracts ended before MS-10 existed) and takes to support, as a dispute,
  every milestone still open :data:`~core.milestone_states.ESCALATE_AFTER_END` after its
  contract ended. Work submitted by the end is left to MS-09: its automatic release falls due
  no later than the escalation would (both windows are 14 days), so it is released, not
  escalated. Everything is read from stored state: a tick missed is caught up, a tick repeated
  does nothing twice.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from core.accounts import User, ensure_can_act
from core.contracts import Contract, ContractStatus, EndReason
from core.errors import N_, InvalidInput, NotFound
from core.milestones import (
    ESCALATE_AFTER_END,
    OPEN_AFTER_END_STATES,
    Action,
    Actor,
    Milestone,
    MilestoneState,
)
from core.money import Money
from core.ports import UnitOfWork
from core.projects import ProjectKind
from core.services.milestones import Outcome, record, settle_money
from core.support import ItemKind, QueueItem

__all__ = ["ESCALATED", "EndFate", "EndPreview", "Ended", "contract_end_due", "end", "fate",
           "preview", "settle_on_end"]

S = MilestoneState

CONTRACT_NOT_FOUND = N_("That contract does not exist or is not available to you.")
#: The support queue item's reason (a message id: support reads it in their language).
ESCALATED = N_("Not settled within 14 days after the contract ended (MS-10): support decides.")


class EndFate(StrEnum):
    """What ending the contract does to a milestone."""

    REFUNDED = "refunded"  # funded, work not started: back to the client's wallet at the end
    STAYS_OPEN = "stays_open"  # work started: open until settled, support after 14 days
    WITH_SUPPORT = "with_support"  # disputed: waits for support's decision
    CLOSED = "closed"  # holds no money: a proposal or an unfunded milestone, closed


def fate(milestone: Milestone) -> EndFate | None:
    """What happens to ``milestone`` when its contract ends (None: nothing, it is final)."""
    if milestone.state is S.FUNDED:
        return EndFate.REFUNDED
    if milestone.state in OPEN_AFTER_END_STATES:
        return EndFate.STAYS_OPEN
    if milestone.state is S.DISPUTED:
        return EndFate.WITH_SUPPORT
    if milestone.state in (S.PROPOSED, S.APPROVED):
        return EndFate.CLOSED
    return None


@dataclass(frozen=True, slots=True)
class EndPreview:
    """The milestones that still hold money, each with its fate, before the contract ends."""

    contract: Contract
    items: tuple[tuple[Milestone, EndFate], ...]
    settle_by: datetime  # open ones go to support if not settled by then

    @property
    def held(self) -> Money:
        """All the money the listed milestones hold."""
        return sum((m.escrow for m, _ in self.items), Money.zero(self.contract.currency))

    @property
    def tag(self) -> str:
        """A fingerprint of what was shown: the confirmation carries it."""
        shown = ";".join(f"{m.id}:{m.state.value}:{m.escrow.minor}" for m, _ in self.items)
        return f"{zlib.crc32(shown.encode()):08x}"


@dataclass(frozen=True, slots=True)
class Ended:
    """The ended contract and what its end did to the milestones (for the notices)."""

    contract: Contract
    outcomes: tuple[Outcome, ...]


async def _milestones(uow: UnitOfWork, contract: Contract) -> list[Milestone]:
    if contract.kind is not ProjectKind.FIXED:
        return []
    assert contract.id is not None
    return await uow.milestones.for_contract(contract.id)


async def _party_contract(uow: UnitOfWork, user: User, contract_id: int) -> Contract:
    """A contract of which ``user`` is a party; NotFound for everyone else."""
    contract = await uow.market.contracts.get(contract_id)
    if contract is None or not contract.is_party(user.id):
        raise NotFound(CONTRACT_NOT_FOUND)
    return contract


async def preview(uow: UnitOfWork, user: User, contract_id: int, now: datetime) -> EndPreview:
    """What ending the contract now would do to the money its milestones hold (parties only)."""
    contract = await _party_contract(uow, user, contract_id)
    ensure_can_act(user)
    items = []
    for milestone in await _milestones(uow, contract):
        what = fate(milestone)
        if what is not None and milestone.escrow.is_positive:
            items.append((milestone, what))
    return EndPreview(contract, tuple(items), now + ESCALATE_AFTER_END)


async def end(uow: UnitOfWork, user: User, contract_id: int, reason: str,
              now: datetime) -> Ended:
    """A party ends the contract with a reason; its milestones are settled at once (MS-10).

    The reason must be one this side may give (:func:`core.contracts.reasons_for`); suspended
    users change nothing (ACC-02).
    """
    contract = await _party_contract(uow, user, contract_id)
    ensure_can_act(user)
    try:
        why = EndReason(reason)
    except ValueError:
        raise InvalidInput(N_("Please pick one of the reasons offered.")) from None
    contract.end(user.id, why, now)
    await uow.market.contracts.save(contract)
    return Ended(contract, tuple(await settle_on_end(uow, contract, now)))


async def settle_on_end(uow: UnitOfWork, contract: Contract, now: datetime) -> list[Outcome]:
    """Refund funded milestones, close empty ones, keep work under way open (MS-10)."""
    if contract.status is not ContractStatus.ENDED:
        raise ValueError("only an ended contract's milestones are settled")
    outcomes = []
    for found in await _milestones(uow, contract):
        if fate(found) not in (EndFate.REFUNDED, EndFate.CLOSED, EndFate.STAYS_OPEN):
            continue
        assert found.id is not None
        milestone = await uow.milestones.get(found.id, lock=True)
        assert milestone is not None
        outcome = await _settle_one(uow, milestone, contract, now)
        if outcome is not None:
            outcomes.append(outcome)
    return outcomes


async def _settle_one(uow: UnitOfWork, milestone: Milestone, contract: Contract,
                      now: datetime) -> Outcome | None:
    what = fate(milestone)
    if what is EndFate.REFUNDED:
        escrow = milestone.escrow
        refunded = milestone.end_refund(Actor.SYSTEM, now)
        await settle_money(uow, milestone, contract, now, release=None, escrow=escrow)
        return await record(uow, milestone, contract, Action.END_REFUND, Actor.SYSTEM, None,
                            now, amount=refunded)
    if what is EndFate.CLOSED:
        milestone.end_close(Actor.SYSTEM, now)
        return await record(uow, milestone, contract, Action.END_CLOSE, Actor.SYSTEM, None, now)
    if what is EndFate.STAYS_OPEN and milestone.request is not None:
        milestone.keep_open_after_end(now)
        await uow.milestones.save(milestone)
    return None


async def contract_end_due(uow: UnitOfWork, at: datetime, limit: int = 1) -> list[Outcome]:
    """The tick: settle what an ended contract left due at ``at`` (oldest first)."""
    outcomes: list[Outcome] = []
    for found in await uow.milestones.after_contract_end(at, at - ESCALATE_AFTER_END, limit):
        assert found.id is not None
        milestone = await uow.milestones.get(found.id, lock=True)
        contract = await uow.market.contracts.get(found.contract_id)
        if milestone is None or contract is None or contract.ended_at is None:
            continue
        if milestone.state is S.FUNDED:
            outcome = await _settle_one(uow, milestone, contract, at)
            if outcome is not None:
                outcomes.append(outcome)
        elif (milestone.state in OPEN_AFTER_END_STATES
              and contract.ended_at + ESCALATE_AFTER_END <= at):
            outcomes.append(await _escalate(uow, milestone, contract, at))
    return outcomes


async def _escalate(uow: UnitOfWork, milestone: Milestone, contract: Contract,
                    at: datetime) -> Outcome:
    """Take a milestone left open 14 days after the end to support, as a dispute."""
    milestone.escalate(Actor.SYSTEM, at)
    item = await uow.support.add_item(QueueItem(
        kind=ItemKind.DISPUTE, subject_id=contract.expert_id, reason=ESCALATED, created_at=at))
    milestone.dispute_item_id = item.id
    return await record(uow, milestone, contract, Action.ESCALATE, Actor.SYSTEM, None, at,
                        text=ESCALATED)
