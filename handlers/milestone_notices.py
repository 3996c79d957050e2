"""Milestone notifications, and the scheduler's milestone ticks (MS-09).

Every state change tells the other side (both sides when support or the scheduler acted)
through the outbox, in the recipient's language (:func:`handlers.notify.notify`), with a
button to the milestone. The dedupe key is the history entry's id and the recipient, so a
retried update or a repeated tick never tells anyone twice.

Ticks (registered in :mod:`handlers.jobs`):

- ``milestone_auto_release``: releases work submitted 14 days ago and unanswered; both sides
  are told (the expert with the date the money becomes available, HOLD-01).
- ``milestone_reminders``: reminds the client 3 days and 1 day before that.
- ``milestone_contract_end`` (MS-10): takes milestones still open 14 days after their
  contract ended to support, and refunds funded ones of an ended contract; both sides are
  told. It runs before the auto-release, so that of two things due, the earlier happens.
"""

from __future__ import annotations

from datetime import date, datetime

from core.accounts import pick_language
from core.errors import N_
from core.holds import available_at
from core.milestones import Action, Actor
from core.payouts.fees import split_fee
from core.payouts.policy import current
from core.ports import UnitOfWork
from core.screening import masked
from core.services.contract_end import contract_end_due
from core.services.milestone_ticks import Reminder, auto_release_due, reminders_due
from core.services.milestones import Outcome
from core.services.screening import readable, readable_by
from handlers.contract import Button, keyboard
from handlers.formats import day, moment
from handlers.notify import notify

__all__ = ["NOTICES", "OPEN_MILESTONE", "auto_release_step", "contract_end_step", "remind_step",
           "tell"]

OPEN_MILESTONE = N_("Open the milestone")
_DISPUTED = N_("⚠️ {name} opened a dispute about the milestone “{title}”. Support will read "
               "both sides' history and decide. Reason: {text}")
_RESOLVED = N_("Support decided the dispute about the milestone “{title}”: {released} to the "
               "freelancer, {refunded} back to the client's wallet. Reason: {text}")

_ESCALATED = N_("⚠️ The milestone “{title}” was not settled within 14 days after the contract "
                "ended, so it went to support as a dispute. Support will read both sides' "
                "history and decide; its {amount} stays in escrow until then.")

