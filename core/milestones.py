"""Milestones of fixed-price contracts: the entity (MS-01..09).

A milestone is a deliverable of a fixed-price contract: title, description, amount (at least
the currency's configured minimum, MS-01, :mod:`core.milestone_terms`), due date, state. Every
change goes through :meth:`Milestone.guard`, which consults the one state table
(:mod:`core.milestone_states`, re-exported here) and the request rules.

Its money lives in the ledger: funding moves it from the client's wallet into the milestone's
escrow (HOLD-03), release moves escrow to the expert's pending money (HOLD-01), a refund moves
it back to the client's wallet. The entity keeps the totals (``funded``, ``released``,
``refunded``) so that ``escrow == funded - released - refunded`` can be checked against the
ledger; :mod:`core.services.milestones` moves the money.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from core.errors import N_, Conflict, Forbidden, InvalidInput
from core.milestone_states import (
    ACTIVE_STATES,
    AUTO_RELEASE_AFTER,
    ESCALATE_AFTER_END,
    ESCROW_STATES,
    FINAL_STATES,
    FUTURE_STATES,
    OPEN_AFTER_END_STATES,
    OPEN_CONTRACT_ACTIONS,
    REMINDERS,
    TABLE,
    Action,
    Actor,
    ActorRefused,
    MilestoneState,
    RequestKind,
    Rule,
    StateRefused,
    WaitingProposals,
    allowed,
    check,
)
from core.money import Money

__all__ = [
    "ACTIVE_STATES",
    "AUTO_RELEASE_AFTER",
    "ESCALATE_AFTER_END",
    "ESCROW_STATES",
    "FINAL_STATES",
    "FUTURE_STATES",
    "OPEN_AFTER_END_STATES",
    "OPEN_CONTRACT_ACTIONS",
    "REMINDERS",
    "TABLE",
    "Action",
    "Actor",
    "ActorRefused",
    "ChangeRequest",
    "Milestone",
    "MilestoneState",
    "RequestKind",
    "Rule",
    "StateRefused",
    "WaitingProposals",
    "allowed",
    "check",
    "ensure_no_waiting_proposals",
]

S = MilestoneState
E, C = Actor.EXPERT, Actor.CLIENT


def ensure_no_waiting_proposals(milestones: Iterable[Milestone]) -> None:
    """MS-07: refuse while an expert's proposal waits for the client's answer."""
    if any(m.state is S.PROPOSED and m.author is E for m in milestones):
        raise WaitingProposals()


@dataclass(slots=True)
class ChangeRequest:
    """An expert's request waiting for the client: a change (MS-04) or a removal (MS-03)."""

    kind: RequestKind
    number: int  # the milestone's request counter: keys the escrow top-up of this change
    requested_at: datetime
    title: str | None = None
    description: str | None = None
    amount: Money | None = None
    due_date: date | None = None

    @property
    def states(self) -> frozenset[MilestoneState]:
        """The states in which this request can still be answered."""
        return FUTURE_STATES if self.kind is RequestKind.REMOVAL else ACTIVE_STATES


