"""How milestones read on screen: state names, action buttons, the board and the card.

Everything is in the reader's language, amounts in their number format and dates in their
locale (:mod:`handlers.market_format`). Only the actions the reader may take now get a button
(:meth:`core.services.milestone_plan.Board.actions`); each button's data is
``ms:<verb>:<milestone id>`` (:data:`VERBS`), and the handler checks everything again on the
server when it is pressed.
"""

from __future__ import annotations

import zlib
from datetime import datetime

from core.errors import N_
from core.milestone_events import MilestoneEvent
from core.milestones import (
    ESCALATE_AFTER_END,
    Action,
    Actor,
    ChangeRequest,
    Milestone,
    MilestoneState,
    RequestKind,
)
from core.money import Money, format_money
from core.services.milestone_plan import Board
from handlers.context import Context
from handlers.contract import Button, Keyboard, keyboard
from handlers.fee_note import fee_note
from handlers.formats import moment as format_moment
from handlers.market_format import day, short

__all__ = [
    "ACTION_LABELS",
    "CONFIRM",
    "STATE_NAMES",
    "VERBS",
    "board_text",
    "card",
    "change_lines",
    "moment",
    "money",
]

S = MilestoneState

STATE_NAMES: dict[MilestoneState, str] = {
    S.PROPOSED: N_("proposed, waiting for the client's answer"),
    S.DECLINED: N_("declined"),
    S.APPROVED: N_("approved, waiting to be funded"),
    S.FUNDED: N_("funded: the money is in escrow"),
    S.IN_PROGRESS: N_("in progress"),
    S.SUBMITTED: N_("submitted, waiting for the client's review"),
    S.REVISION_REQUESTED: N_("revision requested"),
    S.RELEASED: N_("released to the freelancer"),
    S.REFUNDED: N_("refunded to the client"),
    S.DISPUTED: N_("in dispute: support decides"),
    S.REMOVED: N_("removed"),
}
STATE_ICONS: dict[MilestoneState, str] = {
    S.PROPOSED: "📝", S.DECLINED: "✖️", S.APPROVED: "👍", S.FUNDED: "💰", S.IN_PROGRESS: "🔨",
    S.SUBMITTED: "📦", S.REVISION_REQUESTED: "↩️", S.RELEASED: "✅", S.REFUNDED: "↩️💰",
    S.DISPUTED: "⚠️", S.REMOVED: "🗑",
}
ACTION_LABELS: dict[Action, str] = {
    Action.APPROVE: N_("Approve"),
    Action.DECLINE: N_("Decline"),
    Action.EDIT_PROPOSAL: N_("Edit"),
    Action.CLIENT_EDIT: N_("Edit"),
    Action.DELETE_PROPOSAL: N_("Delete the proposal"),
    Action.FUND: N_("Fund {amount}"),
    Action.START: N_("Start work"),
    Action.SUBMIT: N_("Submit work"),
    Action.ACCEPT: N_("Accept and release {amount}"),
    Action.REQUEST_REVISION: N_("Ask for a revision"),
    Action.OPEN_DISPUTE: N_("Open a dispute"),
    Action.REFUND: N_("Refund {amount} to the client"),
    Action.REQUEST_REMOVAL: N_("Ask the client to remove it"),
    Action.APPROVE_REMOVAL: N_("Remove it"),
    Action.DECLINE_REMOVAL: N_("Keep it"),
    Action.PROPOSE_CHANGE: N_("Propose a change"),
    Action.APPROVE_CHANGE: N_("Approve the change"),
    Action.DECLINE_CHANGE: N_("Decline the change"),
    Action.CLIENT_REMOVE: N_("Remove"),
}
#: Callback verbs: ``ms:<verb>:<id>``.
VERBS: dict[Action, str] = {
    Action.APPROVE: "ok", Action.DECLINE: "no", Action.EDIT_PROPOSAL: "ed",
    Action.CLIENT_EDIT: "ed", Action.DELETE_PROPOSAL: "del", Action.FUND: "f",
    Action.START: "st", Action.SUBMIT: "sub", Action.ACCEPT: "acc",
    Action.REQUEST_REVISION: "rev", Action.OPEN_DISPUTE: "dsp", Action.REFUND: "rf",
    Action.REQUEST_REMOVAL: "rr", Action.APPROVE_REMOVAL: "ar", Action.DECLINE_REMOVAL: "dr",
    Action.PROPOSE_CHANGE: "chg", Action.APPROVE_CHANGE: "ac", Action.DECLINE_CHANGE: "dc",
    Action.CLIENT_REMOVE: "cr",
}
#: Money leaves the escrow for good: these ask "are you sure?" first.
_REMOVE = N_("Remove the milestone “{title}”? Its escrow, if any, goes back to the client's "
             "wallet.")
