"""QA of money input and milestone invoices: odd amounts, double presses, invoices gone stale."""

from __future__ import annotations

import pytest

from core.clock import FixedClock
from core.errors import InvalidInput
from core.milestones import MilestoneState
from core.money import AMOUNT_TOO_PRECISE, Money, parse_amount
from core.services.ledger_check import check_ledger
from handlers.context import HandlerSettings
from handlers.contract import Payment, PreCheckout, SendInvoice
from handlers.milestone_support import NOT_FUNDED_AFTER_PAYMENT
from locales import translator
from storage import Database
from tests.conversation.conftest import ADMIN_ID
from tests.conversation.harness import BotHarness, ChatUser
from tests.milestones_kit import balances, fixed_contract, fund_wallet, usd

PROVIDER = "284685063:TEST:provider-token"


@pytest.fixture
def bot(conversation_db: Database, clock: FixedClock) -> BotHarness:
    """The bot with a payment provider token, in USD, with one admin."""
    return BotHarness(conversation_db, clock, HandlerSettings(
        admin_ids=frozenset({ADMIN_ID}), currency="USD", payment_provider_token=PROVIDER))


def _invoices(user: ChatUser) -> list[SendInvoice]:
    return [a for a in user.actions if isinstance(a, SendInvoice)]


async def _pay(user: ChatUser, invoice: SendInvoice, charge: str) -> None:
    await user.send(PreCheckout(f"q-{charge}", invoice.currency, invoice.amount,
                                invoice.payload))
    await user.send(Payment(invoice.currency, invoice.amount, invoice.payload, charge))


async def _ledger_ok(bot: BotHarness) -> None:
    async with bot.database.uow() as uow:
        report = await check_ledger(uow)
    assert report.ok, report.problems


async def _client_with_contract(bot: BotHarness, language: str) -> tuple[ChatUser, int, int]:
    """A client speaking ``language`` with a contract; its first milestone's id."""
    client = bot.user(1001, "Alice", "Smith", language_code=language)
    expert = bot.user(1002, "Bob", "Ivanov", language_code="en")
    await client.sign_up("client", "Alice", "Smith", "alice@example.com", language=language)
    await expert.sign_up("expert", "Bob", "Ivanov", "bob@example.com")
    contract = await fixed_contract(bot.database, bot.clock.now(), client=client.id,
                                    expert=expert.id)
    assert contract.id is not None
    await client.command(f"/milestones {contract.id}")
    milestone_id = int(client.data_of("1. First draft").split(":")[2])
    return client, contract.id, milestone_id


@pytest.mark.parametrize(("text", "locale"), [("0.001", "es"), ("0,001", "en"),
                                              ("0.001", "en"), ("0,001", "ru")])
