"""Hire Direct and Bring-a-Client (PAY-06).

Dialog graph::

    /hire_direct (client) ---> the client's contracts, one button per freelancer [hd:r:<contract>]
    [hd:r:<contract>] -------> the request is recorded; support is to set the salary
    /hire_direct_queue (support) -> requests without a salary [hd:s:<hire id>]
    [hd:s:<id>] -------------> hire.salary --text (the annual salary)--> the fee (13.5%) is set
                               (audited); the client is told, with [hd:p:<id>]
    [hd:p:<id>] (the client) -> paid from the wallet; or an invoice for the shortfall, paid
                               when that payment arrives (the payment hook); both are told
    /invite_client (freelancer) -> the invitation link t.me/<bot>?start=bac<token>
    /start bac<token> -------> a user who signs up through it is a Bring-a-Client client

Anyone else pressing these buttons (a forged or someone else's button) is refused without a
change: the services check who may do what.
"""

from __future__ import annotations

import secrets

from core.accounts import Role
from core.contracts import ContractStatus
from core.errors import N_, DomainError, InvalidInput
from core.money import format_money, parse_amount
from core.payments import InvoiceTexts, Settlement, topup_maximum
from core.payouts import direct
from core.payouts.model import DirectHire
from core.services.payments import open_top_up
from core.support import is_staff
from handlers.context import Context
from handlers.contract import Action, Button, Edit, Incoming, Send, keyboard
from handlers.dispatch import UNKNOWN_COMMAND
from handlers.keyboards import NO_TEXT, callback_ints, callback_parts, stale, typed_text
from handlers.notify import notify
from handlers.payment_hooks import HookReply, after_payment
from handlers.router import Router
from handlers.wallet import NOT_CONFIGURED, TelegramPayments

__all__ = ["STATES", "open_bac_payload", "router"]

router = Router()
SALARY_STATE = "hire.salary"
STATES: dict[str, tuple[str | None, ...]] = {SALARY_STATE: (None, SALARY_STATE)}
OFFERED = N_("Support set the annual salary for hiring {name} directly at {salary}. The Hire "
             "Direct fee is 13.5%: {fee}. Press the button to pay it.")
PAY_BUTTON = N_("Pay the Hire Direct fee")
HIRED = N_("You and {name} are now hired direct (PAY-06): your messages are no longer masked "
           "or flagged for contact details.")
BROUGHT = N_("{name} joined through your invitation link: your contracts together are "
             "Bring-a-Client contracts, and contact details in your messages are not masked.")


def _refusal(ctx: Context, refusal: DomainError) -> list[Action]:
    return [Send(ctx.t(refusal.message, **refusal.params))]


async def _name(ctx: Context, user_id: int) -> str:
    user = await ctx.uow.users.get(user_id)
    return user.display_name if user else f"#{user_id}"


@router.command("hire_direct")
async def command_hire_direct(incoming: Incoming, ctx: Context) -> list[Action]:
    """The client's contracts, one button per freelancer, to ask to hire directly."""
    page = await ctx.uow.market.contracts.for_user(ctx.user.id, frozenset(ContractStatus), 0, 20)
    rows, seen = [], set()
    for contract in page.items:
        if contract.client_id != ctx.user.id or contract.expert_id in seen:
            continue
        seen.add(contract.expert_id)
        rows.append([Button(await _name(ctx, contract.expert_id), data=f"hd:r:{contract.id}")])
    if not rows:
        return [Send(ctx.t(direct.NO_CONTRACT))]
    return [Send(ctx.t("Hire which freelancer directly? Support sets the annual salary "
                       "offered, and you pay a fee of 13.5% of it."), keyboard=keyboard(*rows))]