CONFIRM: dict[Action, str] = {
    Action.ACCEPT: N_("Release {amount} to the freelancer? This cannot be undone."),
    Action.REFUND: N_("Return {amount} from escrow to the client's wallet? This cannot be "
                      "undone."),
    Action.APPROVE_REMOVAL: _REMOVE,
    Action.CLIENT_REMOVE: _REMOVE,
    Action.DELETE_PROPOSAL: N_("Delete your proposal “{title}”?"),
}


def money(ctx: Context, value: Money) -> str:
    """An amount in the reader's format."""
    return format_money(value, ctx.language)


def moment(ctx: Context, value: datetime) -> str:
    """An instant in the reader's locale, in UTC, to the minute."""
    return format_moment(value, ctx.language)


def change_lines(ctx: Context, request: ChangeRequest) -> list[str]:
    """What a change request asks for, one line per field."""
    lines = []
    if request.title is not None:
        lines.append(ctx.t("Title: {value}", value=request.title))
    if request.amount is not None:
        lines.append(ctx.t("Amount: {value}", value=money(ctx, request.amount)))
    if request.due_date is not None:
        lines.append(ctx.t("Due: {value}", value=day(ctx, request.due_date)))
    if request.description is not None:
        lines.append(ctx.t("Description: {value}", value=request.description or "—"))
    return lines


#: Telegram's limits are 4096 characters and 100 buttons a message; room is left for the rest.
BOARD_TEXT_BUDGET = 3600
BOARD_BUTTONS = 96
CARD_TEXT_BUDGET, CARD_TEXT_MIN = 4000, 300


#: A settled milestone whose escrow went both ways (MS-08's partial release).
SPLIT = N_("{released} released to the freelancer, {refunded} refunded to the client")


def state_text(ctx: Context, milestone: Milestone) -> str:
    """The state as a board line says it; a split decision says where each part went."""
    released, refunded = milestone.released, milestone.refunded
    if released and refunded and released.is_positive and refunded.is_positive:
        return ctx.t(SPLIT, released=released, refunded=refunded)
    return ctx.t(STATE_NAMES[milestone.state])


def _line(ctx: Context, number: int, milestone: Milestone) -> str:
    return (f"{number}. {STATE_ICONS[milestone.state]} {short(milestone.title, 40)} — "
            f"{money(ctx, milestone.amount)} — {day(ctx, milestone.due_date)} — "
            f"{state_text(ctx, milestone)}")


def board_text(ctx: Context, board: Board, title: str) -> tuple[str, Keyboard]:
    """The milestone board of a contract: one line and one button per milestone."""
    lines = [ctx.t("📋 Milestones of the contract for “{title}”", title=title)]
    rows = []
    for number, milestone in enumerate(board.milestones, 1):
        line = _line(ctx, number, milestone)
        if sum(len(kept) + 1 for kept in lines) + len(line) > BOARD_TEXT_BUDGET:
            left = len(board.milestones) - number + 1
            lines.append(ctx.tn("… and {n} more milestone", "… and {n} more milestones",
                                left))
            break
        lines.append(line)
    for number, milestone in enumerate(board.milestones[:BOARD_BUTTONS], 1):
        rows.append([Button(f"{number}. {short(milestone.title, 30)}",
                            data=f"ms:v:{milestone.id}")])
    if not board.milestones:
        lines.append(ctx.t("No milestones yet."))
    ended_at = board.contract.ended_at
    if not board.active and ended_at is not None and any(
            m.escrow.is_positive for m in board.milestones):
        lines.append(ctx.t("The contract has ended. Milestones that still hold money stay open "
                           "until they are settled; what is still open on {when} goes to "
                           "support.", when=moment(ctx, ended_at + ESCALATE_AFTER_END)))
    if board.proposals_wait and board.actor is Actor.CLIENT:
        lines.append(ctx.t("The freelancer's proposals wait for your answer: until you answer "
                           "them, you cannot add or change future milestones."))
    cid = board.contract.id
    if board.can_add:
        label = (N_("➕ Propose a milestone") if board.actor is Actor.EXPERT
                 else N_("➕ Add a milestone"))
        rows.append([Button(ctx.t(label), data=f"ms:new:{cid}")])
    rows.append([Button(ctx.t("‹ The contract"), data=f"ct:v:{cid}")])
    return "\n".join(lines), keyboard(*rows)


