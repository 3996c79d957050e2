"""The milestone board of a fixed-price contract, milestone cards and their one-press actions.

Callback data (``ms:<verb>:<id>``, at most a few bytes; forged data finds nothing, because
every press loads the milestone through :mod:`core.services.milestones`, which answers "not
found" to strangers and refuses the wrong side by the state table)::

    ms:b:<contract>        the board: every milestone with its state, amount and due date
    ms:v:<milestone>       a milestone card with the actions this user may take now
    ms:new:<contract>      propose (expert) or add (client) a milestone: a dialog
    ms:ed|chg|sub|rev|dsp:<milestone>   edit, change request, submit, revision, dispute:
                           dialogs (:mod:`handlers.milestone_dialogs`, ``milestone_work``)
    ms:f:<milestone>       fund from the wallet; a short wallet gets an invoice for exactly the
                           missing amount, and the milestone is funded when it is paid
    ms:ac:<milestone>:<n>  approve the waiting change number n (a higher amount is charged
                           likewise); a newer request than the card showed is shown again
    ms:ok:<milestone>:<t>  approve a proposal whose terms have the fingerprint t
                           (``terms_tag``); edited terms are shown again, not approved
    ms:<verb>:<milestone>[:y]   approve, decline, start, accept, refund, removals...; the ones
                           that move money out of escrow ask first and carry ``:y`` when sure
    ms:fl:<milestone>      the files of the latest submission

``/milestones <contract id>`` opens the board too (``/milestones`` alone lists the active
fixed-price contracts); the contract card has a button for it.
The other side is told of every change through the outbox, in their language.
"""

from __future__ import annotations

from core.contracts import ContractStatus
from core.errors import N_
from core.milestone_events import MilestoneEvent
from core.milestones import Action
from core.payments import InvoiceTexts, topup_maximum
from core.services import milestone_plan as plan
from core.services import milestones as ms
from core.services.milestone_payments import open_invoice
from handlers import milestone_dialogs as dialogs
from handlers import milestone_work as work
from handlers.context import Context
from handlers.contract import (
    Action as Reply,
)
from handlers.contract import (
    AnswerCallback,
    Button,
    Callback,
    Command,
    Edit,
    Incoming,
    Send,
    SendDocument,
    SendPhoto,
    keyboard,
)
from handlers.fee_note import fee_note
from handlers.keyboards import stale
from handlers.market_format import number, parts, short
from handlers.milestone_notices import tell
from handlers.milestone_views import (
    ACTION_LABELS,
    CONFIRM,
    VERBS,
    board_text,
    card,
    money,
    terms_tag,
)
from handlers.projects import reply
from handlers.router import Router
from handlers.wallet import NOT_CONFIGURED, TelegramPayments

__all__ = ["command_milestones", "milestone_button", "milestones_button", "router", "show_card"]

router = Router()
LIST_SIZE = 20

_BY_VERB: dict[str, Action] = {verb: action for action, verb in VERBS.items()
                               if action in ms.BUTTON_ACTIONS}
DONE: dict[Action, str] = {
    Action.APPROVE: N_("Approved."), Action.DECLINE: N_("Declined."),
    Action.DELETE_PROPOSAL: N_("Proposal deleted."), Action.START: N_("Work started."),
    Action.ACCEPT: N_("Accepted: the money is released."), Action.REFUND: N_("Refunded."),
    Action.REQUEST_REMOVAL: N_("The client is asked to remove it."),
    Action.APPROVE_REMOVAL: N_("Removed."), Action.DECLINE_REMOVAL: N_("Kept."),
    Action.DECLINE_CHANGE: N_("Change declined."), Action.CLIENT_REMOVE: N_("Removed."),
    Action.FUND: N_("Funded: the money is in escrow."),
    Action.APPROVE_CHANGE: N_("Change approved."),
}
PROPOSAL_EDITED = N_("The freelancer has changed this proposal since you opened it. Read it "
                     "again, then approve or decline.")
CHANGE_EDITED = N_("The freelancer has asked for another change since you opened this. Read "
                   "it again, then approve or decline.")
NO_FIXED = N_("You have no active fixed-price contracts. Their milestones show here once an "
              "offer is accepted.")


def milestones_button(ctx: Context, contract_id: int) -> Button:
    """The contract card's button to the board."""
    return Button(ctx.t("Milestones"), data=f"ms:b:{contract_id}")


