"""FEE-01: the service fee the freelancer will keep (gross, fee, net) is shown to the client
before they pay: on the milestone card with its Fund button, on the funding invoice, on the
release confirmation, and on the bonus confirmation and invoice; in every language."""

from __future__ import annotations

import pytest

from core.clock import FixedClock
from core.money import format_money
from handlers.context import HandlerSettings
from handlers.contract import SendInvoice
from storage import Database
from tests.conversation.conftest import ADMIN_ID
from tests.conversation.harness import BotHarness, ChatUser
from tests.milestones_kit import fixed_contract, fund_wallet, usd
from tests.payouts.kit import default_policy

__all__ = ["default_policy"]

pytestmark = pytest.mark.usefixtures("default_policy")

#: The fee line for $100.00 at the default 10%, as each language writes it.
NOTE_100 = {
    "en": "Service fee 10% of $100.00: $10.00; the freelancer keeps $90.00.",
    "ru": "Сервисный сбор 10% от 100,00\xa0$: 10,00\xa0$; фрилансер получит 90,00\xa0$.",
    "uk": "Сервісний збір 10% від 100,00\xa0USD: 10,00\xa0USD; фрилансер отримає 90,00\xa0USD.",
    "es": "Comisión de servicio del 10 % sobre 100,00\xa0US$: 10,00\xa0US$; el freelancer "
          "recibe 90,00\xa0US$.",
}
LANGUAGES = sorted(NOTE_100)


@pytest.fixture
def bot(conversation_db: Database, clock: FixedClock) -> BotHarness:
    return BotHarness(conversation_db, clock, HandlerSettings(
        admin_ids=frozenset({ADMIN_ID}), currency="USD",
        payment_provider_token="284685063:TEST:provider-token"))


async def _people(bot: BotHarness, language: str) -> tuple[ChatUser, ChatUser, int]:
    """Alice (client, in ``language``), Bob (freelancer) and their contract ($100.00 first)."""
    alice = bot.user(1001, "Alice", "Smith", language_code=language)
    bob = bot.user(1002, "Bob", "Ivanov", language_code="en")
    await alice.sign_up("client", "Alice", "Smith", "alice@example.com", language=language)
    await bob.sign_up("expert", "Bob", "Ivanov", "bob@example.com")
    contract = await fixed_contract(bot.database, bot.clock.now(), client=alice.id,
                                    expert=bob.id)
    assert contract.id is not None
    return alice, bob, contract.id


def _first_milestone(user: ChatUser) -> int:
    for message in reversed(user.messages):
        for _, data in message.buttons():
            if data.startswith("ms:v:"):
                return int(data.split(":")[2])
    raise AssertionError("no milestone on the board")


@pytest.mark.parametrize("language", LANGUAGES)
async def test_fee_01_the_milestone_card_and_funding_invoice_show_gross_fee_and_net(
        bot: BotHarness, clock: FixedClock, language: str) -> None:
    alice, _bob, contract_id = await _people(bot, language)
    await alice.command(f"/milestones {contract_id}")
    milestone_id = _first_milestone(alice)
    await alice.press_data(f"ms:v:{milestone_id}")
    assert NOTE_100[language] in alice.last_text, alice.last_text  # before the Fund button
    await fund_wallet(bot.database, alice.id, usd("40.00"), clock.now())
    await alice.press_data(f"ms:f:{milestone_id}")
    invoice = next(a for a in alice.actions if isinstance(a, SendInvoice))
    assert invoice.amount == 60_00
    assert NOTE_100[language] in invoice.description and len(invoice.description) <= 255
    assert NOTE_100[language] in alice.reply  # the message with the invoice says it too


@pytest.mark.parametrize("language", LANGUAGES)
async def test_fee_01_the_bonus_confirmation_and_invoice_show_gross_fee_and_net(
        bot: BotHarness, clock: FixedClock, language: str) -> None:
    alice, _bob, contract_id = await _people(bot, language)
    await fund_wallet(bot.database, alice.id, usd("30.00"), clock.now())
    await alice.command("/bonus")
    await alice.press_data(f"bon:c:{contract_id}")
    await alice.press_data(f"bon:k:{contract_id}:b")
    await alice.say("100")
    await alice.say("Thanks")
    card = alice.reply
    for amount in ("100.00", "10.00", "90.00"):  # gross (to pay), fee and net
        assert format_money(usd(amount), language) in card, card
    await alice.press_data("bon:ok")
    invoice = next(a for a in alice.actions if isinstance(a, SendInvoice))
    assert invoice.amount == 70_00
    assert NOTE_100[language] in invoice.description and len(invoice.description) <= 255


async def test_fee_01_an_expense_invoice_has_no_service_fee_line(
        bot: BotHarness, clock: FixedClock) -> None:
    alice, _bob, contract_id = await _people(bot, "en")
    await alice.command("/bonus")
    await alice.press_data(f"bon:c:{contract_id}")
    await alice.press_data(f"bon:k:{contract_id}:e")
    await alice.say("100")
    await alice.say("Courier")
    await alice.press_data("bon:ok")
    invoice = next(a for a in alice.actions if isinstance(a, SendInvoice))
    assert "Service fee" not in invoice.description


async def test_fee_01_the_release_confirmation_shows_what_the_freelancer_keeps(
        bot: BotHarness, clock: FixedClock) -> None:
    alice, bob, contract_id = await _people(bot, "en")
    await fund_wallet(bot.database, alice.id, usd("100.00"), clock.now())
    await alice.command(f"/milestones {contract_id}")
    milestone_id = _first_milestone(alice)
    await alice.press_data(f"ms:v:{milestone_id}")
    await alice.press_data(f"ms:f:{milestone_id}")
    await bob.command(f"/milestones {contract_id}")
    await bob.press_data(f"ms:v:{milestone_id}")
    await bob.press_data(f"ms:st:{milestone_id}")
    await bob.press_data(f"ms:sub:{milestone_id}")
    await bob.say("Done")
    await bob.press_data("msw:ss")
    await alice.command(f"/milestones {contract_id}")
    await alice.press_data(f"ms:v:{milestone_id}")
    assert NOTE_100["en"] in alice.last_text  # the card with "Accept and release"
    await alice.press("Accept and release $100.00")
    assert "Release $100.00 to the freelancer?" in alice.last_text
    assert NOTE_100["en"] in alice.last_text
