"""Milestone use cases: each loads, checks who acts, changes state and money in one unit of work.

Permission rules, in one place:

- A milestone is seen by the two parties of its contract and by support (for disputes); for
  anyone else it is :class:`~core.errors.NotFound`, exactly as an unknown id. The actor's side
  (:func:`actor_of`) then goes through the state table (:mod:`core.milestone_states`), so the
  wrong side is refused however the request was forged. Suspended users change nothing
  (ACC-02). Obligations need an active contract (``OPEN_CONTRACT_ACTIONS``).
- Money moves only through :func:`core.services.ledger.transfer`, keyed per milestone:
  ``ms-fund:<id>`` (wallet -> escrow, HOLD-03), ``ms-change:<id>:<n>`` (the difference of an
  approved change, MS-04), ``ms-release:<id>`` (escrow -> expert pending with a HOLD-01 hold),
  ``ms-refund:<id>`` (escrow -> wallet) and ``ms-resolve:<id>`` (support's partial decision,
  MS-08). A milestone is funded, released and refunded at most once, so a retried update
  never moves money twice.
- Funding with a short wallet changes nothing and returns a :class:`Shortfall`: the handler
  invoices exactly the missing amount and :mod:`core.services.milestone_payments` funds the
  milestone in the unit of work that credits the payment.

Every change returns an :class:`Outcome` carrying the history entry it wrote; the handler layer
turns it into notifications for the other side (both sides when support or the scheduler
acted). The plan (board, proposals, changes) is in :mod:`core.services.milestone_plan`,
disputes in :mod:`core.services.milestone_disputes`, time-driven work in
:mod:`core.services.milestone_ticks`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.accounts import User, ensure_can_act
from core.contracts import Contract, ContractStatus
from core.errors import N_, Conflict, InvalidInput, NotFound
from core.holds import available_at
from core.milestone_events import Attachment, MilestoneEvent, validate_files, validate_note
from core.milestones import (
    OPEN_CONTRACT_ACTIONS,
    Action,
    Actor,
    Milestone,
    ensure_no_waiting_proposals,
)
from core.money import Money
from core.ports import UnitOfWork
from core.projects import ProjectKind
from core.services.ledger import (
    Leg,
    escrow_account,
    fund_escrow,
    release_legs,
    transfer,
    wallet_account,
)
from core.support import is_staff

__all__ = [
    "BUTTON_ACTIONS",
    "CONTRACT_NOT_FOUND",
    "MILESTONE_NOT_FOUND",
    "Outcome",
    "Shortfall",
    "act",
    "actor_of",
    "contract_for",
    "ensure_open",
    "fund",
    "load",
    "prepare",
    "record",
    "request_revision",
    "settle_money",
    "submit",
    "wallet_short",
]

MILESTONE_NOT_FOUND = N_("That milestone does not exist or is not available to you.")
CONTRACT_NOT_FOUND = N_("That contract does not exist or is not available to you.")
NOT_FIXED = N_("Milestones belong to fixed-price contracts.")
CONTRACT_CLOSED = N_("The contract is not active: its milestones can no longer be added, "
                     "funded or changed.")


@dataclass(frozen=True, slots=True)
class Outcome:
    """A change made: the milestone after it, its contract, who did what, the history entry."""

    milestone: Milestone
    contract: Contract
    action: Action
    actor: Actor
    event: MilestoneEvent

    @property
    def recipients(self) -> tuple[tuple[int, Actor], ...]:
        """Who hears of it: the other side, or both sides when support or the system acted."""
        client, expert = (self.contract.client_id, Actor.CLIENT), (self.contract.expert_id,
                                                                  Actor.EXPERT)
        if self.actor is Actor.EXPERT:
            return (client,)
        if self.actor is Actor.CLIENT:
            return (expert,)
        return (client, expert)


@dataclass(frozen=True, slots=True)
class Shortfall:
    """The client's wallet lacks ``missing`` to fund (or to approve change ``request``)."""

    milestone: Milestone
    contract: Contract
    missing: Money
    request_number: int | None = None


