"""Contracts: what choosing a freelancer creates, from the offer to its end.

A contract binds a client (the project's owner) and an expert (the chosen freelancer) on one
project, with terms of the project's kind:

- ``hourly``: a rate per hour and an optional weekly hour limit (BILL-07 caps billing by it);
- ``fixed``: the first milestone (title and amount) proposed with the offer. It is stored as an
  offer term; the milestone flow itself (approval, escrow) belongs to the milestones module.

States::

    offered --accept (expert)--> active --end (either side, with a reason)--> ended
       \\--decline (expert)--> declined

Ending records why (REV-01 decides from it whether both sides may review): the work was
completed and accepted (client), one side refused to collaborate (the other side says so), or
it was cancelled by the client or by the freelancer (each only for themselves).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from core.errors import N_, Conflict, Forbidden, InvalidInput
from core.projects import ProjectKind

__all__ = [
    "Contract",
    "ContractStatus",
    "EndReason",
    "MILESTONE_TITLE_MAX",
    "WEEKLY_LIMIT_MAX",
    "reasons_for",
    "validate_milestone_title",
    "validate_weekly_limit",
]

WEEKLY_LIMIT_MAX = 168
MILESTONE_TITLE_MIN, MILESTONE_TITLE_MAX = 3, 100


class ContractStatus(StrEnum):
    """Where a contract is."""

    OFFERED = "offered"
    ACTIVE = "active"
    DECLINED = "declined"
    ENDED = "ended"


class EndReason(StrEnum):
    """Why a contract ended (REV-01 reads it)."""

    COMPLETED = "completed"
    REFUSED_TO_COLLABORATE = "refused_to_collaborate"
    CANCELLED_BY_CLIENT = "cancelled_by_client"
    CANCELLED_BY_FREELANCER = "cancelled_by_freelancer"


_CLIENT_REASONS = (EndReason.COMPLETED, EndReason.REFUSED_TO_COLLABORATE,
                   EndReason.CANCELLED_BY_CLIENT)
_EXPERT_REASONS = (EndReason.REFUSED_TO_COLLABORATE, EndReason.CANCELLED_BY_FREELANCER)


@dataclass(slots=True)
class Contract:
    """An offer and, once accepted, a running contract; ``id`` is ``None`` until stored."""

    project_id: int
    application_id: int
    client_id: int
    expert_id: int
    kind: ProjectKind
    currency: str
    created_at: datetime
    hourly_rate: int | None = None
    weekly_limit: int | None = None
    milestone_title: str | None = None
    milestone_amount: int | None = None
    status: ContractStatus = ContractStatus.OFFERED
    id: int | None = None
    accepted_at: datetime | None = None
    declined_at: datetime | None = None
    ended_at: datetime | None = None
    end_reason: EndReason | None = None
    ended_by: int | None = None
    #: PAY-02: support marked it a managed-service contract (otherwise a private project)
    managed_service: bool = False

    def __post_init__(self) -> None:
        self.kind, self.status = ProjectKind(self.kind), ContractStatus(self.status)
        if self.kind is ProjectKind.HOURLY and (self.hourly_rate or 0) <= 0:
            raise InvalidInput(N_("An hourly contract needs a rate."))
        if self.kind is ProjectKind.FIXED and (
            not self.milestone_title or (self.milestone_amount or 0) <= 0
        ):
            raise InvalidInput(N_("A fixed-price contract needs its first milestone."))

    def is_party(self, user_id: int) -> bool:
        """The client or the expert of this contract."""
        return user_id in (self.client_id, self.expert_id)

    def other_party(self, user_id: int) -> int:
        """The id of the side that is not ``user_id``."""
        return self.expert_id if user_id == self.client_id else self.client_id

    def accept(self, user_id: int, now: datetime) -> None:
        """The expert accepts the offer; the contract becomes active."""
        self._expert_answers(user_id)
        self.status, self.accepted_at = ContractStatus.ACTIVE, now

    def decline(self, user_id: int, now: datetime) -> None:
        """The expert declines the offer."""
        self._expert_answers(user_id)
        self.status, self.declined_at = ContractStatus.DECLINED, now

    def end(self, user_id: int, reason: EndReason, now: datetime) -> None:
        """Either side ends an active contract with a reason allowed to that side."""
        if not self.is_party(user_id):
            raise Forbidden(N_("Only the parties of a contract may do that."))
        if self.status is not ContractStatus.ACTIVE:
            raise Conflict(N_("Only an active contract can be ended."))
        if reason not in reasons_for(self, user_id):
            raise Forbidden(N_("You cannot end the contract with that reason."))
        self.status, self.end_reason = ContractStatus.ENDED, reason
        self.ended_at, self.ended_by = now, user_id

    def _expert_answers(self, user_id: int) -> None:
        if user_id != self.expert_id:
            raise Forbidden(N_("Only the freelancer the offer was sent to may answer it."))
        if self.status is not ContractStatus.OFFERED:
            raise Conflict(N_("This offer has already been answered."))


def reasons_for(contract: Contract, user_id: int) -> tuple[EndReason, ...]:
    """The end reasons ``user_id`` may give: only the client completes, each cancels for itself."""
    if user_id == contract.client_id:
        return _CLIENT_REASONS
    if user_id == contract.expert_id:
        return _EXPERT_REASONS
    return ()


def validate_weekly_limit(value: int | None) -> int | None:
    """A weekly hour limit: none, or 1 to 168 hours."""
    if value is not None and not 1 <= value <= WEEKLY_LIMIT_MAX:
        raise InvalidInput(N_("The weekly limit must be between 1 and {limit} hours."),
                           limit=WEEKLY_LIMIT_MAX)
    return value


def validate_milestone_title(value: str) -> str:
    """The first milestone's title: one line, 3 to 100 characters."""
    title = " ".join(value.split())
    if not MILESTONE_TITLE_MIN <= len(title) <= MILESTONE_TITLE_MAX or title.startswith("/"):
        raise InvalidInput(N_("The milestone title must be {low} to {high} characters."),
                           low=MILESTONE_TITLE_MIN, high=MILESTONE_TITLE_MAX)
    return title