@router.command("hire_direct_queue", admin=True)
async def command_hire_direct_queue(incoming: Incoming, ctx: Context) -> list[Action]:
    """Support only: Hire Direct requests waiting for a salary."""
    if not is_staff(ctx.user):
        return [Send(ctx.t(UNKNOWN_COMMAND))]
    waiting = await ctx.uow.payouts.hires_waiting()
    if not waiting:
        return [Send(ctx.t("No Hire Direct requests are waiting."))]
    actions: list[Action] = []
    for hire in waiting:
        text = ctx.t("Hire Direct #{id}: {client} wants to hire {expert}.", id=hire.id,
                     client=await _name(ctx, hire.client_id),
                     expert=await _name(ctx, hire.expert_id))
        actions.append(Send(text, keyboard=keyboard(
            [Button(ctx.t("Set the salary for #{id}", id=hire.id), data=f"hd:s:{hire.id}")])))
    return actions


@router.callback("hd")
async def hire_button(incoming: Incoming, ctx: Context) -> list[Action]:
    """``hd:r`` asks (client), ``hd:s`` sets the salary (support), ``hd:p`` pays (client)."""
    parts = callback_parts(incoming, "hd", 3)
    ids = callback_ints(parts[2:]) if parts else None
    if parts is None or ids is None or parts[1] not in ("r", "s", "p"):
        return stale(ctx)
    try:
        if parts[1] == "r":
            hire = await direct.request_hire(ctx.uow, ctx.user, ids[0], ctx.now())
            return [Edit(ctx.t("Your request to hire {name} directly is with support, who "
                               "will set the salary offered; then you get the invoice.",
                               name=await _name(ctx, hire.expert_id)))]
        if parts[1] == "s":
            if not is_staff(ctx.user):
                return stale(ctx)
            hire = await direct.load_hire(ctx.uow, ids[0])
            await ctx.set_state(SALARY_STATE, {"hire": hire.id})
            return [Send(ctx.t("Type the annual salary offered for Hire Direct #{id}, in "
                               "{currency}.", id=hire.id, currency=ctx.settings.currency))]
        return await _pay(ctx, ids[0])
    except DomainError as refusal:
        return _refusal(ctx, refusal)


@router.state(SALARY_STATE)
async def process_salary(incoming: Incoming, ctx: Context) -> list[Action]:
    """Support typed the salary: the fee is set and the client is told, with a pay button."""
    text = typed_text(incoming)
    if text is None:
        return [Send(ctx.t(NO_TEXT))]
    try:
        salary = parse_amount(text, ctx.settings.currency, ctx.language)
        hire = await direct.offer_salary(ctx.uow, ctx.user, int(ctx.draft["hire"]), salary,
                                         ctx.now())
    except InvalidInput as refusal:
        return _refusal(ctx, refusal)
    except DomainError as refusal:
        await ctx.clear_state()
        return _refusal(ctx, refusal)
    await ctx.clear_state()
    assert hire.fee is not None
    await notify(ctx.uow, hire.client_id, OFFERED,
                 keyboard=keyboard([Button(PAY_BUTTON, data=f"hd:p:{hire.id}")]),
                 name=await _name(ctx, hire.expert_id), salary=salary, fee=hire.fee)
    return [Send(ctx.t("Hire Direct #{id}: salary {salary}, fee {fee} (13.5%). The client is "
                       "told and invoiced.", id=hire.id,
                       salary=format_money(salary, ctx.language),
                       fee=format_money(hire.fee, ctx.language)))]


async def _tell_both(ctx: Context, hire: DirectHire) -> None:
    client, expert = await _name(ctx, hire.client_id), await _name(ctx, hire.expert_id)
    await notify(ctx.uow, hire.client_id, HIRED, dedupe_key=f"hire-direct:{hire.id}:c",
                 name=expert)
    await notify(ctx.uow, hire.expert_id, HIRED, dedupe_key=f"hire-direct:{hire.id}:e",
                 name=client)


async def _pay(ctx: Context, hire_id: int) -> list[Action]:
    result = await direct.pay_hire(ctx.uow, ctx.user, hire_id, ctx.now())
    if isinstance(result, direct.HireShortfall):
        return await _invoice(ctx, result)
    await _tell_both(ctx, result)
    assert result.fee is not None
    return [Edit(ctx.t("Paid: the Hire Direct fee of {fee}.",
                       fee=format_money(result.fee, ctx.language)))]