async def _board(incoming: Incoming, ctx: Context, contract_id: int) -> list[Reply]:
    board = await plan.board(ctx.uow, ctx.user, contract_id, ctx.now())
    project = await ctx.uow.market.projects.get(board.contract.project_id)
    text, buttons = board_text(ctx, board, project.title if project else "?")
    return [reply(incoming, text, buttons)]


async def _latest_work(ctx: Context, milestone_id: int) -> MilestoneEvent | None:
    events = await ctx.uow.milestones.events(milestone_id)
    return next((e for e in reversed(events) if e.action is Action.SUBMIT), None)


async def show_card(incoming: Incoming, ctx: Context, milestone_id: int,
                    note: str | None = None) -> list[Reply]:
    """The milestone's card for this user (edited in place after a button)."""
    milestone, contract, _actor = await ms.load(ctx.uow, ctx.user, milestone_id, lock=False)
    board = await plan.board(ctx.uow, ctx.user, contract.id or 0, ctx.now())
    current = next(m for m in board.milestones if m.id == milestone.id)
    text, buttons = card(ctx, board, current, await _latest_work(ctx, milestone_id))
    answer = [AnswerCallback(ctx.t(note))] if note and isinstance(incoming.event,
                                                                  Callback) else []
    return [*answer, reply(incoming, text, buttons)]


async def _files(ctx: Context, milestone_id: int) -> list[Reply]:
    await ms.load(ctx.uow, ctx.user, milestone_id, lock=False)
    work = await _latest_work(ctx, milestone_id)
    if work is None or not work.files:
        return [AnswerCallback(ctx.t("There are no files."), alert=True)]
    return [SendPhoto(f.file_id) if f.kind == "photo" else SendDocument(file_id=f.file_id)
            for f in work.files]


async def _confirm(ctx: Context, milestone_id: int, action: Action) -> list[Reply]:
    milestone, _contract, _actor = await ms.prepare(ctx.uow, ctx.user, milestone_id, action,
                                                    lock=False)
    amount = money(ctx, milestone.escrow)
    question = ctx.t(CONFIRM[action], amount=amount, title=milestone.title)
    note = fee_note(ctx, milestone.escrow) if action is Action.ACCEPT else None
    if note is not None:  # FEE-01: the release shows gross, fee and net before it is done
        question += "\n" + note
    label = ctx.t(ACTION_LABELS[action], amount=amount)
    return [Edit(question, keyboard=keyboard(
        [Button(label, data=f"ms:{VERBS[action]}:{milestone_id}:y")],
        [Button(ctx.t("‹ Back"), data=f"ms:v:{milestone_id}")]))]


TOO_MUCH_FOR_ONE_PAYMENT = N_("Your wallet is {missing} short, and one payment can bring at "
                              "most {maximum}. Add the money with /topup in several payments, "
                              "then press the button again.")


async def invoice(ctx: Context, shortfall: ms.Shortfall) -> list[Reply]:
    """The invoice for exactly what the wallet lacks (funding, or an approved change)."""
    if not (ctx.settings.payment_provider_token or ctx.settings.sandbox):
        return [AnswerCallback(ctx.t(NOT_CONFIGURED), alert=True)]
    maximum = topup_maximum(shortfall.missing.currency)
    if shortfall.missing > maximum:  # one invoice cannot carry it: top up in several payments
        return [AnswerCallback(), Send(ctx.t(TOO_MUCH_FOR_ONE_PAYMENT, missing=money(
            ctx, shortfall.missing), maximum=money(ctx, maximum)))]
    gateway = TelegramPayments(ctx.settings.payment_provider_token)
    intent = await open_invoice(ctx.uow, ctx.user, shortfall, gateway.name, ctx.now(),
                                ctx.language)
    milestone, missing = shortfall.milestone, money(ctx, shortfall.missing)
    request = milestone.request if shortfall.request_number is not None else None
    gross = request.amount if request is not None and request.amount else milestone.amount
    note = fee_note(ctx, gross)  # FEE-01: on the invoice, before the client pays
    description = ctx.t("{missing} for the escrow of the milestone “{title}”. It is funded "
                        "as soon as the payment goes through.", missing=missing,
                        title=short(milestone.title, 40))
    texts = InvoiceTexts(
        title=ctx.t("Milestone funding"),
        description=f"{description} {note}" if note else description,
        label=ctx.t("Escrow top-up {amount}", amount=missing))
    told = ctx.t("Your wallet is {missing} short. Pay the invoice below: the money goes "
                 "to your wallet and on into the escrow of “{title}” at once.",
                 missing=missing, title=milestone.title)
    return [AnswerCallback(), Send(f"{told}\n{note}" if note else told),
            gateway.request(intent, texts)]


