"""PAY-07: the states of a payout and the one table of who may move it where.

::

    requested -> scheduled (its business day, PAY-04) -> sent -> paid
    requested -> flagged (PAY-03) -> scheduled (support confirms) | failed (support refuses)
    requested | scheduled | flagged -> cancelled (the freelancer, until it is sent)
    scheduled -> failed (support or the provider); sent -> failed | returned (the provider)

Leaving for paid, the money goes from "payouts in flight" to the outside world (the method's
fee to the platform); for failed, returned and cancelled it goes back to available.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from core.errors import N_, Conflict

__all__ = ["FINAL", "TABLE", "PayoutAction", "PayoutActor", "PayoutState", "Transition",
           "guard"]


class PayoutState(StrEnum):
    """Where a payout stands."""

    REQUESTED = "requested"
    SCHEDULED = "scheduled"
    FLAGGED = "flagged"
    SENT = "sent"
    PAID = "paid"
    FAILED = "failed"
    RETURNED = "returned"
    CANCELLED = "cancelled"


class PayoutActor(StrEnum):
    """Who acts on a payout."""

    OWNER = "owner"
    SUPPORT = "support"
    SYSTEM = "system"  # the payout tick and the provider's reports


class PayoutAction(StrEnum):
    """What may be done to a payout."""

    SCHEDULE = "schedule"
    FLAG = "flag"
    CONFIRM = "confirm"
    REFUSE = "refuse"
    CANCEL = "cancel"
    SEND = "send"
    PAY = "pay"
    FAIL = "fail"
    RETURN = "return"


@dataclass(frozen=True, slots=True)
class Transition:
    """``action`` by one of ``actors`` from one of ``sources`` leads to ``target``."""

    action: PayoutAction
    actors: frozenset[PayoutActor]
    sources: frozenset[PayoutState]
    target: PayoutState


S, A, W = PayoutState, PayoutActor, PayoutAction
TABLE: tuple[Transition, ...] = (
    Transition(W.SCHEDULE, frozenset({A.SYSTEM}), frozenset({S.REQUESTED}), S.SCHEDULED),
    Transition(W.FLAG, frozenset({A.SYSTEM}), frozenset({S.REQUESTED}), S.FLAGGED),
    Transition(W.CONFIRM, frozenset({A.SUPPORT}), frozenset({S.FLAGGED}), S.SCHEDULED),
    Transition(W.REFUSE, frozenset({A.SUPPORT}), frozenset({S.FLAGGED}), S.FAILED),
    Transition(W.CANCEL, frozenset({A.OWNER}),
               frozenset({S.REQUESTED, S.SCHEDULED, S.FLAGGED}), S.CANCELLED),
    Transition(W.SEND, frozenset({A.SYSTEM, A.SUPPORT}), frozenset({S.SCHEDULED}), S.SENT),
    Transition(W.PAY, frozenset({A.SYSTEM, A.SUPPORT}), frozenset({S.SENT}), S.PAID),
    Transition(W.FAIL, frozenset({A.SYSTEM, A.SUPPORT}), frozenset({S.SCHEDULED, S.SENT}),
               S.FAILED),
    Transition(W.RETURN, frozenset({A.SYSTEM}), frozenset({S.SENT}), S.RETURNED),
)
del S, A, W

#: States a payout never leaves.
FINAL: frozenset[PayoutState] = frozenset({
    PayoutState.PAID, PayoutState.FAILED, PayoutState.RETURNED, PayoutState.CANCELLED,
})

NOT_NOW = N_("This payout can no longer be changed that way (it is {state} now).")


def guard(state: PayoutState, action: PayoutAction, actor: PayoutActor) -> PayoutState:
    """The state ``action`` by ``actor`` leads to from ``state``; :class:`Conflict` if none."""
    for row in TABLE:
        if row.action is action and actor in row.actors and state in row.sources:
            return row.target
    raise Conflict(NOT_NOW, state=state.value)