async def _invoice(ctx: Context, shortfall: direct.HireShortfall) -> list[Action]:
    """HOLD-03: an invoice for exactly what the wallet lacks; paid, the fee is charged."""
    if not (ctx.settings.payment_provider_token or ctx.settings.sandbox):
        return [Send(ctx.t(NOT_CONFIGURED))]
    missing = format_money(shortfall.missing, ctx.language)
    if shortfall.missing > topup_maximum(shortfall.missing.currency):
        return [Send(ctx.t("Your wallet is {missing} short: add the money with /topup first.",
                           missing=missing))]
    gateway = TelegramPayments(ctx.settings.payment_provider_token)
    intent = await open_top_up(ctx.uow, ctx.user, shortfall.missing, gateway.name, ctx.now(),
                               ctx.language)
    shortfall.hire.intent_id = intent.id
    await ctx.uow.payouts.save_hire(shortfall.hire)
    texts = InvoiceTexts(title=ctx.t("Hire Direct fee"),
                         description=ctx.t("{missing} for the Hire Direct fee (13.5% of the "
                                           "annual salary).", missing=missing),
                         label=ctx.t("Hire Direct {amount}", amount=missing))
    return [Edit(ctx.t("Your wallet is {missing} short. Pay the invoice below and the Hire "
                       "Direct fee is paid at once.", missing=missing)),
            gateway.request(intent, texts)]


@after_payment
async def hire_after_payment(ctx: Context, settlement: Settlement) -> HookReply:
    """A Hire Direct invoice was paid: charge the fee in the same unit of work (the
    confirmation says the money went on into the fee)."""
    assert settlement.intent is not None and settlement.intent.id is not None
    hire = await direct.pay_after_payment(ctx.uow, settlement.intent.id, ctx.now())
    if hire is None:
        return HookReply()
    await _tell_both(ctx, hire)
    assert hire.fee is not None
    return HookReply(received=ctx.t("Paid: the Hire Direct fee of {fee}.",
                                    fee=format_money(hire.fee, ctx.language)))


@router.command("invite_client")
async def command_invite_client(incoming: Incoming, ctx: Context) -> list[Action]:
    """The freelancer's Bring-a-Client invitation link."""
    if Role.EXPERT not in ctx.user.roles:
        return [Send(ctx.t("Only freelancers have an invitation link."))]
    try:
        token = await direct.bac_token(ctx.uow, ctx.user, secrets.token_hex(8), ctx.now())
    except DomainError as refusal:
        return _refusal(ctx, refusal)
    link = f"https://t.me/{ctx.settings.bot_username}?start=bac{token}"
    return [Send(ctx.t("Send this link to a client you already work with. When they sign up "
                       "through it, your contracts together are Bring-a-Client contracts "
                       "(no masking of contact details): {link}", link=link))]


async def open_bac_payload(ctx: Context, payload: str, *, new_user: bool) -> list[Action] | None:
    """``/start bac<token>``: a user who signs up through it is the freelancer's BaC client.

    None for other payloads. A user who had signed up before gets a polite answer only.
    """
    if not payload.startswith("bac"):
        return None
    if not new_user:
        return [Send(ctx.t("This invitation link is for clients new to the marketplace."))]
    expert_id = await direct.join_through(ctx.uow, ctx.user, payload[3:], ctx.now())
    if expert_id is None:
        return [Send(ctx.t("This invitation link is not valid."))]
    await notify(ctx.uow, expert_id, BROUGHT, dedupe_key=f"bac:{ctx.user.id}",
                 name=ctx.user.display_name)
    return [Send(ctx.t("You joined through {name}'s invitation: your contracts together are "
                       "Bring-a-Client contracts.", name=await _name(ctx, expert_id)))]

