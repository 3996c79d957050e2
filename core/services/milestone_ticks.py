"""Time-driven milestone work (MS-09): auto-release of unanswered work and the reminders before.

Submitted work that the client neither accepts, sends back for revision nor disputes within
14 days (:data:`~core.milestone_states.AUTO_RELEASE_AFTER`) is released by the scheduler: the
escrow goes to the expert's pending money with a HOLD-01 hold, as if the client had accepted.
The client is reminded 3 days and 1 day before (:data:`~core.milestone_states.REMINDERS`).

Both are computed from stored state at the instant the tick runs, so a tick missed while the
bot was down is caught up: a release that fell due is done (no reminder is sent for it any
more), and of two reminders that fell due only the later one is sent. Each milestone counts the
reminders sent for its current submission (reset by a new submission), so each is sent once.
Work submitted after its contract ended gets no reminder: it goes to support 14 days after
the end (MS-10), before its release would fall due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from core.contracts import Contract
from core.milestones import AUTO_RELEASE_AFTER, REMINDERS, Action, Actor, Milestone
from core.ports import UnitOfWork
from core.services.milestones import Outcome, record, settle_money

__all__ = ["Reminder", "auto_release_due", "reminders_due"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Reminder:
    """Tell the client that ``milestone`` will be released at ``release_at`` (MS-09)."""

    milestone: Milestone
    contract: Contract
    lead: timedelta  # how long before the release: 3 days or 1 day
    number: int  # 1 for the first reminder of this submission, 2 for the second

    @property
    def release_at(self) -> datetime:
        """When the work is released if the client still does not answer."""
        release_at = self.milestone.auto_release_at
        assert release_at is not None
        return release_at

    @property
    def dedupe_key(self) -> str:
        """One notification per milestone, submission and reminder."""
        return f"ms-remind:{self.milestone.id}:{self.milestone.submissions}:{self.number}"


async def _contract(uow: UnitOfWork, milestone: Milestone) -> Contract:
    contract = await uow.market.contracts.get(milestone.contract_id)
    assert contract is not None, "a milestone always has its contract"
    return contract


async def auto_release_due(uow: UnitOfWork, at: datetime, limit: int = 1) -> list[Outcome]:
    """Release the work submitted at least 14 days before ``at`` (oldest first)."""
    outcomes = []
    for found in await uow.milestones.submitted_between(_EPOCH, at - AUTO_RELEASE_AFTER, None,
                                                         limit):
        assert found.id is not None
        milestone = await uow.milestones.get(found.id, lock=True)
        if milestone is None or milestone.auto_release_at is None:
            continue
        contract = await _contract(uow, milestone)
        escrow = milestone.escrow
        released = milestone.auto_release(Actor.SYSTEM, at)
        await settle_money(uow, milestone, contract, at, release=released, escrow=escrow)
        outcomes.append(await record(uow, milestone, contract, Action.AUTO_RELEASE,
                                     Actor.SYSTEM, None, at, amount=released))
    return outcomes


async def reminders_due(uow: UnitOfWork, at: datetime, limit: int = 1) -> list[Reminder]:
    """The reminders due at ``at`` that were not sent yet; marks them sent.

    Reminder ``n`` (lead ``REMINDERS[n - 1]``) is due once ``at`` reaches the release instant
    minus its lead, and is the one to send while the next reminder (or the release) is not due.
    """
    reminders: list[Reminder] = []
    leads = sorted(REMINDERS, reverse=True)  # 3 days, then 1 day
    for index in reversed(range(len(leads))):  # the latest due reminder first
        lead = leads[index]
        later = leads[index + 1] if index + 1 < len(leads) else timedelta(0)
        while len(reminders) < limit:
            found = await uow.milestones.submitted_between(
                at - (AUTO_RELEASE_AFTER - later), at - (AUTO_RELEASE_AFTER - lead),
                index + 1, limit - len(reminders))
            skipped = False
            for candidate in found:
                assert candidate.id is not None
                milestone = await uow.milestones.get(candidate.id, lock=True)
                if (milestone is None or milestone.submitted_at != candidate.submitted_at
                        or milestone.reminders_sent > index):
                    continue  # answered or reminded meanwhile
                milestone.reminders_sent = index + 1
                await uow.milestones.save(milestone)
                contract = await _contract(uow, milestone)
                if contract.ended_at is not None and milestone.submitted_at is not None and (
                        milestone.submitted_at > contract.ended_at):
                    skipped = True  # MS-10: submitted after the end, support comes first
                    continue
                reminders.append(Reminder(milestone, contract, lead, index + 1))
            if not skipped:  # nothing was passed over: nothing more is due at this lead
                break
        if len(reminders) >= limit:
            break
    return reminders