def card(ctx: Context, board: Board, milestone: Milestone,
         submission: MilestoneEvent | None) -> tuple[str, Keyboard]:
    """One milestone: its terms, state, waiting request, latest work; this side's actions."""
    lines = [ctx.t("Milestone “{title}”", title=milestone.title),
             ctx.t("Amount: {value}", value=money(ctx, milestone.amount)),
             ctx.t("Due: {value}", value=day(ctx, milestone.due_date)),
             ctx.t("State: {value}", value=ctx.t(STATE_NAMES[milestone.state]))]
    actions = board.actions(milestone)
    if Action.FUND in actions or Action.ACCEPT in actions:  # FEE-01: before paying, releasing
        note = fee_note(ctx, milestone.amount)
        if note is not None:
            lines.append(note)
    long_lines = []  # the free texts, shortened in this order if the card is too long
    if milestone.description:
        long_lines.append(len(lines))
        lines.append(milestone.description)
    released, refunded = milestone.released, milestone.refunded
    if released and refunded and released.is_positive and refunded.is_positive:
        lines.append(ctx.t("Released {released}, refunded {refunded}.",
                           released=money(ctx, released), refunded=money(ctx, refunded)))
    release_at = milestone.auto_release_at
    ended_at = board.contract.ended_at
    if (release_at is not None and ended_at is not None and milestone.submitted_at is not None
            and milestone.submitted_at > ended_at):  # MS-10: support comes first
        lines.append(ctx.t("Unless the client answers, it goes to support on {when}.",
                           when=moment(ctx, ended_at + ESCALATE_AFTER_END)))
    elif release_at is not None:
        lines.append(ctx.t("Released automatically on {when} unless the client answers.",
                           when=moment(ctx, release_at)))
    if submission is not None:
        lines.append(ctx.t("Latest work, {when}:", when=moment(ctx, submission.at)))
        if submission.text:
            long_lines.append(len(lines))
            lines.append(submission.text)
        if submission.files:
            lines.append(ctx.tn("{n} file attached", "{n} files attached",
                                len(submission.files)))
    request = milestone.request
    if request is not None and request.kind is RequestKind.REMOVAL:
        lines.append(ctx.t("The freelancer asks to remove this milestone."))
    elif request is not None:
        lines.append(ctx.t("The freelancer asks for a change:"))
        lines.extend(change_lines(ctx, request))
    if board.actor is Actor.SUPPORT and milestone.state is S.DISPUTED:
        lines.append(ctx.t("Support decides with /dispute {id} (both sides' history) and "
                           "/resolve {id} release|partial <amount>|refund <reason>.",
                           id=milestone.id))
    rows = []
    for action in (a for a in actions if a in ACTION_LABELS):
        label = ctx.t(ACTION_LABELS[action], amount=money(ctx, milestone.escrow
                                                          if action is not Action.FUND
                                                          else milestone.amount))
        tag = (f":{terms_tag(milestone)}" if action is Action.APPROVE else
               f":{milestone.request.number}" if action is Action.APPROVE_CHANGE
               and milestone.request is not None else "")
        rows.append([Button(label, data=f"ms:{VERBS[action]}:{milestone.id}{tag}")])
    if submission is not None and submission.files:
        rows.append([Button(ctx.t("Show the files"), data=f"ms:fl:{milestone.id}")])
    rows.append([Button(ctx.t("‹ Milestones"), data=f"ms:b:{milestone.contract_id}")])
    return _fit(lines, long_lines), keyboard(*rows)


def terms_tag(milestone: Milestone) -> str:
    """A short fingerprint of the terms, carried by "Approve" (``ms:ok:<id>:<tag>``) so that a
    press on a card shown before the freelancer edited the proposal approves nothing unseen."""
    terms = "\n".join([milestone.title, milestone.description, str(milestone.amount.minor),
                       milestone.due_date.isoformat()])
    return f"{zlib.crc32(terms.encode()):08x}"


def _fit(lines: list[str], long_lines: list[int]) -> str:
    """``lines`` joined, the free texts at ``long_lines`` cut so that the whole fits a message."""
    for index in long_lines:
        over = len("\n".join(lines)) - CARD_TEXT_BUDGET
        if over <= 0:
            break
        keep = max(CARD_TEXT_MIN, len(lines[index]) - over - 1)
        if keep < len(lines[index]):
            lines[index] = lines[index][:keep] + "…"
    return "\n".join(lines)
