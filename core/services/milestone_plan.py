"""The plan of a fixed-price contract: its milestone board, proposals, edits and changes.

- The board (:func:`board`) shows a contract's milestones to its parties and support, each
  with what the viewer may do now; the offer's first milestone is made on the way
  (:func:`ensure_first_milestone`).
- The expert proposes milestones and edits unanswered proposals (MS-02); the client adds and
  edits unfunded ones, but not while expert proposals wait (MS-07). Every amount is checked
  against the currency's minimum (MS-01).
- For an active milestone the expert asks for a change; approving a higher amount on a funded
  milestone charges the difference into escrow, or returns a :class:`Shortfall` when the
  wallet is short (MS-04).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from core.accounts import User, ensure_can_act
from core.contracts import Contract, ContractStatus
from core.errors import N_, InvalidInput
from core.milestone_terms import (
    DEFAULT_POLICY,
    MilestonePolicy,
    validate_description,
    validate_due_date,
    validate_title,
)
from core.milestones import Action, Actor, Milestone, MilestoneState, ensure_no_waiting_proposals
from core.money import Money
from core.ports import UnitOfWork
from core.projects import ProjectKind
from core.services.ledger import fund_escrow
from core.services.milestones import (
    Outcome,
    Shortfall,
    contract_for,
    ensure_open,
    load,
    record,
    wallet_short,
)
from core.services.screening import flag_user_text

__all__ = [
    "FIRST_MILESTONE_DUE",
    "Board",
    "Terms",
    "approve_change",
    "board",
    "board_contracts",
    "create",
    "edit",
    "ensure_first_milestone",
    "propose_change",
]

#: The offer's first milestone is due this long after the contract was accepted (decided).
FIRST_MILESTONE_DUE = timedelta(days=14)


@dataclass(frozen=True, slots=True)
class Terms:
    """What the proposer typed, already parsed: title, description, amount, due date."""

    title: str
    description: str
    amount: Money
    due_date: date


@dataclass(frozen=True, slots=True)
class Board:
    """A contract's milestones as ``actor`` sees them, with what they may do now."""

    contract: Contract
    actor: Actor
    milestones: tuple[Milestone, ...]

    @property
    def active(self) -> bool:
        """True while the contract runs."""
        return self.contract.status is ContractStatus.ACTIVE

    @property
    def proposals_wait(self) -> bool:
        """MS-07: an expert proposal waits for the client's answer."""
        return any(m.state is MilestoneState.PROPOSED and m.author is Actor.EXPERT
                   for m in self.milestones)

    def actions(self, milestone: Milestone) -> list[Action]:
        """What the actor may do with ``milestone`` now (MS-07 hides the client's plan edits)."""
        actions = milestone.actions_for(self.actor, self.active)
        if self.proposals_wait:
            actions = [a for a in actions if a not in (Action.CLIENT_EDIT, Action.CLIENT_REMOVE)]
        return actions

    @property
    def can_add(self) -> bool:
        """The expert may propose, the client add (unless proposals wait), while it runs."""
        if not self.active:
            return False
        return self.actor is Actor.EXPERT or (self.actor is Actor.CLIENT
                                              and not self.proposals_wait)


async def ensure_first_milestone(uow: UnitOfWork, contract: Contract,
                                 now: datetime) -> Milestone | None:
    """The offer's first milestone, made once the fixed contract runs (idempotent).

    Both sides agreed on it with the offer, so it starts approved, waiting to be funded; it is
    due :data:`FIRST_MILESTONE_DUE` after the contract was accepted (either side may change
    that: the client while it is unfunded, the expert with a change request).
    """
    if (contract.kind is not ProjectKind.FIXED or contract.status is not ContractStatus.ACTIVE
            or not contract.milestone_title or not contract.milestone_amount):
        return None
    assert contract.id is not None
    existing = await uow.milestones.for_contract(contract.id)
    if any(m.from_offer for m in existing):
        return None
    due = (contract.accepted_at or now).date() + FIRST_MILESTONE_DUE
    return await uow.milestones.add(Milestone(
        contract_id=contract.id, title=contract.milestone_title, description="",
        amount=Money(contract.milestone_amount, contract.currency), due_date=due,
        author=Actor.CLIENT, created_at=now, state=MilestoneState.APPROVED, updated_at=now,
        from_offer=True))


async def board(uow: UnitOfWork, user: User, contract_id: int, now: datetime) -> Board:
    """The milestone board of a contract (its parties and support only)."""
    contract, actor = await contract_for(uow, user, contract_id)
    await ensure_first_milestone(uow, contract, now)
    assert contract.id is not None
    return Board(contract, actor, tuple(await uow.milestones.for_contract(contract.id)))


async def board_contracts(uow: UnitOfWork, user: User, limit: int = 20) -> list[Contract]:
    """The contracts ``/milestones`` lists: active fixed-price ones, then ended ones whose
    milestones still hold money (MS-10: both sides keep seeing and settling them)."""
    active = await uow.market.contracts.for_user(
        user.id, frozenset({ContractStatus.ACTIVE}), 0, limit)
    found = [c for c in active.items if c.kind is ProjectKind.FIXED]
    for contract_id in await uow.milestones.contracts_to_settle(user.id, limit):
        contract = await uow.market.contracts.get(contract_id)
        if contract is not None:
            found.append(contract)
    return found[:limit]