def actor_of(contract: Contract, user: User) -> Actor | None:
    """The side ``user`` acts for on this contract's milestones; None for strangers."""
    if user.id == contract.client_id:
        return Actor.CLIENT
    if user.id == contract.expert_id:
        return Actor.EXPERT
    return Actor.SUPPORT if is_staff(user) else None


async def contract_for(uow: UnitOfWork, user: User, contract_id: int) -> tuple[Contract, Actor]:
    """The fixed-price contract and the user's side; NotFound for strangers."""
    contract = await uow.market.contracts.get(contract_id)
    actor = actor_of(contract, user) if contract is not None else None
    if contract is None or actor is None:
        raise NotFound(CONTRACT_NOT_FOUND)
    if contract.kind is not ProjectKind.FIXED:
        raise InvalidInput(NOT_FIXED)
    return contract, actor


async def load(uow: UnitOfWork, user: User, milestone_id: int,
               lock: bool = True) -> tuple[Milestone, Contract, Actor]:
    """The milestone, its contract and the user's side; NotFound for anyone else."""
    milestone = await uow.milestones.get(milestone_id, lock=lock)
    contract = (await uow.market.contracts.get(milestone.contract_id)
                if milestone is not None else None)
    actor = actor_of(contract, user) if contract is not None else None
    if milestone is None or contract is None or actor is None:
        raise NotFound(MILESTONE_NOT_FOUND)
    return milestone, contract, actor


def ensure_open(contract: Contract, action: Action) -> None:
    """Refuse an obligation-making action once the contract no longer runs."""
    if action in OPEN_CONTRACT_ACTIONS and contract.status is not ContractStatus.ACTIVE:
        raise Conflict(CONTRACT_CLOSED)


async def record(uow: UnitOfWork, milestone: Milestone, contract: Contract, action: Action,
                 actor: Actor, actor_id: int | None, now: datetime, text: str = "",
                 files: tuple[Attachment, ...] = (), amount: Money | None = None) -> Outcome:
    """Save the milestone and append its history entry; the change's :class:`Outcome`."""
    assert milestone.id is not None
    await uow.milestones.save(milestone)
    event = await uow.milestones.add_event(MilestoneEvent(
        milestone_id=milestone.id, action=action, actor=actor, at=now, actor_id=actor_id,
        text=text, files=files, amount=amount))
    return Outcome(milestone, contract, action, actor, event)


_PLAIN = {
    Action.DELETE_PROPOSAL: Milestone.delete_proposal,
    Action.APPROVE: Milestone.approve,
    Action.DECLINE: Milestone.decline,
    Action.START: Milestone.start,
    Action.REQUEST_REMOVAL: Milestone.request_removal,
    Action.DECLINE_REMOVAL: Milestone.decline_removal,
    Action.DECLINE_CHANGE: Milestone.decline_change,
}


_SETTLING = {
    Action.ACCEPT: Milestone.accept,
    Action.REFUND: Milestone.refund,
    Action.APPROVE_REMOVAL: Milestone.approve_removal,
    Action.CLIENT_REMOVE: Milestone.remove,
}


#: Actions a button alone performs (no typed input): :func:`act` takes them.
BUTTON_ACTIONS = frozenset({*_PLAIN, *_SETTLING})


async def prepare(uow: UnitOfWork, user: User, milestone_id: int, action: Action,
                  lock: bool = True) -> tuple[Milestone, Contract, Actor]:
    """Every check ``action`` must pass now, without acting (also for "are you sure?").

    Strangers get NotFound; then the state table, ACC-02, an active contract for obligations
    and MS-07 for the client's own plan changes.
    """
    milestone, contract, actor = await load(uow, user, milestone_id, lock=lock)
    milestone.guard(action, actor)
    ensure_can_act(user)
    ensure_open(contract, action)
    if action in (Action.CLIENT_EDIT, Action.CLIENT_REMOVE):
        ensure_no_waiting_proposals(await uow.milestones.for_contract(contract.id or 0))
    return milestone, contract, actor


