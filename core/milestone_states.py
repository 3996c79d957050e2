"""The ONE state table of milestones (MS-02..09): who may do what, from which state, to which.

Every transition stands in :data:`TABLE`: the action, who may take it (:class:`Actor`), from
which states, and the state it leads to (``None``: the state does not change). ``None`` as a
*from* state is a milestone that does not exist yet (proposing or adding one). Anything not in
the table is refused with a named, translated error: :class:`ActorRefused` (the wrong side)
or :class:`StateRefused` (the wrong moment). :mod:`core.milestones` holds the entity that
goes through :func:`check` for every change.

Semantics decided here:

- **Proposals** (MS-02): the expert proposes; edits or deletes a proposal until the client
  approves or declines it; proposals never expire (nothing in time touches ``proposed``).
  While any expert proposal waits, the client cannot add, edit or remove future milestones
  (MS-07, :func:`core.milestones.ensure_no_waiting_proposals`). A milestone the client adds
  is approved at once (the client wrote it; the expert may ask to remove it).
- **Funding** (MS-05, HOLD-03): ``funded`` means the escrow holds the amount and work may
  start. Work starts only then: the expert presses Start (``in_progress``), or submitting a
  funded milestone implies it.
- **Future milestones** are approved or funded ones whose work has not started. The expert may
  ask the client to remove one; the client may remove one directly (a funded one is refunded).
  A milestone in progress cannot be removed (MS-03).
- **Change requests** (MS-04): for an active milestone (approved, funded, in progress,
  submitted, revision requested) the expert proposes a new title, description, due date or a
  *higher* amount; the client approves or declines. Approving a higher amount on a funded
  milestone charges the difference into escrow. One request (change or removal) waits at a time;
  a request that no longer fits the milestone's new state is dropped.
- **Delivery** (MS-06): the expert submits (message and files); the client accepts (release),
  asks for a revision, or disputes. The expert may refund the escrow to the client at any time
  while it holds money.
- **Disputes** (MS-08): either side, while escrow holds money; support resolves with a full
  release, a partial release (the rest refunded) or a full refund.
- **Auto-release** (MS-09): submitted work unanswered for 14 days is released by the system
  (:data:`AUTO_RELEASE_AFTER`); reminders go out 3 days and 1 day before.
- Actions that create or extend obligations need an active contract
  (:data:`OPEN_CONTRACT_ACTIONS`); settling money (accept, refund, disputes, removals) stays
  possible after a contract ended, so escrow can never be stranded.
- **Ending the contract** (MS-10): when a fixed-price contract ends, the system refunds funded
  milestones whose work has not started (``end_refund``) and closes those that hold no money
  (``end_close``: proposals and unfunded approvals). Work in progress, submitted or sent back
  for a revision (:data:`OPEN_AFTER_END_STATES`) stays open: the expert may still submit it,
  the client accept it, either side refund or dispute it, and MS-09 still releases it. If none
  of these happens within :data:`ESCALATE_AFTER_END` of the end, the system takes it to support
  as a dispute (``escalate``). A disputed milestone waits for support.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from core.errors import N_, Conflict, Forbidden

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
    "MilestoneState",
    "RequestKind",
    "Rule",
    "StateRefused",
    "WaitingProposals",
    "allowed",
    "check",
]


class MilestoneState(StrEnum):
    """Where a milestone is."""

    PROPOSED = "proposed"
    DECLINED = "declined"
    APPROVED = "approved"
    FUNDED = "funded"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    REVISION_REQUESTED = "revision_requested"
    RELEASED = "released"
    REFUNDED = "refunded"
    DISPUTED = "disputed"
    REMOVED = "removed"


class Actor(StrEnum):
    """Who acts on a milestone: a side of the contract, support, or the scheduler."""

    EXPERT = "expert"
    CLIENT = "client"
    SUPPORT = "support"
    SYSTEM = "system"


class Action(StrEnum):
    """Everything that can happen to a milestone."""

    PROPOSE = "propose"
    EDIT_PROPOSAL = "edit_proposal"
    DELETE_PROPOSAL = "delete_proposal"
    APPROVE = "approve"
    DECLINE = "decline"
    FUND = "fund"
    START = "start"
    SUBMIT = "submit"
    ACCEPT = "accept"
    REQUEST_REVISION = "request_revision"
    OPEN_DISPUTE = "open_dispute"
    REFUND = "refund"
    REQUEST_REMOVAL = "request_removal"
    APPROVE_REMOVAL = "approve_removal"
    DECLINE_REMOVAL = "decline_removal"
    PROPOSE_CHANGE = "propose_change"
    APPROVE_CHANGE = "approve_change"
    DECLINE_CHANGE = "decline_change"
    RESOLVE_RELEASE = "resolve_release"
    RESOLVE_PARTIAL = "resolve_partial"
    RESOLVE_REFUND = "resolve_refund"
    AUTO_RELEASE = "auto_release"
    CLIENT_ADD = "client_add"
    CLIENT_EDIT = "client_edit"
    CLIENT_REMOVE = "client_remove"
    END_REFUND = "end_refund"
    END_CLOSE = "end_close"
    ESCALATE = "escalate"


class RequestKind(StrEnum):
    """What an expert's pending request asks the client."""

    CHANGE = "change"
    REMOVAL = "removal"


