"""Support's side of milestone disputes (MS-08), and funding milestones when an invoice is paid.

Staff commands (``admin=True``: hidden from everyone else; the services check the role again)::

    /dispute <milestone>                           the dispute: both sides' history, evidence
    /resolve <milestone> release <reason>          all of the escrow to the freelancer
    /resolve <milestone> partial <amount> <reason> that much to the freelancer, the rest back
    /resolve <milestone> refund <reason>           all of the escrow back to the client

A dispute's card in the support queue has a button ``msq:<queue item>`` to the same view, and
the three decisions as buttons acting on the queue item shown (``/resolve <milestone>`` stays as
their alias)::

    [msd:<item>:rl|rf] --> support.decide --reason--> decided
    [msd:<item>:pt]    --> support.decide --"<amount> <reason>"--> decided

Resolving moves the money in one ledger transaction, writes the audit rows and closes the
queue item; both sides are told in their language.

:func:`fund_paid_milestone` is a payment hook (:mod:`handlers.payment_hooks`): when an invoice
opened for a short wallet is paid, the milestone is funded (or the change approved) at once.
"""

from __future__ import annotations

from core.accounts import ensure_can_act
from core.errors import N_, Forbidden, InvalidInput
from core.milestone_events import MilestoneEvent
from core.milestones import Action, Actor, Milestone, MilestoneState
from core.money import parse_amount
from core.payments import Settlement
from core.services.ledger import wallet_account
from core.services.milestone_disputes import DisputeView, Resolution, dispute_view, resolve
from core.services.milestone_payments import escrow_of_payment, fund_after_payment
from core.services.support import open_item
from core.support import ItemKind, ItemStatus, QueueItem, ensure_staff
from handlers.context import Context
from handlers.contract import Action as Reply
from handlers.contract import Button, Command, Incoming, Send, SendDocument, SendPhoto, keyboard
from handlers.keyboards import stale, typed_text
from handlers.market_format import number, parts
from handlers.milestone_notices import tell
from handlers.milestone_views import STATE_NAMES, moment, money
from handlers.payment_hooks import HookReply, after_payment
from handlers.router import Router

__all__ = ["DECIDE_STATE", "command_dispute", "command_resolve", "decide_button",
           "dispute_rows", "fund_paid_milestone", "process_decision", "queue_button", "router"]

router = Router()

DECIDE_STATE = "support.decide"
OWN_CONTRACT = N_("You cannot resolve a dispute about your own contract.")
DECISIONS: dict[str, Resolution] = {"rl": Resolution.RELEASE, "pt": Resolution.PARTIAL,
                                    "rf": Resolution.REFUND}
ASK_REASON = N_("Milestone #{id} “{title}”: {decision}. Type the reason for the audit log and "
                "both sides, or send /cancel.")
ASK_PART = N_("Milestone #{id} “{title}”: release part of {escrow}. Type the amount for the "
              "freelancer and the reason, for example “40 half of the drawings arrived”, or "
              "send /cancel. The rest goes back to the employer.")
DECISION_NAMES: dict[Resolution, str] = {
    Resolution.RELEASE: N_("release everything to the freelancer"),
    Resolution.PARTIAL: N_("release part of it"),
    Resolution.REFUND: N_("refund everything to the employer"),
}

NOT_FUNDED_AFTER_PAYMENT = N_("The payment is in your wallet, but nothing was moved into escrow: "
                              "the milestone or your wallet changed in the meantime. Open the "
                              "milestone to see where it stands.")
PAID_INTO_ESCROW = N_("Payment received: {amount}. It went straight into the escrow of the "
                      "milestone “{title}”; your wallet balance is {balance}.")
ESCROW_REPLAYED = N_("This payment was received before: it went into the escrow of the "
                     "milestone “{title}”. Nothing moved this time; your wallet balance is "
                     "{balance}.")
PART_TOO_LARGE = N_("The part to release must be between zero and {escrow}.")
USAGE = N_("Usage: /resolve <milestone> release <reason>, /resolve <milestone> partial "
           "<amount> <reason>, or /resolve <milestone> refund <reason>")
