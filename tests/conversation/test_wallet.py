"""/wallet, /topup and Telegram Payments' checkout and payment, through the real dispatcher."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from babel.dates import format_date

from core.accounts import Role
from core.clock import FixedClock
from core.holds import available_at, clear_due_holds
from core.ledger import AccountKind, AccountRef, Owner
from core.money import Money, format_money
from core.payments import (
    ALREADY_PAID,
    AMOUNT_MISMATCH,
    INVOICE_UNKNOWN,
    NOT_YOUR_INVOICE,
    parse_payload,
    payload_of,
)
from core.services.ledger import (
    Leg,
    available_account,
    fund_escrow,
    release_escrow,
    top_up,
    transfer,
    wallet_account,
)
from handlers.context import HandlerSettings
from handlers.contract import AnswerPreCheckout, Payment, PreCheckout, SendInvoice
from handlers.dispatch import STAFF_ONLY
from handlers.wallet import NOT_CONFIGURED
from locales import translator
from storage import Database
from tests.conversation.conftest import ADMIN_ID
from tests.conversation.harness import BotHarness, ChatUser
from tests.fakes import present

PROVIDER = "284685063:TEST:provider-token"


@pytest.fixture
def bot(conversation_db: Database, clock: FixedClock) -> BotHarness:
    """The bot with a payment provider token, in USD, with one admin."""
    return BotHarness(conversation_db, clock, HandlerSettings(
        admin_ids=frozenset({ADMIN_ID}), currency="USD", payment_provider_token=PROVIDER))


def invoice_of(user: ChatUser) -> SendInvoice:
    """The invoice the bot answered the last update with."""
    invoices = [a for a in user.actions if isinstance(a, SendInvoice)]
    assert len(invoices) == 1, user.actions
    return invoices[0]


def checkout_answer(user: ChatUser) -> AnswerPreCheckout:
    """The bot's answer to the last pre-checkout query."""
    answers = [a for a in user.actions if isinstance(a, AnswerPreCheckout)]
    assert len(answers) == 1, user.actions
    return answers[0]


async def pre_checkout(user: ChatUser, payload: str, amount: int,
                       currency: str = "USD") -> AnswerPreCheckout:
    """Telegram asks whether ``user`` may pay; returns the bot's answer."""
    await user.send(PreCheckout(f"pcq{user.bot.next_id()}", currency, amount, payload))
    return checkout_answer(user)


async def paid(user: ChatUser, invoice: SendInvoice, charge: str = "charge-1") -> None:
    """Telegram reports the invoice paid (successful_payment)."""
    await user.send(Payment(invoice.currency, invoice.amount, invoice.payload, charge,
                            f"provider-{charge}"))


async def pay(user: ChatUser, invoice: SendInvoice, charge: str = "charge-1") -> None:
    """The whole payment: pre-checkout accepted, then the successful payment."""
    answer = await pre_checkout(user, invoice.payload, invoice.amount, invoice.currency)
    assert answer.ok and answer.error is None
    await paid(user, invoice, charge)


async def balance(bot: BotHarness, user_id: int, currency: str = "USD") -> Money:
    """The user's wallet balance as stored."""
    async with bot.database.uow() as uow:
        return await uow.ledger.balance(wallet_account(user_id, currency))


async def test_topup_with_an_amount_sends_the_invoice_with_the_provider_token(
        bot: BotHarness) -> None:
    ann = bot.user(1, "Ann")
    await ann.command("/topup 50")
    invoice = invoice_of(ann)
    assert (invoice.currency, invoice.amount, invoice.provider_token) == ("USD", 5000, PROVIDER)
    assert (invoice.title, invoice.label) == ("Wallet top-up", "Top-up $50.00")
    assert invoice.description.startswith("$50.00 for your marketplace wallet.")
    assert present(parse_payload(invoice.payload))[1] == ann.id


async def test_topup_without_an_amount_asks_and_re_asks_after_a_bad_one(bot: BotHarness) -> None:
    ann = bot.user(1, "Ann")
    await ann.command("/topup")
    assert ann.reply.startswith("How much do you want to add to your wallet?")
    assert "USD" in ann.reply
    for bad, reason in [("fifty", "Please send the amount as a number, for example 12.50."),
                        ("-5", "The amount cannot be negative."),
                        ("0", "The amount must be greater than zero."),
                        ("50.555", "Too many digits after the decimal point: USD allows 2."),
                        ("20000", "The amount is too large: the most you can enter is "
                                  "$10,000.00.")]:
        await ann.say(bad)
        assert ann.replies == [f"{reason}\nSend the amount again, or /cancel to stop."], bad
        assert (await bot.dialog(1))[0] == "wallet.amount"
    await ann.say("1,234.5")
    assert invoice_of(ann).amount == 123450
    assert await bot.dialog(1) == (None, {})