def test_a_thousandth_is_too_precise_in_every_locale_not_one_dollar(text: str,
                                                                   locale: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_amount(text, "USD", locale)
    assert refused.value.message == AMOUNT_TOO_PRECISE


async def test_a_spanish_top_up_of_0_001_is_refused_with_the_reason_in_spanish(
        bot: BotHarness) -> None:
    juan = bot.user(7, "Juan", language_code="es")
    await juan.sign_up("client", "Juan", "Pérez", "juan@example.com", language="es")
    await juan.command("/topup 0.001")
    es = translator("es")
    assert _invoices(juan) == []
    assert es("Too many digits after the decimal point: {currency} allows {digits}.",
              currency="USD", digits=2) in juan.reply


async def test_full_width_digits_are_read_as_digits(bot: BotHarness) -> None:
    ann = bot.user(8, "Ann")
    await ann.command("/topup ５０，５")
    assert [(i.amount, i.currency) for i in _invoices(ann)] == [(50_50, "USD")]
    assert parse_amount("１ ２３４.５", "USD", "en") == Money(1234_50, "USD")
    with pytest.raises(InvalidInput):  # a superscript is not a digit
        parse_amount("5²", "USD", "en")


async def test_hold_03_fund_pressed_twice_while_the_invoice_is_open_credits_the_extra_payment(
        bot: BotHarness) -> None:
    alice, _contract, milestone_id = await _client_with_contract(bot, "ru")
    await alice.press_data(f"ms:v:{milestone_id}")
    await alice.press_data(f"ms:f:{milestone_id}")
    first = _invoices(alice)[0]
    await alice.forge(f"ms:f:{milestone_id}")  # the same button pressed again
    second = _invoices(alice)[0]
    assert first.payload != second.payload
    await _pay(alice, first, "c1")
    await _pay(alice, second, "c2")
    ru = translator("ru")
    assert ru(NOT_FUNDED_AFTER_PAYMENT) in alice.reply
    money = await balances(bot.database, milestone_id, alice.id, 1002)
    assert (money["wallet"], money["escrow"]) == (usd("100.00"), usd("100.00"))
    await _ledger_ok(bot)


async def test_hold_03_an_invoice_paid_after_the_milestone_was_removed_lands_in_the_wallet(
        bot: BotHarness) -> None:
    alice, _contract, milestone_id = await _client_with_contract(bot, "uk")
    await alice.press_data(f"ms:v:{milestone_id}")
    await alice.press_data(f"ms:f:{milestone_id}")
    invoice = _invoices(alice)[0]
    await alice.forge(f"ms:cr:{milestone_id}:y")  # removed before paying
    await _pay(alice, invoice, "c1")
    uk = translator("uk")
    assert uk(NOT_FUNDED_AFTER_PAYMENT) in alice.reply
    async with bot.database.uow() as uow:
        stored = await uow.milestones.get(milestone_id)
    assert stored is not None and stored.state is MilestoneState.REMOVED
    money = await balances(bot.database, milestone_id, alice.id, 1002)
    assert (money["wallet"], money["escrow"]) == (usd("100.00"), usd("0"))
    await _ledger_ok(bot)


async def test_hold_03_funding_more_than_one_payment_can_carry_says_how_to_top_up(
        bot: BotHarness) -> None:
    alice = bot.user(1001, "Alicia", "Ruiz", language_code="es")
    bob = bot.user(1002, "Bob", "Ivanov", language_code="en")
    await alice.sign_up("client", "Alicia", "Ruiz", "alicia@example.com", language="es")
    await bob.sign_up("expert", "Bob", "Ivanov", "bob@example.com")
    contract = await fixed_contract(bot.database, bot.clock.now(), client=alice.id,
                                    expert=bob.id, first_amount=50_000_00)
    await alice.command(f"/milestones {contract.id}")
    milestone_id = int(alice.data_of("1. First draft").split(":")[2])
    await alice.press_data(f"ms:v:{milestone_id}")
    await alice.press_data(f"ms:f:{milestone_id}")
    es = translator("es")
    assert _invoices(alice) == []
    assert alice.reply == es(
        "Your wallet is {missing} short, and one payment can bring at most {maximum}. Add the "
        "money with /topup in several payments, then press the button again.",
        missing="50.000,00\xa0US$", maximum="10.000,00\xa0US$")
    assert "introducir" not in alice.reply  # not "the most you can enter"
    await _ledger_ok(bot)


@pytest.mark.parametrize(("text", "locale"), [("1.000", "en"), ("1.000", "ru"), ("1,000", "uk"),
                                              ("1,000", "es"), ("50.500", "en")])
def test_three_decimals_that_look_like_a_thousand_are_refused_not_read_as_one(
        text: str, locale: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_amount(text, "USD", locale)
    assert refused.value.message == AMOUNT_TOO_PRECISE


@pytest.mark.parametrize(("text", "locale"), [("1,000", "en"), ("1.000", "es"),
                                              ("1\u00a0000", "ru"), ("1 000", "uk")])
def test_a_thousand_grouped_the_readers_way_is_a_thousand(text: str, locale: str) -> None:
    assert parse_amount(text, "USD", locale) == Money(1000_00, "USD")


async def test_ms_08_a_partial_release_above_the_escrow_is_refused_in_the_readers_format(
        bot: BotHarness) -> None:
    alice, _contract, milestone_id = await _client_with_contract(bot, "en")
    admin = bot.user(ADMIN_ID, "Саша", "Админ", language_code="ru")
    await admin.sign_up("client", "Саша", "Админ", "sasha@example.com", language="ru")
    await fund_wallet(bot.database, alice.id, usd("100.00"), bot.clock.now())
    await alice.press_data(f"ms:v:{milestone_id}")
    await alice.press_data(f"ms:f:{milestone_id}")
    await alice.press_data(f"ms:dsp:{milestone_id}")
    await alice.say("Nothing was delivered")
    await alice.press_data("msw:ds")
    await admin.command(f"/resolve {milestone_id} partial 150 Больше, чем есть")
    ru = translator("ru")
    assert admin.reply == ru("The part to release must be between zero and {escrow}.",
                             escrow="100,00\xa0$")
    money = await balances(bot.database, milestone_id, alice.id, 1002)
    assert money["escrow"] == usd("100.00")
    await _ledger_ok(bot)


async def test_hold_03_fund_while_a_wallet_top_up_invoice_is_pending_charges_each_once(
        bot: BotHarness) -> None:
    alice, contract_id, milestone_id = await _client_with_contract(bot, "en")
    await alice.command("/topup 50")
    top_up = _invoices(alice)[0]
    await alice.command(f"/milestones {contract_id}")
    await alice.press_data(f"ms:v:{milestone_id}")
    await alice.press_data(f"ms:f:{milestone_id}")
    funding = _invoices(alice)[0]
    assert funding.amount == 100_00  # an unpaid invoice is not money in the wallet
    await _pay(alice, funding, "c-fund")
    await _pay(alice, top_up, "c-top")
    assert "Balance: $50.00" in alice.reply
    money = await balances(bot.database, milestone_id, alice.id, 1002)
    assert (money["wallet"], money["escrow"]) == (usd("50.00"), usd("100.00"))
    await _ledger_ok(bot)


async def test_hold_03_an_invoice_paid_after_the_wallet_was_spent_elsewhere_says_so(
        bot: BotHarness) -> None:
    alice, contract_id, first = await _client_with_contract(bot, "es")
    await fund_wallet(bot.database, alice.id, usd("60.00"), bot.clock.now())
    await alice.press_data(f"ms:v:{first}")
    await alice.press_data(f"ms:f:{first}")
    invoice = _invoices(alice)[0]
    assert invoice.amount == 40_00
    await alice.command(f"/milestones {contract_id}")
    await alice.press_data(f"ms:new:{contract_id}")
    await alice.say("Planos")
    await alice.press_data("msx:k")
    await alice.say("50")
    await alice.say("2026-03-01")
    second = int(alice.messages[-1].buttons()[0][1].split(":")[2])
    await alice.press_data(f"ms:v:{second}")
    await alice.press_data(f"ms:f:{second}")  # from the wallet: $10.00 left
    await _pay(alice, invoice, "c1")
    es = translator("es")
    assert es(NOT_FUNDED_AFTER_PAYMENT) in alice.reply
    assert alice.messages[-1].buttons() == [(es("Open the milestone"), f"ms:v:{first}")]
    money = await balances(bot.database, first, alice.id, 1002)
    assert (money["wallet"], money["escrow"]) == (usd("50.00"), usd("0"))
    await alice.press(es("Open the milestone"))
    await alice.press_data(f"ms:f:{first}")
    assert [i.amount for i in _invoices(alice)] == [50_00]
    await _ledger_ok(bot)