async def act(uow: UnitOfWork, user: User, milestone_id: int, action: Action,
              now: datetime) -> Outcome:
    """Take an action that needs no input (approve, start, accept, refund, remove...)."""
    if action not in BUTTON_ACTIONS:
        raise ValueError(f"{action} needs input; call its own use case")
    milestone, contract, actor = await prepare(uow, user, milestone_id, action)
    if action in _PLAIN:
        _PLAIN[action](milestone, actor, now)
        return await record(uow, milestone, contract, action, actor, user.id, now)
    escrow = milestone.escrow
    moved = _SETTLING[action](milestone, actor, now)  # released on accept, else refunded
    release = moved if action is Action.ACCEPT else Money.zero(milestone.currency)
    await settle_money(uow, milestone, contract, now, release=release, escrow=escrow)
    return await record(uow, milestone, contract, action, actor, user.id, now,
                        amount=moved if moved.is_positive else None)


async def settle_money(uow: UnitOfWork, milestone: Milestone, contract: Contract,
                       now: datetime, release: Money | None, escrow: Money,
                       key: str | None = None) -> Money:
    """Empty ``escrow``: ``release`` to the expert (HOLD-01 hold), the rest to the client.

    Returns what moved (nothing when the escrow was empty: an unfunded milestone removed).
    """
    assert milestone.id is not None
    release = release or Money.zero(milestone.currency)
    if escrow.is_zero:
        return escrow
    source = escrow_account(milestone.id, milestone.currency)
    legs: list[Leg] = []
    if release.is_positive:
        legs += release_legs(source, contract.expert_id, release, available_at(now))
    if (escrow - release).is_positive:
        legs.append(Leg(source, wallet_account(contract.client_id, milestone.currency),
                        escrow - release))
    kind = "release" if release == escrow else "refund" if release.is_zero else "resolution"
    default = {"release": "ms-release", "refund": "ms-refund", "resolution": "ms-resolve"}
    await transfer(uow, key=key or f"{default[kind]}:{milestone.id}", kind=kind, legs=legs,
                   at=now, memo=milestone.title)
    return escrow


async def wallet_short(uow: UnitOfWork, contract: Contract, needed: Money) -> Money | None:
    """What the client's wallet lacks for ``needed`` (None if it has enough)."""
    balance = await uow.ledger.balance(wallet_account(contract.client_id, needed.currency))
    return needed - balance if balance < needed else None


async def fund(uow: UnitOfWork, user: User, milestone_id: int,
               now: datetime) -> Outcome | Shortfall:
    """The client funds an approved milestone from the wallet (HOLD-03, MS-05)."""
    milestone, contract, actor = await load(uow, user, milestone_id)
    ensure_can_act(user)
    milestone.guard(Action.FUND, actor)
    ensure_open(contract, Action.FUND)
    missing = await wallet_short(uow, contract, milestone.amount)
    if missing is not None:
        return Shortfall(milestone, contract, missing)
    amount = milestone.fund(actor, now)
    assert milestone.id is not None
    await fund_escrow(uow, client_id=contract.client_id, milestone_id=milestone.id,
                      amount=amount, key=f"ms-fund:{milestone.id}", at=now)
    return await record(uow, milestone, contract, Action.FUND, actor, user.id, now,
                        amount=amount)


async def submit(uow: UnitOfWork, user: User, milestone_id: int, text: str,
                 files: tuple[Attachment, ...], now: datetime) -> Outcome:
    """The expert submits work: a message and files (MS-06); MS-09's 14 days start."""
    milestone, contract, actor = await load(uow, user, milestone_id)
    ensure_can_act(user)
    milestone.guard(Action.SUBMIT, actor)
    ensure_open(contract, Action.SUBMIT)
    message = validate_note(text, required=not files)
    milestone.submit(actor, now)
    return await record(uow, milestone, contract, Action.SUBMIT, actor, user.id, now,
                        text=message, files=validate_files(files))


async def request_revision(uow: UnitOfWork, user: User, milestone_id: int, comment: str,
                           now: datetime) -> Outcome:
    """The client sends submitted work back with a comment (MS-06)."""
    milestone, contract, actor = await load(uow, user, milestone_id)
    ensure_can_act(user)
    milestone.guard(Action.REQUEST_REVISION, actor)
    note = validate_note(comment, required=True)
    milestone.request_revision(actor, now)
    return await record(uow, milestone, contract, Action.REQUEST_REVISION, actor, user.id, now,
                        text=note)