S = MilestoneState
E, C, SUP, SYS = Actor.EXPERT, Actor.CLIENT, Actor.SUPPORT, Actor.SYSTEM

#: The escrow holds the milestone's amount in exactly these states.
ESCROW_STATES = frozenset({S.FUNDED, S.IN_PROGRESS, S.SUBMITTED, S.REVISION_REQUESTED,
                           S.DISPUTED})
#: Nothing happens to a milestone in these states any more.
FINAL_STATES = frozenset({S.DECLINED, S.RELEASED, S.REFUNDED, S.REMOVED})
#: Approved or funded, work not started: may be removed (MS-03).
FUTURE_STATES = frozenset({S.APPROVED, S.FUNDED})
#: May be changed (MS-04).
ACTIVE_STATES = frozenset({S.APPROVED, S.FUNDED, S.IN_PROGRESS, S.SUBMITTED,
                           S.REVISION_REQUESTED})
_HOLDING = ESCROW_STATES - {S.DISPUTED}  # disputes and refunds start here
#: MS-10: work started and money in escrow: stays open after the contract ends.
OPEN_AFTER_END_STATES = frozenset({S.IN_PROGRESS, S.SUBMITTED, S.REVISION_REQUESTED})
#: MS-10: a milestone still open this long after the end goes to support as a dispute.
ESCALATE_AFTER_END = timedelta(days=14)

#: MS-09: submitted work unanswered this long is released; reminders this long before.
AUTO_RELEASE_AFTER = timedelta(days=14)
REMINDERS: tuple[timedelta, ...] = (timedelta(days=3), timedelta(days=1))


@dataclass(frozen=True, slots=True)
class Rule:
    """One row of the state table."""

    actors: frozenset[Actor]
    sources: frozenset[MilestoneState | None]
    target: MilestoneState | None  # None: the state does not change
    only_when: str  # the named refusal when the state is wrong


def _rule(actors: Iterable[Actor], sources: Iterable[MilestoneState | None],
          target: MilestoneState | None, only_when: str) -> Rule:
    return Rule(frozenset(actors), frozenset(sources), target, only_when)


_UNANSWERED = N_("Only a proposal the client has not answered yet can be changed or deleted.")
_FUTURE_ONLY = N_("Only a future milestone (approved or funded, work not started) can be "
                  "removed.")
_CHANGE_ONLY = N_("Changes can be requested only for an active milestone.")
_DISPUTED_ONLY = N_("Only a disputed milestone can be resolved.")
_HOLDING_ONLY = N_("This is possible only while the milestone's money is in escrow.")

#: THE state table: action -> who, from which states, to which state.
TABLE: dict[Action, Rule] = {
    Action.PROPOSE: _rule([E], [None], S.PROPOSED, N_("This milestone already exists.")),
    Action.EDIT_PROPOSAL: _rule([E], [S.PROPOSED], None, _UNANSWERED),
    Action.DELETE_PROPOSAL: _rule([E], [S.PROPOSED], S.REMOVED, _UNANSWERED),
    Action.APPROVE: _rule([C], [S.PROPOSED], S.APPROVED,
                          N_("Only a proposed milestone can be approved or declined.")),
    Action.DECLINE: _rule([C], [S.PROPOSED], S.DECLINED,
                          N_("Only a proposed milestone can be approved or declined.")),
    Action.FUND: _rule([C], [S.APPROVED], S.FUNDED,
                       N_("Only an approved milestone that is not funded yet can be funded.")),
    Action.START: _rule([E], [S.FUNDED], S.IN_PROGRESS,
                        N_("Work on this milestone has already started or ended.")),
    Action.SUBMIT: _rule([E], [S.FUNDED, S.IN_PROGRESS, S.REVISION_REQUESTED], S.SUBMITTED,
                         N_("Work can be submitted only while the milestone is funded and "
                            "not yet submitted.")),
    Action.ACCEPT: _rule([C], [S.SUBMITTED], S.RELEASED,
                         N_("Only submitted work can be accepted.")),
    Action.REQUEST_REVISION: _rule([C], [S.SUBMITTED], S.REVISION_REQUESTED,
                                   N_("A revision can be requested only for submitted work.")),
    Action.OPEN_DISPUTE: _rule([E, C], _HOLDING, S.DISPUTED, _HOLDING_ONLY),
    Action.REFUND: _rule([E], _HOLDING, S.REFUNDED, _HOLDING_ONLY),
    Action.REQUEST_REMOVAL: _rule([E], FUTURE_STATES, None, _FUTURE_ONLY),
    Action.APPROVE_REMOVAL: _rule([C], FUTURE_STATES, S.REMOVED, _FUTURE_ONLY),
    Action.DECLINE_REMOVAL: _rule([C], FUTURE_STATES, None, _FUTURE_ONLY),
    Action.PROPOSE_CHANGE: _rule([E], ACTIVE_STATES, None, _CHANGE_ONLY),
    Action.APPROVE_CHANGE: _rule([C], ACTIVE_STATES, None, _CHANGE_ONLY),
    Action.DECLINE_CHANGE: _rule([C], ACTIVE_STATES, None, _CHANGE_ONLY),
    Action.RESOLVE_RELEASE: _rule([SUP], [S.DISPUTED], S.RELEASED, _DISPUTED_ONLY),
    Action.RESOLVE_PARTIAL: _rule([SUP], [S.DISPUTED], S.RELEASED, _DISPUTED_ONLY),
    Action.RESOLVE_REFUND: _rule([SUP], [S.DISPUTED], S.REFUNDED, _DISPUTED_ONLY),
    Action.AUTO_RELEASE: _rule([SYS], [S.SUBMITTED], S.RELEASED,
                               N_("Only submitted work is released automatically.")),
    Action.CLIENT_ADD: _rule([C], [None], S.APPROVED, N_("This milestone already exists.")),
    Action.CLIENT_EDIT: _rule([C], [S.APPROVED], None,
                              N_("Only an approved milestone that is not funded yet can be "
                                 "edited.")),
    Action.CLIENT_REMOVE: _rule([C], FUTURE_STATES, S.REMOVED, _FUTURE_ONLY),
    Action.END_REFUND: _rule([SYS], [S.FUNDED], S.REFUNDED,
                             N_("Only a funded milestone whose work has not started is "
                                "refunded when the contract ends.")),
    Action.END_CLOSE: _rule([SYS], [S.PROPOSED, S.APPROVED], S.REMOVED,
                            N_("Only a milestone that holds no money is closed when the "
                               "contract ends.")),
    Action.ESCALATE: _rule([SYS], OPEN_AFTER_END_STATES, S.DISPUTED,
                           N_("Only work in progress, submitted or sent back for a revision "
                              "goes to support after the contract ended.")),
}