#: What the recipient reads, by action and by the recipient's side.
NOTICES: dict[tuple[Action, Actor], str] = {
    (Action.PROPOSE, Actor.CLIENT): N_(
        "📝 {name} proposed a milestone: “{title}”, {amount}, due {due}. Approve or decline it."),
    (Action.EDIT_PROPOSAL, Actor.CLIENT): N_(
        "📝 {name} changed the proposed milestone “{title}”: now {amount}, due {due}."),
    (Action.DELETE_PROPOSAL, Actor.CLIENT): N_(
        "{name} withdrew the proposed milestone “{title}”."),
    (Action.APPROVE, Actor.EXPERT): N_(
        "👍 {name} approved the milestone “{title}”. Work starts once it is funded."),
    (Action.DECLINE, Actor.EXPERT): N_("{name} declined the proposed milestone “{title}”."),
    (Action.FUND, Actor.EXPERT): N_(
        "💰 The milestone “{title}” is funded: {amount} is in escrow. You can start work."),
    (Action.START, Actor.CLIENT): N_("🔨 {name} started work on the milestone “{title}”."),
    (Action.SUBMIT, Actor.CLIENT): N_(
        "📦 {name} submitted work for the milestone “{title}”. Accept it, ask for a revision "
        "or open a dispute; without an answer it is released to the freelancer on {when}."),
    (Action.ACCEPT, Actor.EXPERT): N_(
        "✅ {name} accepted the milestone “{title}”: {amount} is yours, available on {day}."),
    (Action.REQUEST_REVISION, Actor.EXPERT): N_(
        "↩️ {name} asks for a revision of the milestone “{title}”: {text}"),
    (Action.OPEN_DISPUTE, Actor.CLIENT): _DISPUTED,
    (Action.OPEN_DISPUTE, Actor.EXPERT): _DISPUTED,
    (Action.REFUND, Actor.CLIENT): N_(
        "↩️ {name} refunded the milestone “{title}”: {amount} is back in your wallet."),
    (Action.REQUEST_REMOVAL, Actor.CLIENT): N_(
        "{name} asks you to remove the milestone “{title}”."),
    (Action.APPROVE_REMOVAL, Actor.EXPERT): N_(
        "🗑 {name} removed the milestone “{title}”, as you asked."),
    (Action.DECLINE_REMOVAL, Actor.EXPERT): N_("{name} keeps the milestone “{title}”."),
    (Action.PROPOSE_CHANGE, Actor.CLIENT): N_(
        "✏️ {name} asks to change the milestone “{title}”. Open it to see the change and "
        "answer."),
    (Action.APPROVE_CHANGE, Actor.EXPERT): N_(
        "✏️ {name} approved your change of the milestone “{title}”."),
    (Action.DECLINE_CHANGE, Actor.EXPERT): N_(
        "{name} declined your change of the milestone “{title}”."),
    (Action.RESOLVE_RELEASE, Actor.CLIENT): _RESOLVED,
    (Action.RESOLVE_RELEASE, Actor.EXPERT): _RESOLVED,
    (Action.RESOLVE_PARTIAL, Actor.CLIENT): _RESOLVED,
    (Action.RESOLVE_PARTIAL, Actor.EXPERT): _RESOLVED,
    (Action.RESOLVE_REFUND, Actor.CLIENT): _RESOLVED,
    (Action.RESOLVE_REFUND, Actor.EXPERT): _RESOLVED,
    (Action.AUTO_RELEASE, Actor.CLIENT): N_(
        "The milestone “{title}” was released to the freelancer automatically: 14 days "
        "passed without an answer to the submitted work."),
    (Action.AUTO_RELEASE, Actor.EXPERT): N_(
        "💰 The milestone “{title}” was released to you automatically: {amount}, available "
        "on {day}."),
    (Action.CLIENT_ADD, Actor.EXPERT): N_(
        "➕ {name} added a milestone: “{title}”, {amount}, due {due}. Work starts once it is "
        "funded."),
    (Action.CLIENT_EDIT, Actor.EXPERT): N_(
        "✏️ {name} changed the milestone “{title}”: now {amount}, due {due}."),
    (Action.CLIENT_REMOVE, Actor.EXPERT): N_("🗑 {name} removed the milestone “{title}”."),
    (Action.END_REFUND, Actor.CLIENT): N_(
        "↩️ The contract has ended before work on the milestone “{title}” started: {amount} "
        "is back in your wallet."),
    (Action.END_REFUND, Actor.EXPERT): N_(
        "The contract has ended before work on the milestone “{title}” started: its {amount} "
        "went back to the client."),
    (Action.ESCALATE, Actor.CLIENT): _ESCALATED,
    (Action.ESCALATE, Actor.EXPERT): _ESCALATED,
}
#: FEE-01: what the freelancer reads of a release when a service fee was kept: gross, fee, net.
WITH_FEE: dict[tuple[Action, Actor], str] = {
    (Action.ACCEPT, Actor.EXPERT): N_(
        "✅ {name} accepted the milestone “{title}”: {amount} released, the service fee is "
        "{fee}, {net} is yours, available on {day}."),
    (Action.AUTO_RELEASE, Actor.EXPERT): N_(
        "💰 The milestone “{title}” was released to you automatically: {amount}, less the "
        "service fee of {fee}: {net}, available on {day}."),
    (Action.RESOLVE_RELEASE, Actor.EXPERT): N_(
        "Support decided the dispute about the milestone “{title}”: {released} to you (the "
        "service fee is {fee}, {net} is yours), {refunded} back to the client's wallet. "
        "Reason: {text}"),
}
WITH_FEE[(Action.RESOLVE_PARTIAL, Actor.EXPERT)] = WITH_FEE[(Action.RESOLVE_RELEASE,
                                                             Actor.EXPERT)]