async def test_a_bad_amount_on_the_command_line_is_re_asked_in_a_dialog(bot: BotHarness) -> None:
    ann = bot.user(1, "Ann")
    await ann.command("/topup 5O")
    assert ann.reply.startswith("Please send the amount as a number")
    await ann.say("50")
    assert invoice_of(ann).amount == 5000


async def test_russian_amounts_take_a_decimal_comma_and_errors_are_in_russian(
        bot: BotHarness) -> None:
    ivan = bot.user(2, "Иван", language_code="ru")
    await ivan.command("/topup")
    assert ivan.reply.startswith("Какую сумму добавить в кошелёк?")
    await ivan.say("-3")
    assert ivan.replies == ["Сумма не может быть отрицательной.\n"
                            "Отправьте сумму ещё раз или /cancel, чтобы отменить."]
    await ivan.say("50,5")
    invoice = invoice_of(ivan)
    assert invoice.amount == 5050
    assert invoice.title == "Пополнение кошелька"
    await pay(ivan, invoice)
    expected = format_money(Money(5050, "USD"), "ru")
    assert ivan.reply == f"Платёж получен: {expected} зачислено в кошелёк. Баланс: {expected}."


async def test_cancel_leaves_the_amount_dialog_without_an_invoice(bot: BotHarness) -> None:
    ann = bot.user(1, "Ann")
    await ann.command("/topup")
    await ann.command("/cancel")
    await ann.say("50")
    assert not any(isinstance(a, SendInvoice) for a in ann.actions)
    assert await bot.dialog(1) == (None, {})


async def test_paying_the_invoice_credits_the_wallet_and_wallet_shows_it(bot: BotHarness) -> None:
    ann = bot.user(1, "Ann")
    await ann.command("/wallet")
    assert "Balance: $0.00" in ann.reply and "No transactions yet." in ann.reply
    assert ann.buttons() == ["Top up"]
    await ann.press("Top up")
    await ann.say("50")
    await pay(ann, invoice_of(ann))
    assert ann.reply == "Payment received: $50.00 added to your wallet. Balance: $50.00."
    await ann.command("/wallet")
    lines = ann.reply.splitlines()
    assert lines[:2] == ["Your wallet", "Balance: $50.00"]
    assert "Recent transactions:" in lines
    assert lines[-1] == "Jan 15, 2026 · Top-up · +$50.00"
    assert await balance(bot, 1) == Money(5000, "USD")


async def test_a_duplicated_successful_payment_credits_once(bot: BotHarness) -> None:
    ann = bot.user(1, "Ann")
    await ann.command("/topup 50")
    invoice = invoice_of(ann)
    await pay(ann, invoice, charge="tg-charge-7")
    await ann.send(Payment("USD", 5000, invoice.payload, "tg-charge-7", "provider-tg-charge-7"),
                   update_id=ann.last_update_id)  # the same update delivered again
    assert ann.actions == []
    await paid(ann, invoice, charge="tg-charge-7")  # the same charge in a new update
    assert ann.reply == "This payment was already added to your wallet. Balance: $50.00."
    assert await balance(bot, 1) == Money(5000, "USD")
    await ann.command("/wallet")
    assert ann.reply.count("Top-up · +$50.00") == 1


async def test_a_paid_invoice_cannot_be_checked_out_again(bot: BotHarness) -> None:
    ann = bot.user(1, "Ann")
    await ann.command("/topup 50")
    invoice = invoice_of(ann)
    await pay(ann, invoice)
    answer = await pre_checkout(ann, invoice.payload, invoice.amount)
    assert (answer.ok, answer.error) == (False, translator("en")(ALREADY_PAID))