@dataclass(slots=True)
class Milestone:
    """A milestone of a fixed-price contract; ``id`` is ``None`` until stored."""

    contract_id: int
    title: str
    description: str
    amount: Money
    due_date: date
    author: Actor
    created_at: datetime
    state: MilestoneState = S.PROPOSED
    id: int | None = None
    updated_at: datetime | None = None
    funded: Money | None = None
    released: Money | None = None
    refunded: Money | None = None
    submitted_at: datetime | None = None
    submissions: int = 0
    reminders_sent: int = 0
    request: ChangeRequest | None = None
    requests_made: int = 0
    dispute_item_id: int | None = None
    from_offer: bool = False  # made from the contract offer's first-milestone term
    _zero: Money = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.state, self.author = MilestoneState(self.state), Actor(self.author)
        self._zero = Money.zero(self.amount.currency)
        self.funded = self.funded or self._zero
        self.released = self.released or self._zero
        self.refunded = self.refunded or self._zero

    @property
    def currency(self) -> str:
        """The contract's currency."""
        return self.amount.currency

    @property
    def escrow(self) -> Money:
        """What the escrow holds: funded minus released minus refunded."""
        assert self.funded is not None and self.released is not None
        assert self.refunded is not None
        return self.funded - self.released - self.refunded

    @property
    def auto_release_at(self) -> datetime | None:
        """MS-09: when submitted work is released if the client does not answer."""
        if self.state is not S.SUBMITTED or self.submitted_at is None:
            return None
        return self.submitted_at + AUTO_RELEASE_AFTER

    # -- the one gate every change goes through -------------------------------------------

    def guard(self, action: Action, actor: Actor) -> MilestoneState:
        """The state ``action`` leads to; refuses per the table and the request rules."""
        target = check(action, actor, self.state)
        assert target is not None
        if action in (Action.PROPOSE_CHANGE, Action.REQUEST_REMOVAL) and self.request:
            raise Conflict(N_("A request for this milestone is already waiting for the "
                              "client's answer."))
        wanted = {Action.APPROVE_CHANGE: RequestKind.CHANGE,
                  Action.DECLINE_CHANGE: RequestKind.CHANGE,
                  Action.APPROVE_REMOVAL: RequestKind.REMOVAL,
                  Action.DECLINE_REMOVAL: RequestKind.REMOVAL}.get(action)
        if wanted is not None and (self.request is None or self.request.kind is not wanted):
            raise Conflict(N_("There is no such request waiting for your answer."))
        return target

    def can(self, action: Action, actor: Actor) -> bool:
        """True if :meth:`guard` would let ``actor`` take ``action`` now."""
        try:
            self.guard(action, actor)
        except (Forbidden, Conflict):
            return False
        return True

    def actions_for(self, actor: Actor, contract_active: bool) -> list[Action]:
        """What ``actor`` may do with this milestone now, in table order (for the board)."""
        return [action for action in TABLE
                if self.can(action, actor)
                and (contract_active or action not in OPEN_CONTRACT_ACTIONS)]

    def _move(self, target: MilestoneState, now: datetime) -> None:
        self.state, self.updated_at = target, now
        if self.request is not None and target not in self.request.states:
            self.request = None

    # -- creation ------------------------------------------------------------------------------

    @classmethod
    def create(cls, actor: Actor, contract_id: int, title: str, description: str,
               amount: Money, due_date: date, now: datetime) -> Milestone:
        """The expert proposes (MS-02) or the client adds (approved at once) a milestone."""
        action = Action.PROPOSE if actor is E else Action.CLIENT_ADD
        if actor not in (E, C):
            raise ActorRefused(action, actor, None)
        target = check(action, actor, None)
        assert target is not None
        return cls(contract_id=contract_id, title=title, description=description, amount=amount,
                   due_date=due_date, author=actor, created_at=now, state=target, updated_at=now)

    # -- proposals (MS-02) and the client's own plan (MS-07) ----------------------------------

    def edit(self, actor: Actor, now: datetime, *, title: str, description: str,
             amount: Money, due_date: date) -> None:
        """The expert edits an unanswered proposal, or the client an unfunded milestone."""
        action = Action.EDIT_PROPOSAL if actor is E else Action.CLIENT_EDIT
        self.guard(action, actor)
        self._same_currency(amount)
        self.title, self.description, self.amount, self.due_date = (
            title, description, amount, due_date)
        self.updated_at = now

    def delete_proposal(self, actor: Actor, now: datetime) -> None:
        """The expert withdraws an unanswered proposal."""
        self._move(self.guard(Action.DELETE_PROPOSAL, actor), now)

    def approve(self, actor: Actor, now: datetime) -> None:
        """The client approves a proposal; it waits to be funded."""
        self._move(self.guard(Action.APPROVE, actor), now)

    def decline(self, actor: Actor, now: datetime) -> None:
        """The client declines a proposal (final)."""
        self._move(self.guard(Action.DECLINE, actor), now)

    # -- money in (HOLD-03, MS-05) ----------------------------------------------------------

    def fund(self, actor: Actor, now: datetime) -> Money:
        """Escrow now holds the amount; returns what the service moved into it."""
        self._move(self.guard(Action.FUND, actor), now)
        self.funded = self.amount
        return self.amount

    def start(self, actor: Actor, now: datetime) -> None:
        """The expert starts work on a funded milestone (MS-05)."""
        self._move(self.guard(Action.START, actor), now)

    # -- delivery (MS-06, MS-09) ------------------------------------------------------------

    def submit(self, actor: Actor, now: datetime) -> None:
        """The expert submits work; the 14 days of MS-09 start now."""
        self._move(self.guard(Action.SUBMIT, actor), now)
        self.submitted_at, self.reminders_sent = now, 0
        self.submissions += 1

    def accept(self, actor: Actor, now: datetime) -> Money:
        """The client accepts the work; returns the escrow to release to the expert."""
        return self._release(Action.ACCEPT, actor, now)

    def auto_release(self, actor: Actor, now: datetime) -> Money:
        """MS-09: the scheduler releases work unanswered for 14 days."""
        self.guard(Action.AUTO_RELEASE, actor)
        due = self.auto_release_at
        if due is None or now < due:
            raise Conflict(N_("This work is not due for automatic release yet."))
        return self._release(Action.AUTO_RELEASE, actor, now)

    def request_revision(self, actor: Actor, now: datetime) -> None:
        """The client sends the work back with a comment."""
        self._move(self.guard(Action.REQUEST_REVISION, actor), now)
        self.submitted_at = None

    def refund(self, actor: Actor, now: datetime) -> Money:
        """The expert returns the escrow to the client; returns the amount refunded."""
        target = self.guard(Action.REFUND, actor)
        return self._settle(target, now, release=self._zero)

    # -- disputes (MS-08) --------------------------------------------------------------------

    def open_dispute(self, actor: Actor, now: datetime) -> None:
        """Either side takes the milestone to support; everything else stops."""
        self._move(self.guard(Action.OPEN_DISPUTE, actor), now)
        self.submitted_at = None

    def resolve(self, actor: Actor, now: datetime, release: Money) -> tuple[Money, Money]:
        """Support releases ``release`` of the escrow; the rest goes back to the client.

        Returns (released, refunded). ``release`` equal to the escrow is a full release, zero
        a full refund, anything between a partial release.
        """
        self._same_currency(release)
        escrow = self.escrow
        if release.is_negative or release > escrow:
            raise InvalidInput(N_("The part to release must be between zero and {escrow}."),
                               escrow=escrow)
        action = (Action.RESOLVE_REFUND if release.is_zero else Action.RESOLVE_RELEASE
                  if release == escrow else Action.RESOLVE_PARTIAL)
        target = self.guard(action, actor)
        refunded = self._settle(target, now, release=release)
        return release, refunded

    # -- removal of future milestones (MS-03) -------------------------------------------------

    def request_removal(self, actor: Actor, now: datetime) -> None:
        """The expert asks the client to remove a future milestone."""
        self.guard(Action.REQUEST_REMOVAL, actor)
        self.requests_made += 1
        self.request = ChangeRequest(RequestKind.REMOVAL, self.requests_made, now)
        self.updated_at = now

    def approve_removal(self, actor: Actor, now: datetime) -> Money:
        """The client agrees to remove it; returns the escrow refunded (zero if unfunded)."""
        return self._remove(Action.APPROVE_REMOVAL, actor, now)

    def decline_removal(self, actor: Actor, now: datetime) -> None:
        """The client keeps the milestone."""
        self.guard(Action.DECLINE_REMOVAL, actor)
        self.request, self.updated_at = None, now

    def remove(self, actor: Actor, now: datetime) -> Money:
        """The client removes a future milestone; returns the escrow refunded."""
        return self._remove(Action.CLIENT_REMOVE, actor, now)

    # -- change requests (MS-04) ------------------------------------------------------------

    def propose_change(self, actor: Actor, now: datetime, *, title: str | None = None,
                       description: str | None = None, amount: Money | None = None,
                       due_date: date | None = None) -> ChangeRequest:
        """The expert asks for a new title, description, due date or a higher amount."""
        self.guard(Action.PROPOSE_CHANGE, actor)
        if amount is not None:
            self._same_currency(amount)
            if amount <= self.amount:
                raise InvalidInput(N_("A change can only raise the amount."))
        request = ChangeRequest(
            RequestKind.CHANGE, self.requests_made + 1, now,
            title=title if title not in (None, self.title) else None,
            description=description if description not in (None, self.description) else None,
            amount=amount if amount not in (None, self.amount) else None,
            due_date=due_date if due_date not in (None, self.due_date) else None)
        if (request.title, request.description, request.amount, request.due_date) == (
                None, None, None, None):
            raise InvalidInput(N_("The change request changes nothing."))
        self.requests_made, self.request = request.number, request
        self.updated_at = now
        return self.request

    def change_charge(self) -> Money:
        """What approving the waiting change moves into escrow (zero unless funded, MS-04)."""
        request = self.request
        if (request is None or request.amount is None or self.state not in ESCROW_STATES):
            return self._zero
        return request.amount - self.amount

    def approve_change(self, actor: Actor, now: datetime) -> Money:
        """The client approves the change; returns the difference charged into escrow."""
        self.guard(Action.APPROVE_CHANGE, actor)
        request = self.request
        assert request is not None
        charge = self.change_charge()
        self.title = request.title or self.title
        self.description = request.description if request.description is not None else (
            self.description)
        self.amount = request.amount or self.amount
        self.due_date = request.due_date or self.due_date
        self.funded = (self.funded or self._zero) + charge
        self.request, self.updated_at = None, now
        return charge

    def decline_change(self, actor: Actor, now: datetime) -> None:
        """The client keeps the milestone as it is."""
        self.guard(Action.DECLINE_CHANGE, actor)
        self.request, self.updated_at = None, now

    # -- the contract ends (MS-10) -----------------------------------------------------------

    def end_refund(self, actor: Actor, now: datetime) -> Money:
        """The contract ended before work started: the escrow goes back; returns the amount."""
        target = self.guard(Action.END_REFUND, actor)
        return self._settle(target, now, release=self._zero)

    def end_close(self, actor: Actor, now: datetime) -> None:
        """The contract ended: a proposal or an unfunded milestone is closed (no money)."""
        self._move(self.guard(Action.END_CLOSE, actor), now)

    def keep_open_after_end(self, now: datetime) -> None:
        """The contract ended with work under way: a waiting change can no longer be approved."""
        if self.request is not None:
            self.request, self.updated_at = None, now

    def escalate(self, actor: Actor, now: datetime) -> None:
        """Not settled 14 days after the contract ended: support decides (MS-10, MS-08)."""
        self._move(self.guard(Action.ESCALATE, actor), now)
        self.submitted_at = None

    # -- helpers -------------------------------------------------------------------------------

    def _release(self, action: Action, actor: Actor, now: datetime) -> Money:
        target = self.guard(action, actor)
        escrow = self.escrow
        self._settle(target, now, release=escrow)
        return escrow

    def _remove(self, action: Action, actor: Actor, now: datetime) -> Money:
        target = self.guard(action, actor)
        return self._settle(target, now, release=self._zero)

    def _settle(self, target: MilestoneState, now: datetime, release: Money) -> Money:
        """Empty the escrow: ``release`` to the expert, the rest back; returns the refund."""
        refund = self.escrow - release
        self.released = (self.released or self._zero) + release
        self.refunded = (self.refunded or self._zero) + refund
        self.submitted_at = None
        self._move(target, now)
        return refund

    def _same_currency(self, amount: Money) -> None:
        if amount.currency != self.currency:
            raise InvalidInput(N_("The amount must be in {currency}, the contract's currency."),
                               currency=self.currency)