async def _money_in(incoming: Incoming, ctx: Context, milestone_id: int,
                    action: Action) -> list[Reply]:
    """Fund, or approve a change: from the wallet, or an invoice for what it lacks."""
    use_case = ms.fund if action is Action.FUND else plan.approve_change
    result = await use_case(ctx.uow, ctx.user, milestone_id, ctx.now())
    if isinstance(result, ms.Shortfall):
        return await invoice(ctx, result)
    await tell(ctx.uow, result)
    return await show_card(incoming, ctx, milestone_id, DONE[action])


@router.command("milestones")
async def command_milestones(incoming: Incoming, ctx: Context) -> list[Reply]:
    """``/milestones <contract>``: that board; without one, the active fixed contracts and the
    ended ones whose milestones still hold money (MS-10)."""
    args = (incoming.event.args if isinstance(incoming.event, Command) else "").strip()
    contract_id = number(args.lstrip("#"))
    if contract_id is not None:
        return await _board(incoming, ctx, contract_id)
    rows = []
    for contract in await plan.board_contracts(ctx.uow, ctx.user, LIST_SIZE):
        project = await ctx.uow.market.projects.get(contract.project_id)
        label = short(project.title if project else "?")
        if contract.status is not ContractStatus.ACTIVE:  # MS-10: ended, money still held
            label = ctx.t("{title} (ended)", title=short(project.title if project else "?", 40))
        rows.append([Button(label, data=f"ms:b:{contract.id}")])
    if not rows:
        return [Send(ctx.t(NO_FIXED))]
    return [Send(ctx.t("Pick a contract to see its milestones:"), keyboard=keyboard(*rows))]


@router.callback("ms")
async def milestone_button(incoming: Incoming, ctx: Context) -> list[Reply]:
    """Every ``ms:`` button (see the module docstring); each loads and checks again."""
    data, tag = parts(incoming), None
    if data is not None and len(data) == 4 and data[1] in ("ok", "ac") and data[3] != "y":
        data, tag = data[:3], data[3]  # approvals carry the terms (or request) they showed
    if data is None or len(data) not in (3, 4) or (len(data) == 4 and data[3] != "y"):
        return stale(ctx)
    verb, ident, sure = data[1], number(data[2]), len(data) == 4
    if ident is None:
        return stale(ctx)
    if verb == "b" and not sure:
        return await _board(incoming, ctx, ident)
    if verb == "v" and not sure:
        return await show_card(incoming, ctx, ident)
    if verb == "fl" and not sure:
        return await _files(ctx, ident)
    start = dialogs.STARTS.get(verb) or work.STARTS.get(verb)
    if start is not None and not sure:
        return await start(ctx, ident)
    if verb == "ac" and not sure:
        if tag is None:
            return stale(ctx)
        milestone, _contract, _actor = await ms.load(ctx.uow, ctx.user, ident, lock=False)
        if milestone.request is not None and str(milestone.request.number) != tag:
            return await show_card(incoming, ctx, ident, CHANGE_EDITED)
    if verb in ("f", "ac") and not sure:
        return await _money_in(incoming, ctx, ident,
                               Action.FUND if verb == "f" else Action.APPROVE_CHANGE)
    action = _BY_VERB.get(verb)
    if action is None:
        return stale(ctx)
    if action in CONFIRM and not sure:
        return await _confirm(ctx, ident, action)
    if action is Action.APPROVE:
        if tag is None:
            return stale(ctx)
        milestone, _contract, _actor = await ms.load(ctx.uow, ctx.user, ident, lock=False)
        if terms_tag(milestone) != tag:
            return await show_card(incoming, ctx, ident, PROPOSAL_EDITED)
    outcome = await ms.act(ctx.uow, ctx.user, ident, action, ctx.now())
    await tell(ctx.uow, outcome)
    return await show_card(incoming, ctx, ident, DONE[action])
