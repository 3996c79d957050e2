"""``/payout [amount]`` and ``/payouts``: requesting, listing and cancelling payouts.

Dialog graph::

    /payout -----------------> available and pending (with dates); payouts.amount
    /payout <amount|all> ----> the method buttons at once
    payouts.amount --text----> [pay:m:<method id>:<minor|all>] per method; the typed amount is
                               read in each method's currency (Interac: CAD), so the button
                               carries minor units of the method's own currency
    [pay:m:...] -------------> the quote: amount, fee, what arrives, the business day, a
                               PAY-03 warning; [pay:ok:<method id>:<minor|all>] / [pay:no]
    [pay:ok:...] ------------> requested: the money is in "payouts in flight" (PAY-01/04)
    /payouts ----------------> the payouts with state, amount, fee, method, dates;
                               [pay:x:<payout id>] cancels one not yet sent

Every refusal (PAY-01, PAY-02, PAY-05, HOLD-02, currency) is a domain error: the dispatcher
answers with its translated reason and nothing changes.
"""

from __future__ import annotations

from core.accounts import Role
from core.errors import N_, InvalidInput
from core.holds import pending_holds
from core.money import Money, format_money, parse_amount
from core.payouts.calendar import format_day
from core.payouts.methods import MethodKind
from core.payouts.services import Quote, cancel, ensure_active, own_method, quote, request_payout
from core.payouts.states import FINAL, PayoutState
from core.services.ledger import available_account
from handlers.context import Context
from handlers.contract import Action, Button, Command, Edit, Incoming, Send, keyboard
from handlers.keyboards import NO_TEXT, callback_ints, callback_parts, stale, typed_text
from handlers.payouts.views import KIND_NAMES, NOT_A_FREELANCER, in_menu, payout_line
from handlers.router import Router

__all__ = ["AMOUNT_STATE", "router"]

router = Router()

AMOUNT_STATE = "payouts.amount"
ALL = "all"
NO_METHODS = N_("Add a payout method first: /payout_methods.")
ASK_AMOUNT = N_("How much do you want to withdraw? Send an amount, or \"all\", or /cancel to "
                "stop.")
PICK_METHOD = N_("Withdraw {amount} with which method?")
INTERAC_MANAGED = N_("The Interac e-Transfer fee of {fee} applies because you work on a "
                     "managed-service contract paid in CAD.")
INTERAC_WAIVED = N_("The Interac e-Transfer fee is waived: your CAD contracts are private "
                    "projects.")
FLAGGED_WARNING = N_("The holder of this method is not your legal name, so support must "
                     "confirm this payout before it is sent. To avoid this, add a method in "
                     "your own name.")
REQUESTED = N_("Payout #{id} requested: {amount} left your available balance and will be "
               "processed on {day}.")
FLAGGED = N_("Payout #{id} is waiting for support to confirm the account holder. "
             "You can also cancel it and add a method in your own name.")
CANCELLED = N_("Payout #{id} cancelled: {amount} is back in your available balance.")


def _amount_code(amount: Money | None) -> str:
    return ALL if amount is None else str(amount.minor)


def _amount_of(code: str, currency: str) -> Money | None:
    return None if code == ALL else Money(int(code), currency)


async def _currencies(ctx: Context) -> list[str]:
    """The bot's currency, then those of the user's other methods (CAD for Interac)."""
    found = [ctx.settings.currency]
    for method in await ctx.uow.payouts.methods_of(ctx.user.id):
        if method.currency not in found:
            found.append(method.currency)
    return found


async def _balances(ctx: Context) -> str:
    """Available and pending money with the pending dates (PAY-01, HOLD-04)."""
    amounts = [await ctx.uow.ledger.balance(available_account(ctx.user.id, currency))
               for currency in await _currencies(ctx)]
    shown = [amounts[0]] + [amount for amount in amounts[1:] if not amount.is_zero]
    lines = [ctx.t("Earnings available: {amount}",
                   amount=", ".join(format_money(a, ctx.language) for a in shown))]
    for hold in await pending_holds(ctx.uow, ctx.user.id):
        lines.append(ctx.t("• {amount}: available on {date}",
                           amount=format_money(hold.amount, ctx.language),
                           date=format_day(hold.clears_at.date(), ctx.language)))
    return "\n".join(lines)


async def _read_amount(ctx: Context, text: str) -> list[Action]:
    """The method buttons, each with ``text`` read in that method's currency (or "all")."""
    methods = await ctx.uow.payouts.methods_of(ctx.user.id)
    if not methods:
        return [Send(ctx.t(NO_METHODS))]
    everything = text.strip().casefold() in {ALL, ctx.t("all").casefold()}
    amounts: dict[str, Money | None] = {}
    for currency in dict.fromkeys(m.currency for m in methods):
        try:
            amounts[currency] = None if everything else parse_amount(text, currency,
                                                                     ctx.language)
        except InvalidInput as refusal:
            return [Send(ctx.t(refusal.message, **refusal.params) + "\n" + ctx.t(ASK_AMOUNT))]
    if ctx.state is not None:
        await ctx.clear_state()
    shown = (ctx.t("everything available") if everything else
             " / ".join(format_money(a, ctx.language) for a in amounts.values() if a))
    rows = [[Button(f"{ctx.t(KIND_NAMES[m.kind])} {m.masked}",
                    data=f"pay:m:{m.id}:{_amount_code(amounts[m.currency])}")]
            for m in methods]
    return [Send(ctx.t(PICK_METHOD, amount=shown), keyboard=keyboard(*rows))]