def _checked(terms: Terms, contract: Contract, now: datetime, policy: MilestonePolicy,
             locale: str) -> Terms:
    if terms.amount.currency != contract.currency:
        raise InvalidInput(N_("The amount must be in {currency}, the contract's currency."),
                           currency=contract.currency)
    return Terms(validate_title(terms.title), validate_description(terms.description),
                 policy.check_amount(terms.amount, locale), validate_due_date(terms.due_date, now))


async def create(uow: UnitOfWork, user: User, contract_id: int, terms: Terms, now: datetime,
                 policy: MilestonePolicy = DEFAULT_POLICY, locale: str = "en") -> Outcome:
    """The expert proposes a milestone (MS-02); the client adds an approved one (MS-07)."""
    contract, actor = await contract_for(uow, user, contract_id)
    ensure_can_act(user)
    action = Action.PROPOSE if actor is Actor.EXPERT else Action.CLIENT_ADD
    ensure_open(contract, action)
    await ensure_first_milestone(uow, contract, now)
    assert contract.id is not None
    if actor is Actor.CLIENT:
        ensure_no_waiting_proposals(await uow.milestones.for_contract(contract.id))
    good = _checked(terms, contract, now, policy, locale)
    milestone = await uow.milestones.add(Milestone.create(
        actor, contract.id, good.title, good.description, good.amount, good.due_date, now))
    await flag_user_text(uow, user, milestone, now, reader_id=contract.other_party(user.id))
    return await record(uow, milestone, contract, action, actor, user.id, now,
                        amount=good.amount)


async def edit(uow: UnitOfWork, user: User, milestone_id: int, terms: Terms, now: datetime,
               policy: MilestonePolicy = DEFAULT_POLICY, locale: str = "en") -> Outcome:
    """The expert edits an unanswered proposal; the client an unfunded milestone (MS-07)."""
    milestone, contract, actor = await load(uow, user, milestone_id)
    ensure_can_act(user)
    action = Action.EDIT_PROPOSAL if actor is Actor.EXPERT else Action.CLIENT_EDIT
    milestone.guard(action, actor)
    ensure_open(contract, action)
    if actor is Actor.CLIENT:
        ensure_no_waiting_proposals(await uow.milestones.for_contract(contract.id or 0))
    good = _checked(terms, contract, now, policy, locale)
    milestone.edit(actor, now, title=good.title, description=good.description,
                   amount=good.amount, due_date=good.due_date)
    await flag_user_text(uow, user, milestone, now, reader_id=contract.other_party(user.id))
    return await record(uow, milestone, contract, action, actor, user.id, now,
                        amount=good.amount)


async def propose_change(uow: UnitOfWork, user: User, milestone_id: int, now: datetime, *,
                         title: str | None = None, description: str | None = None,
                         amount: Money | None = None, due_date: date | None = None,
                         policy: MilestonePolicy = DEFAULT_POLICY,
                         locale: str = "en") -> Outcome:
    """The expert asks for a new title, description, due date or a higher amount (MS-04)."""
    milestone, contract, actor = await load(uow, user, milestone_id)
    ensure_can_act(user)
    milestone.guard(Action.PROPOSE_CHANGE, actor)
    ensure_open(contract, Action.PROPOSE_CHANGE)
    request = milestone.propose_change(
        actor, now, title=validate_title(title) if title is not None else None,
        description=validate_description(description) if description is not None else None,
        amount=policy.check_amount(amount, locale) if amount is not None else None,
        due_date=validate_due_date(due_date, now) if due_date is not None else None)
    await flag_user_text(uow, user, request, now, reader_id=contract.other_party(user.id))
    return await record(uow, milestone, contract, Action.PROPOSE_CHANGE, actor, user.id, now,
                        amount=request.amount)


async def approve_change(uow: UnitOfWork, user: User, milestone_id: int,
                         now: datetime) -> Outcome | Shortfall:
    """The client approves the waiting change; a higher amount is charged into escrow."""
    milestone, contract, actor = await load(uow, user, milestone_id)
    ensure_can_act(user)
    milestone.guard(Action.APPROVE_CHANGE, actor)
    ensure_open(contract, Action.APPROVE_CHANGE)
    charge = milestone.change_charge()
    number = milestone.request.number if milestone.request else None
    if charge.is_positive:
        missing = await wallet_short(uow, contract, charge)
        if missing is not None:
            return Shortfall(milestone, contract, missing, number)
    milestone.approve_change(actor, now)
    assert milestone.id is not None
    if charge.is_positive:
        await fund_escrow(uow, client_id=contract.client_id, milestone_id=milestone.id,
                          amount=charge, key=f"ms-change:{milestone.id}:{number}", at=now)
    return await record(uow, milestone, contract, Action.APPROVE_CHANGE, actor, user.id, now,
                        amount=charge if charge.is_positive else None)
