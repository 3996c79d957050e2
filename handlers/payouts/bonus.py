"""``/bonus``: the client pays a bonus or reimburses an expense on a contract (HOLD-01/03).

Dialog graph::

    /bonus ----------------> the client's active and ended contracts [bon:c:<contract id>]
    [bon:c:<id>] ----------> bonus or expense [bon:k:<id>:b|e]
    [bon:k:<id>:<k>] ------> bonus.amount --text--> bonus.note --text--> the card: amount,
                             the fee and what the freelancer gets, when it is available;
                             [bon:ok] pays / [bon:no] drops
    [bon:ok] --------------> paid from the wallet; or an invoice for the shortfall, and the
                             bonus is paid when that payment arrives (the payment hook)

The freelancer is told (outbox, in their language) with the amount, the note and the date.
"""

from __future__ import annotations

from decimal import Decimal

from core.contracts import ContractStatus
from core.errors import N_, InvalidInput
from core.holds import available_at
from core.money import Money, format_money, parse_amount
from core.payments import InvoiceTexts, Settlement, topup_maximum
from core.payouts.bonus import BonusShortfall, offer_bonus, pay_after_payment
from core.payouts.calendar import format_day
from core.payouts.fees import split_fee
from core.payouts.model import Bonus, BonusKind
from core.payouts.policy import current
from core.ports import UnitOfWork
from core.services.payments import open_top_up
from handlers.context import Context
from handlers.contract import Action, Button, Edit, Incoming, Send, keyboard
from handlers.fee_note import fee_note
from handlers.keyboards import NO_TEXT, callback_ints, callback_parts, stale, typed_text
from handlers.notify import notify
from handlers.payment_hooks import HookReply, after_payment
from handlers.router import Router
from handlers.wallet import NOT_CONFIGURED, TelegramPayments

__all__ = ["STATES", "router"]

router = Router()
AMOUNT_STATE, NOTE_STATE = "bonus.amount", "bonus.note"
STATES: dict[str, tuple[str | None, ...]] = {AMOUNT_STATE: (NOTE_STATE, AMOUNT_STATE),
                                             NOTE_STATE: (None, NOTE_STATE)}
KINDS = {"b": BonusKind.BONUS, "e": BonusKind.EXPENSE}
TOLD = {BonusKind.BONUS: N_("🎁 {name} paid you a bonus of {amount}. After the service fee "
                            "of {fee}, {net} is available on {day}. Note: {note}"),
        BonusKind.EXPENSE: N_("🧾 {name} reimbursed your expense of {amount}. It is available "
                              "on {day}. Note: {note}")}


async def _tell(uow: UnitOfWork, bonus: Bonus, payer: str) -> None:
    split = split_fee(bonus.amount, current().fee_percent)
    await notify(uow, bonus.expert_id, TOLD[bonus.kind], dedupe_key=f"bonus:{bonus.id}",
                 name=payer, amount=bonus.amount, note=bonus.note, fee=split.fee,
                 net=split.net, day=available_at(bonus.paid_at or bonus.created_at).date())


@router.command("bonus")
async def command_bonus(incoming: Incoming, ctx: Context) -> list[Action]:
    """The contracts a bonus may be paid on, as buttons."""
    page = await ctx.uow.market.contracts.for_user(
        ctx.user.id, frozenset({ContractStatus.ACTIVE, ContractStatus.ENDED}), 0, 20)
    mine = [c for c in page.items if c.client_id == ctx.user.id]
    if not mine:
        return [Send(ctx.t("You have no active or ended contracts to pay a bonus on."))]
    rows = []
    for contract in mine:
        project = await ctx.uow.market.projects.get(contract.project_id)
        rows.append([Button(project.title if project else f"#{contract.id}",
                            data=f"bon:c:{contract.id}")])
    return [Send(ctx.t("Pay a bonus or an expense on which contract?"), keyboard=keyboard(*rows))]


@router.callback("bon")
async def bonus_button(incoming: Incoming, ctx: Context) -> list[Action]:
    """``bon:c`` asks the kind, ``bon:k`` the amount, ``bon:ok`` pays, ``bon:no`` drops."""
    if callback_parts(incoming, "bon", 2) == ["bon", "no"]:
        await ctx.clear_state()
        return [Edit(ctx.t("Nothing was paid."))]
    if callback_parts(incoming, "bon", 2) == ["bon", "ok"]:
        return await _pay(ctx)
    parts = callback_parts(incoming, "bon", 3)
    if parts is not None and parts[1] == "c" and (ids := callback_ints(parts[2:])):
        rows = [[Button(ctx.t("Bonus"), data=f"bon:k:{ids[0]}:b")],
                [Button(ctx.t("Expense reimbursement"), data=f"bon:k:{ids[0]}:e")]]
        return [Edit(ctx.t("A bonus, or the reimbursement of an expense?"),
                     keyboard=keyboard(*rows))]
    parts = callback_parts(incoming, "bon", 4)
    if parts is None or parts[1] != "k" or parts[3] not in KINDS or not callback_ints(
            parts[2:3]):
        return stale(ctx)
    await ctx.set_state(AMOUNT_STATE, {"contract": int(parts[2]), "kind": parts[3]})
    return [Send(ctx.t("How much? Send the amount in {currency}, or /cancel to stop.",
                       currency=ctx.settings.currency))]