@router.command("payout")
async def command_payout(incoming: Incoming, ctx: Context) -> list[Action]:
    """``/payout 50`` or ``/payout all`` picks the method next; ``/payout`` asks the amount."""
    if Role.EXPERT not in ctx.user.roles:  # ACC-01: payouts are the freelancer's
        return [Send(ctx.t(NOT_A_FREELANCER))]
    ensure_active(ctx.user)  # PAY-05 (ACC-02), before the hints at /payout_methods
    args = incoming.event.args if isinstance(incoming.event, Command) else ""
    if args.strip():
        return await _read_amount(ctx, args)
    if not await ctx.uow.payouts.methods_of(ctx.user.id):
        return [Send(ctx.t(NO_METHODS))]
    await ctx.set_state(AMOUNT_STATE, {})
    return [Send(await _balances(ctx) + "\n\n" + ctx.t(ASK_AMOUNT))]


@router.state(AMOUNT_STATE)
async def process_amount(incoming: Incoming, ctx: Context) -> list[Action]:
    """Reads the amount (or "all"); shows the method buttons."""
    text = typed_text(incoming)
    if text is None:
        return [Send(ctx.t(NO_TEXT))]
    return await _read_amount(ctx, text)


def _quote_text(ctx: Context, offer: Quote) -> str:
    lines = [ctx.t("Payout of {amount} with {kind} {details}", amount=format_money(
                 offer.amount, ctx.language), kind=ctx.t(KIND_NAMES[offer.method.kind]),
                 details=offer.method.masked),
             ctx.t("Fee: {fee}", fee=format_money(offer.fee, ctx.language)),
             ctx.t("You receive: {amount}", amount=format_money(offer.arrives, ctx.language)),
             ctx.t("Processed on: {day}", day=format_day(offer.process_on, ctx.language))]
    if offer.method.kind is MethodKind.INTERAC:
        lines += ["", (ctx.t(INTERAC_MANAGED, fee=format_money(offer.fee, ctx.language))
                        if offer.managed_service else ctx.t(INTERAC_WAIVED))]
    if offer.flagged:
        lines += ["", ctx.t(FLAGGED_WARNING)]
    return "\n".join(lines)


@router.callback("pay")
async def payout_button(incoming: Incoming, ctx: Context) -> list[Action]:
    """``pay:m`` quotes, ``pay:ok`` requests, ``pay:no`` drops, ``pay:x:<id>`` cancels."""
    if callback_parts(incoming, "pay", 2) == ["pay", "no"]:
        return [Edit(ctx.t("Nothing was requested."))]
    parts = callback_parts(incoming, "pay", 3)
    if parts is not None and parts[1] == "x" and (ids := callback_ints(parts[2:])):
        payout = await cancel(ctx.uow, ctx.user, ids[0], ctx.now())
        return [Edit(ctx.t(CANCELLED, id=payout.id,
                           amount=format_money(payout.amount, ctx.language)))]
    parts = callback_parts(incoming, "pay", 4)
    if parts is None or parts[1] not in {"m", "ok"} or callback_ints(parts[2:3]) is None or (
            parts[3] != ALL and callback_ints(parts[3:]) is None):
        return stale(ctx)
    method_id = int(parts[2])
    method = await own_method(ctx.uow, ctx.user, method_id)  # someone else's: not found
    amount = _amount_of(parts[3], method.currency)
    if parts[1] == "m":
        offer = await quote(ctx.uow, ctx.user, method_id, amount, ctx.now(), ctx.language)
        confirm = Button(ctx.t("Confirm the payout"), data=f"pay:ok:{method_id}:{parts[3]}")
        return [Edit(_quote_text(ctx, offer),
                     keyboard=keyboard([confirm, Button(ctx.t("Cancel"), data="pay:no")]))]
    payout = await request_payout(ctx.uow, ctx.user, method_id, amount, ctx.now(),
                                  ctx.language)
    if payout.state is PayoutState.FLAGGED:
        return [Edit(ctx.t(FLAGGED, id=payout.id))]
    return [Edit(ctx.t(REQUESTED, id=payout.id, amount=format_money(payout.amount,
                                                                    ctx.language),
                       day=format_day(payout.process_on, ctx.language)))]


@router.command("payouts")
async def command_payouts(incoming: Incoming, ctx: Context) -> list[Action]:
    """The user's payouts (PAY-07), newest first; a cancel button for those not yet sent."""
    payouts = await ctx.uow.payouts.of_user(ctx.user.id)
    if not payouts:
        if Role.EXPERT not in ctx.user.roles:  # ACC-01
            return [Send(ctx.t(NOT_A_FREELANCER))]
        return [Send(ctx.t("You have no payouts yet. Send /payout to request one.")
                     if in_menu(ctx, "payout") else ctx.t("You have no payouts yet."))]
    lines = [ctx.t("Your payouts:")] + [payout_line(ctx, p) for p in payouts]
    open_states = {PayoutState.REQUESTED, PayoutState.SCHEDULED, PayoutState.FLAGGED}
    rows = [[Button(ctx.t("Cancel payout #{id}", id=p.id), data=f"pay:x:{p.id}")]
            for p in payouts if p.state in open_states and p.state not in FINAL]
    return [Send("\n\n".join(lines), keyboard=keyboard(*rows))]
