"""``/wallet``, ``/topup``, Telegram Payments' checkout and payment, and ``/ledger_check``.

Dialog graph::

    /wallet ------------------------------> the wallet screen (handlers.wallet_view)
        [wal:h:<before id>] --------------> another page of the history (edited in place)
        [wal:top] ------------------------> as /topup without an amount
    /topup <amount> ----------------------> the invoice (sendInvoice)
    /topup ----> wallet.amount --text-----> the invoice; a bad amount is refused with the
                                            reason and asked again; /cancel leaves
    pre_checkout_query -------------------> answered at once: ok, or the reason (ACC-02)
    successful_payment -------------------> credited once per charge id, then the payment
                                            hooks (handlers.payment_hooks); the payer is told
                                            where the money is now, with the balance
    /ledger_check (admins) ---------------> the operator check's summary

Telegram Payments is the production :class:`~core.payments.PaymentGateway`: the invoice
carries the provider token (``PAYMENT_PROVIDER_TOKEN``) and the currency (``CURRENCY``);
without a token ``/topup`` says that payments are not set up (Telegram would refuse the
invoice), except in the sandbox, whose Bot API server accepts any token. It answers the same
invoice with the same updates, so tests and trials run this very code. The checkout is one
short read, well inside Telegram's 10 seconds.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from core.accounts import Role, ensure_can_act
from core.errors import N_, DomainError, InvalidInput
from core.money import format_money, parse_amount
from core.payments import Checkout, GatewayPayment, InvoiceTexts, TopUpIntent, topup_maximum
from core.services.ledger_check import check_ledger
from core.services.payments import approve_checkout, open_top_up, settle_payment
from handlers.context import Context
from handlers.contract import (
    Action,
    AnswerPreCheckout,
    Command,
    Edit,
    Incoming,
    Payment,
    PreCheckout,
    Send,
    SendInvoice,
)
from handlers.keyboards import NO_TEXT, callback_parts, stale, typed_text
from handlers.payment_hooks import run_after_payment
from handlers.router import Router
from handlers.wallet_view import MAX_BEFORE_ID, wallet_screen

__all__ = ["TelegramPayments", "command_ledger_check", "command_topup", "command_wallet",
           "pre_checkout", "router", "successful_payment"]

log = logging.getLogger(__name__)
router = Router()

AMOUNT_STATE = "wallet.amount"
TEXT_LIMIT = 4096
ASK_AMOUNT = N_("How much do you want to add to your wallet? Send the amount in {currency}, "
                "for example 50, or /cancel to stop.")
ASK_AGAIN = N_("Send the amount again, or /cancel to stop.")
CREDITED = N_("Payment received: {amount} added to your wallet. Balance: {balance}.")
ALREADY_CREDITED = N_("This payment was already added to your wallet. Balance: {balance}.")
NOT_CONFIGURED = N_("Top-ups are not available yet: the operator of this bot has not set up "
                    "payments. Please try again later.")


@dataclass(frozen=True, slots=True)
class TelegramPayments:
    """The production gateway: an intent becomes a Telegram invoice (``sendInvoice``)."""

    provider_token: str
    name: str = "telegram"

    def request(self, intent: TopUpIntent, texts: InvoiceTexts) -> SendInvoice:
        """The invoice for ``intent``: one price line, in minor units of its currency."""
        return SendInvoice(title=texts.title[:32], description=texts.description[:255],
                           payload=intent.payload, currency=intent.amount.currency,
                           amount=intent.amount.minor, label=texts.label,
                           provider_token=self.provider_token)


def _gateway(ctx: Context) -> TelegramPayments:
    """The gateway configured for this deployment."""
    return TelegramPayments(ctx.settings.payment_provider_token)


@router.command("wallet")
async def command_wallet(incoming: Incoming, ctx: Context) -> list[Action]:
    """Shows balances, pending amounts with their dates, escrow and recent transactions."""
    text, buttons = await wallet_screen(ctx)
    return [Send(text, keyboard=buttons)]


@router.callback("wal")
async def wallet_button(incoming: Incoming, ctx: Context) -> list[Action]:
    """``wal:top`` asks for an amount; ``wal:h:<id>`` pages the history (edits the message)."""
    if callback_parts(incoming, "wal", 2) == ["wal", "top"]:
        return await ask_amount(ctx)
    parts = callback_parts(incoming, "wal", 3)
    if parts is None or parts[1] != "h" or not parts[2].isdigit():
        return stale(ctx)
    before_id = int(parts[2])
    if before_id > MAX_BEFORE_ID:
        return stale(ctx)
    text, buttons = await wallet_screen(ctx, before_id)
    return [Edit(text, keyboard=buttons)]


def _payments_ready(ctx: Context) -> bool:
    """Telegram needs a provider token to invoice; the sandbox accepts any (even none)."""
    return bool(ctx.settings.payment_provider_token) or ctx.settings.sandbox


async def ask_amount(ctx: Context) -> list[Action]:
    """Awaits the amount to top up (ACC-02: a suspended account is told why not)."""
    ensure_can_act(ctx.user)
    if not _payments_ready(ctx):
        return [Send(ctx.t(NOT_CONFIGURED))]
    await ctx.set_state(AMOUNT_STATE, {})
    return [Send(ctx.t(ASK_AMOUNT, currency=ctx.settings.currency))]


@router.command("topup")
async def command_topup(incoming: Incoming, ctx: Context) -> list[Action]:
    """``/topup 50`` sends the invoice at once; ``/topup`` asks for the amount first."""
    args = incoming.event.args if isinstance(incoming.event, Command) else ""
    if not args.strip():
        return await ask_amount(ctx)
    ensure_can_act(ctx.user)
    if not _payments_ready(ctx):
        return [Send(ctx.t(NOT_CONFIGURED))]
    return await _invoice_or_ask_again(ctx, args)


@router.state(AMOUNT_STATE)
async def process_amount(incoming: Incoming, ctx: Context) -> list[Action]:
    """Reads the typed amount: sends the invoice, or says what is wrong and asks again."""
    text = typed_text(incoming)
    if text is None:
        return [Send(ctx.t(NO_TEXT))]
    return await _invoice_or_ask_again(ctx, text)


async def _invoice_or_ask_again(ctx: Context, text: str) -> list[Action]:
    """Opens the intent and returns its invoice; on bad input awaits the amount again."""
    currency = ctx.settings.currency
    try:
        amount = parse_amount(text, currency, ctx.language, maximum=topup_maximum(currency))
    except InvalidInput as refusal:
        await ctx.set_state(AMOUNT_STATE, {})
        return [Send(ctx.t(refusal.message, **refusal.params) + "\n" + ctx.t(ASK_AGAIN))]
    gateway = _gateway(ctx)
    intent = await open_top_up(ctx.uow, ctx.user, amount, gateway.name, ctx.now(), ctx.language)
    if ctx.state is not None:
        await ctx.clear_state()
    shown = format_money(amount, ctx.language)
    texts = InvoiceTexts(
        title=ctx.t("Wallet top-up"),
        description=ctx.t("{amount} for your marketplace wallet. The money is there as soon "
                          "as the payment goes through.", amount=shown),
        label=ctx.t("Top-up {amount}", amount=shown))
    return [gateway.request(intent, texts)]


@router.on("pre_checkout")
async def pre_checkout(incoming: Incoming, ctx: Context) -> list[Action]:
    """Accepts the payment only for this user's open intent, its exact amount, if active."""
    event = incoming.event
    assert isinstance(event, PreCheckout)
    checkout = Checkout(payer_id=incoming.user.id, payload=event.payload,
                        currency=event.currency, total_minor=event.total_amount)
    try:
        await approve_checkout(ctx.uow, ctx.user, checkout)
    except DomainError as refusal:
        log.info("pre-checkout %s of user %s refused: %s", event.id, incoming.user.id,
                 refusal.message)
        return [AnswerPreCheckout(event.id, ok=False,
                                  error=ctx.t(refusal.message, **refusal.params))]
    return [AnswerPreCheckout(event.id, ok=True)]