HISTORY: dict[Action, str] = {
    Action.PROPOSE: N_("proposed"), Action.EDIT_PROPOSAL: N_("edited the proposal"),
    Action.DELETE_PROPOSAL: N_("deleted the proposal"), Action.APPROVE: N_("approved it"),
    Action.DECLINE: N_("declined it"), Action.FUND: N_("funded"), Action.START: N_("started work"),
    Action.SUBMIT: N_("submitted work"), Action.ACCEPT: N_("accepted"),
    Action.REQUEST_REVISION: N_("asked for a revision"),
    Action.OPEN_DISPUTE: N_("opened a dispute"), Action.REFUND: N_("refunded"),
    Action.REQUEST_REMOVAL: N_("asked to remove it"),
    Action.APPROVE_REMOVAL: N_("removed it on request"),
    Action.DECLINE_REMOVAL: N_("kept it"), Action.PROPOSE_CHANGE: N_("asked for a change"),
    Action.APPROVE_CHANGE: N_("approved the change"),
    Action.DECLINE_CHANGE: N_("declined the change"),
    Action.RESOLVE_RELEASE: N_("released it (support)"),
    Action.RESOLVE_PARTIAL: N_("released part of it (support)"),
    Action.RESOLVE_REFUND: N_("refunded it (support)"),
    Action.AUTO_RELEASE: N_("released it automatically"), Action.CLIENT_ADD: N_("added"),
    Action.CLIENT_EDIT: N_("edited"), Action.CLIENT_REMOVE: N_("removed it"),
}
SIDES = {Actor.CLIENT: N_("employer"), Actor.EXPERT: N_("freelancer"),
         Actor.SUPPORT: N_("support"), Actor.SYSTEM: N_("the bot")}


async def _history_line(ctx: Context, event: MilestoneEvent) -> str:
    who = await ctx.uow.users.get(event.actor_id) if event.actor_id else None
    name = f" {who.display_name}" if who else ""
    line = (f"[{moment(ctx, event.at)}] {ctx.t(SIDES[event.actor])}{name}: "
            f"{ctx.t(HISTORY[event.action])}")
    if event.amount is not None:
        line += f" ({money(ctx, event.amount)})"
    if event.text:
        line += f" — {event.text}"
    if event.files:
        line += " " + ctx.tn("[{n} file]", "[{n} files]", len(event.files))
    return line


async def _show(ctx: Context, view: DisputeView,
                decisions: list[list[Button]] | None = None) -> list[Reply]:
    milestone, contract = view.milestone, view.contract
    client = await ctx.uow.users.get(contract.client_id)
    expert = await ctx.uow.users.get(contract.expert_id)
    lines = [ctx.t("Milestone #{id} “{title}” of contract #{contract}", id=milestone.id,
                   title=milestone.title, contract=contract.id),
             ctx.t("Employer: {name}", name=client.display_name if client else "?"),
             ctx.t("Freelancer: {name}", name=expert.display_name if expert else "?"),
             ctx.t("Amount: {value}", value=money(ctx, milestone.amount)),
             ctx.t("In escrow: {value}", value=money(ctx, milestone.escrow)),
             ctx.t("State: {value}", value=ctx.t(STATE_NAMES[milestone.state])), ""]
    lines += [await _history_line(ctx, event) for event in view.history]
    lines += ["", ctx.t(USAGE)]
    replies: list[Reply] = [Send("\n".join(lines)[:4000],
                                 keyboard=keyboard(*decisions) if decisions else None)]
    for event in view.history:
        for file in event.files:
            caption = f"{ctx.t(HISTORY[event.action])}, {moment(ctx, event.at)}"
            replies.append(SendPhoto(file.file_id, caption=caption) if file.kind == "photo"
                           else SendDocument(file_id=file.file_id, caption=caption))
    return replies


@router.command("dispute", admin=True)
async def command_dispute(incoming: Incoming, ctx: Context) -> list[Reply]:
    """Staff: a milestone with both sides' history and the evidence files."""
    args = incoming.event.args if isinstance(incoming.event, Command) else ""
    milestone_id = number(args.strip().lstrip("#"))
    if milestone_id is None:
        return [Send(ctx.t("Usage: /dispute <milestone>"))]
    return await _show(ctx, await dispute_view(ctx.uow, ctx.user, milestone_id))