@router.state(AMOUNT_STATE)
async def process_amount(incoming: Incoming, ctx: Context) -> list[Action]:
    """Stores the amount; asks the note."""
    text = typed_text(incoming)
    if text is None:
        return [Send(ctx.t(NO_TEXT))]
    try:
        amount = parse_amount(text, ctx.settings.currency, ctx.language)
    except InvalidInput as refusal:
        return [Send(ctx.t(refusal.message, **refusal.params))]
    await ctx.set_state(NOTE_STATE, {**ctx.draft, "amount": amount.minor})
    return [Send(ctx.t("Write a note for the freelancer: what is it for?"))]


@router.state(NOTE_STATE)
async def process_note(incoming: Incoming, ctx: Context) -> list[Action]:
    """Stores the note; shows what will be paid, with the fee and the date."""
    text = typed_text(incoming)
    if text is None or not text.strip():
        return [Send(ctx.t(NO_TEXT))]
    note = " ".join(text.split())[:500]
    await ctx.set_state(NOTE_STATE, {**ctx.draft, "note": note})
    amount = Money(int(ctx.draft["amount"]), ctx.settings.currency)
    kind = KINDS[ctx.draft["kind"]]
    split = split_fee(amount, current().fee_percent if kind is BonusKind.BONUS else Decimal(0))
    shown = format_money(amount, ctx.language)
    lines = [ctx.t("Pay {amount} to the freelancer? Note: {note}", amount=shown, note=note),
             ctx.t("Service fee: {fee}; the freelancer gets {net}, available on {day}.",
                   fee=format_money(split.fee, ctx.language),
                   net=format_money(split.net, ctx.language),
                   day=format_day(available_at(ctx.now()).date(), ctx.language))]
    rows = [Button(ctx.t("Pay {amount}", amount=shown), data="bon:ok"),
            Button(ctx.t("Cancel"), data="bon:no")]
    return [Send("\n".join(lines), keyboard=keyboard(rows))]


async def _pay(ctx: Context) -> list[Action]:
    draft = ctx.draft
    if ctx.state != NOTE_STATE or "note" not in draft:
        return stale(ctx)
    amount = Money(int(draft["amount"]), ctx.settings.currency)
    result = await offer_bonus(ctx.uow, ctx.user, int(draft["contract"]), KINDS[draft["kind"]],
                               amount, draft["note"], ctx.now())
    await ctx.clear_state()
    if isinstance(result, BonusShortfall):
        return await _invoice(ctx, result)
    await _tell(ctx.uow, result, ctx.user.display_name)
    return [Edit(ctx.t("Paid: {amount} to the freelancer, who is told.",
                       amount=format_money(amount, ctx.language)))]


async def _invoice(ctx: Context, shortfall: BonusShortfall) -> list[Action]:
    """HOLD-03: an invoice for exactly what the wallet lacks; paid, the bonus goes out."""
    if not (ctx.settings.payment_provider_token or ctx.settings.sandbox):
        return [Send(ctx.t(NOT_CONFIGURED))]
    if shortfall.missing > topup_maximum(shortfall.missing.currency):
        return [Send(ctx.t("Your wallet is {missing} short: add the money with /topup first.",
                           missing=format_money(shortfall.missing, ctx.language)))]
    gateway = TelegramPayments(ctx.settings.payment_provider_token)
    intent = await open_top_up(ctx.uow, ctx.user, shortfall.missing, gateway.name, ctx.now(),
                               ctx.language)
    shortfall.bonus.intent_id = intent.id
    await ctx.uow.payouts.save_bonus(shortfall.bonus)
    missing = format_money(shortfall.missing, ctx.language)
    bonus = shortfall.bonus
    note = fee_note(ctx, bonus.amount, None if bonus.kind is BonusKind.BONUS else Decimal(0))
    description = ctx.t("{missing} for the bonus to the freelancer. It is paid as soon as the "
                        "payment goes through.", missing=missing)
    texts = InvoiceTexts(title=ctx.t("Bonus payment"),  # FEE-01: the fee on the invoice too
                         description=f"{description} {note}" if note else description,
                         label=ctx.t("Bonus {amount}", amount=missing))
    return [Edit(ctx.t("Your wallet is {missing} short. Pay the invoice below and the bonus "
                       "is paid at once.", missing=missing)), gateway.request(intent, texts)]


@after_payment
async def bonus_after_payment(ctx: Context, settlement: Settlement) -> HookReply:
    """A bonus's invoice was paid: pay the bonus in the same unit of work (the confirmation
    says the money went on into the bonus, not that it stays in the wallet)."""
    assert settlement.intent is not None and settlement.intent.id is not None
    bonus = await pay_after_payment(ctx.uow, settlement.intent.id, ctx.now())
    if bonus is None:
        return HookReply()
    await _tell(ctx.uow, bonus, ctx.user.display_name)
    return HookReply(received=ctx.t("The bonus of {amount} is paid; the freelancer is told.",
                                    amount=format_money(bonus.amount, ctx.language)))