#: Refusals more precise than the row's, for the rules that name them.
_SPECIAL: dict[tuple[Action, MilestoneState], str] = {
    **{(action, state): N_("Work starts only after the milestone is approved and funded.")
       for action in (Action.START, Action.SUBMIT) for state in (S.PROPOSED, S.APPROVED)},
    **{(action, S.IN_PROGRESS): N_("A milestone in progress cannot be removed.")
       for action in (Action.REQUEST_REMOVAL, Action.APPROVE_REMOVAL, Action.CLIENT_REMOVE)},
}

_WHO: dict[frozenset[Actor], str] = {
    frozenset({E}): N_("Only the freelancer of this contract can do that."),
    frozenset({C}): N_("Only the client of this contract can do that."),
    frozenset({E, C}): N_("Only the parties of this contract can do that."),
    frozenset({SUP}): N_("Only support can do that."),
    frozenset({SYS}): N_("This happens only automatically."),
}

#: Actions that create or extend obligations: refused once the contract is not active.
#: Submitting is not one of them: work started before the end is still delivered (MS-10).
OPEN_CONTRACT_ACTIONS = frozenset({
    Action.PROPOSE, Action.EDIT_PROPOSAL, Action.APPROVE, Action.FUND, Action.START,
    Action.PROPOSE_CHANGE, Action.APPROVE_CHANGE, Action.CLIENT_ADD, Action.CLIENT_EDIT,
})


class ActorRefused(Forbidden):
    """The actor is not the side the state table allows for this action."""

    def __init__(self, action: Action, actor: Actor, state: MilestoneState | None) -> None:
        super().__init__(_WHO[TABLE[action].actors])
        self.action, self.actor, self.state = action, actor, state


class StateRefused(Conflict):
    """The action is not possible from the milestone's state (a stale button, a repeat)."""

    def __init__(self, action: Action, actor: Actor, state: MilestoneState | None) -> None:
        message = (_SPECIAL.get((action, state), TABLE[action].only_when) if state is not None
                   else N_("That milestone does not exist."))
        super().__init__(message)
        self.action, self.actor, self.state = action, actor, state


class WaitingProposals(Conflict):
    """MS-07: the client must answer the expert's proposals before changing the plan."""

    def __init__(self) -> None:
        super().__init__(N_("First answer the freelancer's proposed milestones: until then "
                            "you cannot add or change future milestones."))


def check(action: Action, actor: Actor, state: MilestoneState | None) -> MilestoneState | None:
    """The state ``action`` by ``actor`` leads to from ``state``; refuses with a named error."""
    rule = TABLE[action]
    if actor not in rule.actors:
        raise ActorRefused(action, actor, state)
    if state not in rule.sources:
        raise StateRefused(action, actor, state)
    return state if rule.target is None else rule.target


def allowed(action: Action, actor: Actor, state: MilestoneState | None) -> bool:
    """True if the state table lets ``actor`` take ``action`` from ``state``."""
    rule = TABLE[action]
    return actor in rule.actors and state in rule.sources