@router.callback("msq")
async def queue_button(incoming: Incoming, ctx: Context) -> list[Reply]:
    """``msq:<queue item>``: the dispute behind a queue item (staff only)."""
    data = parts(incoming, 2)
    item_id = number(data[1]) if data else None
    if item_id is None:
        return stale(ctx)
    ensure_staff(ctx.user)
    milestone = await ctx.uow.milestones.by_dispute_item(item_id)
    if milestone is None or milestone.id is None:
        return stale(ctx)
    item = await open_item(ctx.uow, ctx.user, item_id)
    decisions = await dispute_rows(ctx, item) if item.status is ItemStatus.OPEN else []
    return await _show(ctx, await dispute_view(ctx.uow, ctx.user, milestone.id), decisions)


@router.command("resolve", admin=True)
async def command_resolve(incoming: Incoming, ctx: Context) -> list[Reply]:
    """Staff: decide a dispute (release, partial release, refund), with a reason.

    The alias of the queue card's buttons, by milestone id.
    """
    words = (incoming.event.args if isinstance(incoming.event, Command) else "").split()
    milestone_id = number(words[0].lstrip("#")) if words else None
    if milestone_id is None or len(words) < 3 or words[1] not in {r.value for r in Resolution}:
        return [Send(ctx.t(USAGE))]
    return await _decide(ctx, milestone_id, Resolution(words[1]), words[2:])


async def _decide(ctx: Context, milestone_id: int, resolution: Resolution,
                  rest: list[str]) -> list[Reply]:
    """Resolve with ``rest`` as ``[amount] reason`` words; tell both sides and the staff."""
    view = await dispute_view(ctx.uow, ctx.user, milestone_id)
    part = None
    if resolution is Resolution.PARTIAL:
        if not rest:
            raise InvalidInput(USAGE)
        part = parse_amount(rest[0], view.milestone.currency, ctx.language)
        if part > view.milestone.escrow:  # said here, in the reader's number format
            raise InvalidInput(PART_TOO_LARGE, escrow=money(ctx, view.milestone.escrow))
        rest = rest[1:]
    if not rest:
        raise InvalidInput(USAGE)
    outcome = await resolve(ctx.uow, ctx.user, milestone_id, resolution, " ".join(rest),
                            ctx.now(), part)
    await tell(ctx.uow, outcome)
    milestone = outcome.milestone
    assert milestone.released is not None and milestone.refunded is not None
    return [Send(ctx.t("Milestone #{id} resolved: {released} released to the freelancer, "
                       "{refunded} refunded to the client. Both sides are told.",
                       id=milestone.id, released=money(ctx, milestone.released),
                       refunded=money(ctx, milestone.refunded)),
                 keyboard=keyboard([Button(ctx.t("Back to the queue"), data="sup:q:0")]))]


async def dispute_rows(ctx: Context, item: QueueItem) -> list[list[Button]]:
    """The decisions on a dispute's queue card (MS-08), acting on this queue item."""
    milestone = await ctx.uow.milestones.by_dispute_item(item.id) if item.id else None
    if (milestone is None or milestone.state is not MilestoneState.DISPUTED
            or item.status is not ItemStatus.OPEN):
        return []
    return [[Button(ctx.t("Release all"), data=f"msd:{item.id}:rl"),
             Button(ctx.t("Release part"), data=f"msd:{item.id}:pt"),
             Button(ctx.t("Refund all"), data=f"msd:{item.id}:rf")]]


async def _disputed(ctx: Context, item_id: int) -> Milestone | None:
    """The milestone in dispute behind queue item ``item_id`` (staff only), else ``None``."""
    item = await open_item(ctx.uow, ctx.user, item_id)
    if item.kind is not ItemKind.DISPUTE or item.status is not ItemStatus.OPEN:
        return None
    milestone = await ctx.uow.milestones.by_dispute_item(item_id)
    if milestone is None or milestone.state is not MilestoneState.DISPUTED:
        return None
    return milestone