async def test_a_checkout_of_another_users_invoice_is_refused(bot: BotHarness) -> None:
    ann, ben = bot.user(1, "Ann"), bot.user(2, "Ben", language_code="es")
    await ann.command("/topup 50")
    invoice = invoice_of(ann)
    intent_id = present(parse_payload(invoice.payload))[0]
    for forged in (invoice.payload, payload_of(intent_id, ben.id)):
        answer = await pre_checkout(ben, forged, invoice.amount)
        assert (answer.ok, answer.error) == (False, translator("es")(NOT_YOUR_INVOICE))
    answer = await pre_checkout(ben, "topup:999999:2", 5000)
    assert (answer.ok, answer.error) == (False, translator("es")(INVOICE_UNKNOWN))
    answer = await pre_checkout(ben, "anything else", 5000)
    assert not answer.ok and answer.error == translator("es")(INVOICE_UNKNOWN)
    assert (await pre_checkout(ann, invoice.payload, invoice.amount)).ok


@pytest.mark.parametrize(("amount", "currency"), [(4999, "USD"), (5001, "USD"), (5000, "EUR")])
async def test_a_checkout_whose_amount_differs_from_the_invoice_is_refused(
        bot: BotHarness, amount: int, currency: str) -> None:
    ann = bot.user(1, "Ann")
    await ann.command("/topup 50")
    answer = await pre_checkout(ann, invoice_of(ann).payload, amount, currency)
    assert (answer.ok, answer.error) == (False, translator("en")(AMOUNT_MISMATCH))


async def test_acc_02_a_suspended_user_cannot_top_up_and_is_told_why(bot: BotHarness) -> None:
    ann = bot.user(1, "Ann")
    await ann.command("/topup 50")
    invoice = invoice_of(ann)
    await bot.suspend(1, "chargebacks under review")
    answer = await pre_checkout(ann, invoice.payload, invoice.amount)
    assert not answer.ok
    assert answer.error == ("Your account is suspended. Send /appeal to ask support to review "
                            "it. Reason: chargebacks under review")
    await ann.command("/topup 20")
    assert ann.reply == ("Your account is suspended. Send /appeal to ask support to review it. "
                         "Reason: chargebacks under review")
    assert not any(isinstance(a, SendInvoice) for a in ann.actions)
    await ann.command("/wallet")  # reading is still allowed
    assert ann.reply.startswith("Your wallet")


async def test_money_that_arrived_is_credited_even_if_its_payload_names_no_intent(
        bot: BotHarness) -> None:
    ann = bot.user(1, "Ann")
    await ann.send(Payment("USD", 700, "topup:424242:1", "stray-charge"))
    assert ann.reply == "Payment received: $7.00 added to your wallet. Balance: $7.00."
    assert await balance(bot, 1) == Money(700, "USD")


async def test_hold_04_wallet_shows_pending_amounts_with_their_dates_and_escrow(
        bot: BotHarness, clock: FixedClock) -> None:
    client, expert = bot.user(1, "Ann"), bot.user(2, "Ben")
    await client.command("/wallet")
    await expert.command("/wallet")
    now = clock.now()
    usd = Money.of("150", "USD")
    async with bot.database.uow() as uow:
        await top_up(uow, user_id=1, amount=usd, charge_id="seed", at=now)
        await fund_escrow(uow, client_id=1, milestone_id=77, amount=usd, key="fund:77", at=now)
        await release_escrow(uow, milestone_id=77, expert_id=2, amount=Money.of("95", "USD"),
                             key="release:77", at=now, clears_at=available_at(now))
        await uow.commit()
    await client.command("/wallet")
    assert "Balance: $0.00" in client.reply
    assert "In escrow: $55.00" in client.reply
    assert "Milestone funded · −$150.00" in client.reply
    await expert.command("/wallet")
    assert "Pending: $95.00\n• $95.00: available on Jan 20, 2026" in expert.reply
    assert "Jan 15, 2026 · Milestone payment (on hold) · +$95.00" in expert.reply
    clock.advance(timedelta(days=6))  # the date passed; the tick has not run yet
    await expert.command("/wallet")
    assert "• $95.00: was due on Jan 20, 2026; it is being cleared now." in expert.reply
    async with bot.database.uow() as uow:
        assert len(await clear_due_holds(uow, clock.now())) == 1
        await uow.commit()
    await expert.command("/wallet")
    assert "Earnings available: $95.00" in expert.reply
    assert "Pending: $0.00" in expert.reply and "•" not in expert.reply
    assert "Jan 21, 2026 · Became available · +$95.00" in expert.reply
    assert "Payouts on the way" not in expert.reply
    payouts = AccountRef(AccountKind.PAYOUT_IN_FLIGHT, Owner.user(2), "USD")
    async with bot.database.uow() as uow:
        await transfer(uow, key="payout:1", kind="payout", at=clock.now(),
                       legs=Leg(available_account(2, "USD"), payouts, Money.of("20", "USD")))
        await uow.commit()
    await expert.command("/wallet")
    assert "Earnings available: $75.00\n" in expert.reply
    assert "Payouts on the way: $20.00" in expert.reply
    assert "Other transaction · −$20.00" in expert.reply