REMINDER = N_("⏰ Reminder: the work submitted for the milestone “{title}” is released to the "
              "freelancer automatically on {when}, unless you accept it, ask for a revision "
              "or open a dispute before then.")


async def _language(uow: UnitOfWork, user_id: int) -> str:
    user = await uow.users.get(user_id)
    return pick_language(user.language, user.telegram_language) if user else "en"


def _day(value: date, language: str) -> str:
    return day(value, language)


def _when(value: datetime, language: str) -> str:
    return moment(value, language)


def _open(milestone_id: int | None) -> tuple[tuple[Button, ...], ...]:
    return keyboard([Button(OPEN_MILESTONE, data=f"ms:v:{milestone_id}")])


async def tell(uow: UnitOfWork, outcome: Outcome) -> None:
    """Notify whoever should hear of ``outcome``, each in their language."""
    milestone, event = outcome.milestone, outcome.event
    actor = await uow.users.get(event.actor_id) if event.actor_id is not None else None
    for recipient, side in outcome.recipients:
        message = NOTICES.get((outcome.action, side))
        if message is None:
            continue
        split = split_fee(milestone.released or milestone.amount, current().fee_percent)
        if (outcome.action, side) in WITH_FEE and split.fee.is_positive:
            message = WITH_FEE[(outcome.action, side)]
        reader = await uow.users.get(recipient)
        language = pick_language(reader.language, reader.telegram_language) if reader else "en"
        release_at = milestone.auto_release_at
        # MSG-03 in one place: the milestone's texts and the note as this recipient may read
        # them (the parties of an accepted contract read them as written)
        shown = await readable(uow, reader, milestone) if reader else masked(milestone)
        note = (await readable(uow, reader, event) if reader else masked(event)).text
        await notify(
            uow, recipient, message, keyboard=_open(milestone.id),
            dedupe_key=f"ms-event:{event.id}:{recipient}",
            name=actor.display_name if actor else "", title=shown.title,
            amount=event.amount or milestone.amount, due=_day(milestone.due_date, language),
            when=_when(release_at, language) if release_at else "",
            day=_day(available_at(event.at).date(), language), text=note,
            released=milestone.released, refunded=milestone.refunded, fee=split.fee,
            net=split.net)


async def remind(uow: UnitOfWork, reminder: Reminder) -> bool:
    """MS-09: tell the client when the submitted work will be released."""
    client = reminder.contract.client_id
    shown = await readable_by(uow, client, reminder.milestone)  # MSG-03, as tell() does
    return await notify(uow, client, REMINDER, keyboard=_open(reminder.milestone.id),
                        dedupe_key=reminder.dedupe_key, title=shown.title,
                        when=_when(reminder.release_at, await _language(uow, client)))


async def auto_release_step(uow: UnitOfWork, at: datetime) -> int:
    """MS-09: release the next work unanswered for 14 days; tell both sides."""
    outcomes = await auto_release_due(uow, at, limit=1)
    for outcome in outcomes:
        await tell(uow, outcome)
    return len(outcomes)


async def contract_end_step(uow: UnitOfWork, at: datetime) -> int:
    """MS-10: settle the next thing an ended contract left due; tell both sides."""
    outcomes = await contract_end_due(uow, at, limit=1)
    for outcome in outcomes:
        await tell(uow, outcome)
    return len(outcomes)


async def remind_step(uow: UnitOfWork, at: datetime) -> int:
    """MS-09: send the next reminder due at ``at`` (3 days, then 1 day before release)."""
    reminders = await reminders_due(uow, at, limit=1)
    for reminder in reminders:
        await remind(uow, reminder)
    return len(reminders)