@router.callback("msd")
async def decide_button(incoming: Incoming, ctx: Context) -> list[Reply]:
    """``msd:<item>:rl|pt|rf``: asks the reason (and for a part, the amount) of a decision."""
    data = parts(incoming, 3)
    item_id = number(data[1]) if data else None
    if data is None or item_id is None or data[2] not in DECISIONS:
        return stale(ctx)
    ensure_staff(ctx.user)
    ensure_can_act(ctx.user)
    milestone = await _disputed(ctx, item_id)
    if milestone is None or milestone.id is None:
        return [Send(ctx.t("This item was already handled."))]
    contract = (await dispute_view(ctx.uow, ctx.user, milestone.id)).contract
    if ctx.user.id in (contract.client_id, contract.expert_id):  # as resolve() says, up front
        raise Forbidden(OWN_CONTRACT)
    resolution = DECISIONS[data[2]]
    await ctx.set_state(DECIDE_STATE, {"item": item_id, "how": data[2]})
    if resolution is Resolution.PARTIAL:
        return [Send(ctx.t(ASK_PART, id=milestone.id, title=milestone.title,
                           escrow=money(ctx, milestone.escrow)))]
    return [Send(ctx.t(ASK_REASON, id=milestone.id, title=milestone.title,
                       decision=ctx.t(DECISION_NAMES[resolution])))]


@router.state(DECIDE_STATE)
async def process_decision(incoming: Incoming, ctx: Context) -> list[Reply]:
    """The typed reason (after the amount, for a part): decides the dispute, leaves the dialog."""
    text = typed_text(incoming)
    item_id, how = ctx.draft.get("item"), ctx.draft.get("how")
    if text is None or not isinstance(item_id, int) or how not in DECISIONS:
        return [Send(ctx.t("Please type the reason, or send /cancel."))]
    milestone = await _disputed(ctx, item_id)
    if milestone is None or milestone.id is None:
        await ctx.clear_state()  # decided meanwhile (another agent, or /resolve)
        return [Send(ctx.t("This item was already handled."),
                     keyboard=keyboard([Button(ctx.t("Back to the queue"), data="sup:q:0")]))]
    replies = await _decide(ctx, milestone.id, DECISIONS[how], text.split())
    await ctx.clear_state()
    return replies


@after_payment
async def fund_paid_milestone(ctx: Context, settlement: Settlement) -> HookReply:
    """A paid milestone invoice funds its milestone (or approves its change) at once."""
    intent = settlement.intent
    if intent is None or intent.id is None:
        return HookReply()
    if settlement.replayed:  # moves nothing: says whose escrow the payment went into
        went = await escrow_of_payment(ctx.uow, intent.id, settlement.transaction)
        return HookReply() if went is None else HookReply(received=ctx.t(
            ESCROW_REPLAYED, title=went.title, balance=settlement.balance))
    invoice = await ctx.uow.milestones.invoice(intent.id)
    if invoice is None:
        return HookReply()
    outcome = await fund_after_payment(ctx.uow, ctx.user, intent.id, ctx.now())
    if outcome is None:  # the milestone moved on, or the wallet no longer covers it
        return HookReply([Send(ctx.t(NOT_FUNDED_AFTER_PAYMENT), keyboard=keyboard(
            [Button(ctx.t("Open the milestone"), data=f"ms:v:{invoice.milestone_id}")]))])
    await tell(ctx.uow, outcome)
    milestone = outcome.milestone
    balance = await ctx.uow.ledger.balance(wallet_account(ctx.user.id, settlement.amount.currency))
    done = (N_("💰 The milestone “{title}” is funded: {amount} is in escrow. The freelancer "
               "is told to start.") if outcome.action is Action.FUND else
            N_("✏️ The change of “{title}” is approved; the escrow now holds {amount}."))
    return HookReply(
        [Send(ctx.t(done, title=milestone.title, amount=money(ctx, milestone.escrow)),
              keyboard=keyboard([Button(ctx.t("Open the milestone"),
                                        data=f"ms:v:{milestone.id}")]))],
        received=ctx.t(PAID_INTO_ESCROW, amount=settlement.amount, title=milestone.title,
                       balance=balance))