@router.on("payment")
async def successful_payment(incoming: Incoming, ctx: Context) -> list[Action]:
    """Credits the wallet once per charge id and confirms with the new balance."""
    event = incoming.event
    assert isinstance(event, Payment)
    payment = GatewayPayment(payer_id=incoming.user.id, payload=event.payload,
                             currency=event.currency, total_minor=event.total_amount,
                             charge_id=event.telegram_payment_charge_id,
                             provider_charge_id=event.provider_payment_charge_id)
    settlement = await settle_payment(ctx.uow, payment, ctx.now())
    for anomaly in settlement.anomalies:
        log.warning("payment %s of user %s: %s", payment.charge_id, payment.payer_id, anomaly)
    after = await run_after_payment(ctx, settlement)  # it may move the money on at once
    if settlement.replayed:  # nothing moved; say where the money went the first time
        return [Send(after.received or ctx.t(ALREADY_CREDITED, balance=settlement.balance))]
    received = after.received or ctx.t(CREDITED, amount=settlement.amount,
                                       balance=settlement.balance)
    return [Send(received), *after.replies]


@router.command("ledger_check", role=Role.ADMIN)
async def command_ledger_check(incoming: Incoming, ctx: Context) -> list[Action]:
    """Admins only (the dispatcher refuses anyone else): the operator check of the ledger (the
    report is in English)."""
    report = await check_ledger(ctx.uow)
    if not report.ok:
        log.error("ledger check failed: %s", "; ".join(report.problems))
    return [Send(chunk) for chunk in _chunks(report.summary_lines())]


def _chunks(lines: list[str]) -> list[str]:
    """``lines`` packed into messages of at most Telegram's 4096 characters."""
    chunks: list[str] = []
    for line in lines:
        line = line[:TEXT_LIMIT]
        if chunks and len(chunks[-1]) + 1 + len(line) <= TEXT_LIMIT:
            chunks[-1] += "\n" + line
        else:
            chunks.append(line)
    return chunks