async def test_hold_04_pending_dates_are_in_the_readers_language(
        bot: BotHarness, clock: FixedClock) -> None:
    expert = bot.user(2, "Борис", language_code="ru")
    await expert.command("/wallet")
    now = clock.now()
    async with bot.database.uow() as uow:
        await top_up(uow, user_id=2, amount=Money.of("10", "USD"), charge_id="c", at=now)
        await fund_escrow(uow, client_id=2, milestone_id=5, amount=Money.of("10", "USD"),
                          key="f", at=now)
        await release_escrow(uow, milestone_id=5, expert_id=2, amount=Money.of("10", "USD"),
                             key="r", at=now, clears_at=available_at(now))
        await uow.commit()
    await expert.command("/wallet")
    ten = format_money(Money.of("10", "USD"), "ru")
    day = format_date(date(2026, 1, 20), format="medium", locale="ru")
    assert day.startswith("20 янв. 2026")
    assert f"В ожидании: {ten}\n• {ten}: будет доступно {day}" in expert.reply


async def test_the_history_pages_back_and_forth_with_buttons(bot: BotHarness,
                                                             clock: FixedClock) -> None:
    ann = bot.user(1, "Ann")
    for n in range(1, 8):
        await ann.command(f"/topup {n}")
        await pay(ann, invoice_of(ann), charge=f"c{n}")
    await ann.command("/wallet")
    assert ann.buttons() == ["Top up", "Older »"]
    assert [line.split(" · ")[-1] for line in ann.reply.splitlines() if " · " in line] == [
        "+$7.00", "+$6.00", "+$5.00", "+$4.00", "+$3.00"]
    await ann.press("Older »")
    assert [line.split(" · ")[-1] for line in ann.last_text.splitlines() if " · " in line] == [
        "+$2.00", "+$1.00"]
    assert ann.buttons() == ["Top up", "« Latest"]
    await ann.press("« Latest")
    assert "+$7.00" in ann.last_text
    await ann.forge("wal:h:notanumber")
    assert ann.answer is not None and ann.answer.alert


async def test_ledger_check_is_for_admins_only(bot: BotHarness) -> None:
    ann, sam = bot.user(1, "Ann"), bot.user(3, "Sam")
    admin = bot.user(ADMIN_ID, "Ada")
    await ann.command("/topup 5")
    await pay(ann, invoice_of(ann))
    await admin.command("/ledger_check")
    assert admin.reply.startswith("ledger check: OK")
    assert "USD: balances sum to 0 (must be 0)" in admin.reply
    await ann.command("/ledger_check")
    assert ann.reply == translator("en")(STAFF_ONLY[Role.ADMIN], command="ledger_check")
    await sam.command("/start")
    async with bot.database.uow() as uow:
        user = await uow.users.get(3)
        assert user is not None
        user.roles.add(Role.SUPPORT)
        await uow.users.save(user)
        await uow.commit()
    await sam.command("/ledger_check")  # support is not enough, and is told so
    assert sam.reply == translator("en")(STAFF_ONLY[Role.ADMIN], command="ledger_check")


async def test_without_a_provider_token_topup_says_payments_are_not_set_up(
        conversation_db: Database, clock: FixedClock) -> None:
    bare = BotHarness(conversation_db, clock, HandlerSettings())
    ann = bare.user(1, "Ann", language_code="uk")
    for line in ("/topup 50", "/topup"):
        await ann.command(line)
        assert ann.reply == translator("uk")(NOT_CONFIGURED)
        assert not any(isinstance(a, SendInvoice) for a in ann.actions)
    assert await bare.dialog(1) == (None, {})
    sandbox = BotHarness(conversation_db, clock, HandlerSettings(sandbox=True))
    sandbox.update_ids = bare.update_ids  # one Telegram: update ids are never reused
    ben = sandbox.user(2, "Ben")
    await ben.command("/topup 50")
    assert invoice_of(ben).provider_token == ""
