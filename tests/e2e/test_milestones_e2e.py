"""Milestones end to end on aiogram and on PTB against the sandbox Bot API server.

Alice (employer, English) and Boris (freelancer, Russian) have a fixed-price contract. Boris
proposes a milestone; Alice approves it and funds it with a short wallet: the bot invoices
exactly the difference, the sandbox pays it, and the milestone is funded at once. Boris
submits work, Alice asks for a revision, Boris submits again, Alice accepts; five days later
(the fixtures' clock moved, the ticks run) the money is available in Boris's /wallet. A second
run takes the offer's first milestone through a change request (the higher amount charged,
again through an invoice) and a dispute that support resolves with /resolve.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from bot.sandbox import SandboxMessage, SandboxUser
from core.clock import FixedClock
from core.milestones import MilestoneState
from core.money import format_money
from handlers.jobs import run_ticks
from locales import translator
from tests.e2e.conftest import SUPPORT_ID, Running
from tests.e2e.test_bot import onboard
from tests.e2e.test_relay_e2e import delivering  # noqa: F401 - the fixture, used by name
from tests.fakes import present
from tests.milestones_kit import balances, fixed_contract, usd

pytestmark = pytest.mark.e2e

WAIT = 10.0
EN, RU, UK = translator("en"), translator("ru"), translator("uk")
TITLE = "Чертежи корпуса"


@pytest.fixture(autouse=True)
def provider_token(monkeypatch: pytest.MonkeyPatch) -> None:
    """PAYMENT_PROVIDER_TOKEN as an operator sets it (read when the bot starts)."""
    monkeypatch.setenv("PAYMENT_PROVIDER_TOKEN", "284685063:TEST:sandbox-provider")


def _has(prefix: str) -> Callable[[SandboxMessage], bool]:
    """A predicate: the message carries a button whose callback data starts with ``prefix``."""
    return lambda m: any(value.startswith(prefix) for row in m.buttons for _, value in row)


def _starts(text: str) -> Callable[[SandboxMessage], bool]:
    return lambda m: (m.text or "").startswith(text)


def _data(message: SandboxMessage, prefix: str) -> str:
    return next(value for row in message.buttons for _, value in row if value.startswith(prefix))


async def _people(running: Running, clock: FixedClock) -> tuple[SandboxUser, SandboxUser, int]:
    server = running.server
    alice = server.user(1001, "Alice", language_code="en", username="alice")
    boris = server.user(1002, "Boris", language_code="ru", username="boris")
    await onboard(alice, "en", 1, None, "Liddell", "alice@example.com")
    await onboard(boris, "ru", 0, "Борис", "Иванов", "boris@example.com")
    contract = await fixed_contract(running.app.db, clock.now(), client=alice.id,
                                    expert=boris.id)
    assert contract.id is not None
    return alice, boris, contract.id


async def _press(user: SandboxUser, message: SandboxMessage, prefix: str) -> None:
    """Press the button whose data starts with ``prefix``; wait for the bot's answer."""
    await user.press_data(message, _data(message, prefix), WAIT)


async def _card(user: SandboxUser, contract_id: int, milestone_id: int) -> SandboxMessage:
    """The milestone's card, through /milestones and the board."""
    await user.command(f"/milestones {contract_id}")
    board = await user.wait_message(WAIT, predicate=_has(f"ms:v:{milestone_id}"))
    await user.press_data(board, f"ms:v:{milestone_id}", WAIT)
    return await user.wait_edit(board, WAIT, predicate=_has("ms:b:"))


async def _pay_invoice(user: SandboxUser, total_minor: int) -> None:
    invoice = await user.wait_message(WAIT, predicate=lambda m: m.invoice is not None)
    assert invoice.invoice is not None and invoice.invoice["total_amount"] == total_minor
    assert (await user.pay(invoice, WAIT)).ok


async def _top_up(user: SandboxUser, amount: str, total_minor: int) -> None:
    await user.command(f"/topup {amount}")
    await _pay_invoice(user, total_minor)
    await user.wait_message(WAIT, predicate=_starts(EN("Payment received: {amount} added to "
                                                       "your wallet.", amount="")[:16]))


async def _submit(boris: SandboxUser, card: SandboxMessage, milestone_id: int,
                  text: str) -> None:
    await boris.press_data(card, f"ms:sub:{milestone_id}", WAIT)
    await boris.wait_message(WAIT, predicate=_has("msw:ss"))
    await boris.send(text)
    noted = await boris.wait_message(WAIT, predicate=_has("msw:ss"))
    await boris.upload_document(b"%PDF-1.4 drawings", "drawings.pdf")
    await boris.wait_message(WAIT, predicate=lambda m: "1" in (m.text or ""))
    await boris.press_data(noted, "msw:ss", WAIT)
    await boris.wait_message(WAIT, predicate=_starts(RU("Submitted: the client reviews "
                                                        "“{title}”.", title="")[:6]))


async def _notified(user: SandboxUser, text: str) -> SandboxMessage:
    """The next notification containing ``text`` (it has an Open the milestone button)."""
    return await user.wait_message(WAIT, predicate=lambda m: text in (m.text or "")
                                   and _has("ms:v:")(m))


async def test_ms_05_ms_06_hold_01_propose_fund_short_revise_accept_and_clear_in_5_days(
        delivering: Running, clock: FixedClock) -> None:  # noqa: F811 - the imported fixture
    running = delivering
    alice, boris, contract_id = await _people(running, clock)

    await boris.command(f"/milestones {contract_id}")
    board = await boris.wait_message(WAIT, predicate=_has(f"ms:new:{contract_id}"))
    await boris.press_data(board, f"ms:new:{contract_id}", WAIT)
    await boris.wait_message(WAIT, predicate=_starts(RU(
        "What is the milestone's title? For example: Wireframes of every screen.")))
    await boris.send(TITLE)
    skip = await boris.wait_message(WAIT, predicate=_has("msx:k"))
    await boris.press_data(skip, "msx:k", WAIT)
    await boris.wait_message(WAIT, predicate=lambda m: "USD" in (m.text or ""))
    await boris.send("250")
    await boris.wait_message(WAIT, predicate=lambda m: "2026-01-29" in (m.text or ""))
    await boris.send("2026-02-01")
    proposed = await boris.wait_message(WAIT, predicate=_has("ms:v:"))
    milestone_id = int(_data(proposed, "ms:v:").split(":")[2])

    told = await _notified(alice, "Борис Иванов proposed a milestone: “Чертежи корпуса”, "
                                  "$250.00")
    await _press(alice, told, "ms:v:")
    card = await alice.wait_edit(told, WAIT, predicate=_has(f"ms:ok:{milestone_id}"))
    await _press(alice, card, "ms:ok:")
    await alice.wait_edit(card, WAIT, predicate=_has(f"ms:f:{milestone_id}"))

    await _top_up(alice, "100", 100_00)
    await alice.press_data(card, f"ms:f:{milestone_id}", WAIT)
    short = await alice.wait_message(WAIT, predicate=_starts("Your wallet is $150.00 short"))
    assert TITLE in (short.text or "")
    await _pay_invoice(alice, 150_00)
    funded = await alice.wait_message(WAIT, predicate=_starts("💰"))
    assert funded.text == EN("💰 The milestone “{title}” is funded: {amount} is in escrow. The "
                             "freelancer is told to start.", title=TITLE, amount="$250.00")

    told = await _notified(boris, RU("💰 The milestone “{title}” is funded: {amount} is in "
                                     "escrow. You can start work.", title=TITLE,
                                     amount=format_money(usd("250.00"), "ru")))
    await _press(boris, told, "ms:v:")
    card = await boris.wait_edit(told, WAIT, predicate=_has(f"ms:sub:{milestone_id}"))
    await _submit(boris, card, milestone_id, "Все виды с размерами")

    told = await _notified(alice, "submitted work for the milestone")
    await _press(alice, told, "ms:v:")
    card = await alice.wait_edit(told, WAIT, predicate=_has(f"ms:rev:{milestone_id}"))
    assert "Все виды с размерами" in (card.text or "")
    await alice.press_data(card, f"ms:rev:{milestone_id}", WAIT)
    await alice.wait_message(WAIT, predicate=_starts("What should the freelancer revise"))
    await alice.send("Please add the section view")
    await alice.wait_message(WAIT, predicate=_starts("The freelancer is asked to revise"))

    told = await _notified(boris, "Please add the section view")
    await _press(boris, told, "ms:v:")
    card = await boris.wait_edit(told, WAIT, predicate=_has(f"ms:sub:{milestone_id}"))
    await _submit(boris, card, milestone_id, "Добавил разрез")

    told = await _notified(alice, "submitted work for the milestone")
    await _press(alice, told, "ms:v:")
    card = await alice.wait_edit(told, WAIT, predicate=_has(f"ms:acc:{milestone_id}"))
    await _press(alice, card, "ms:acc:")
    await alice.wait_edit(card, WAIT, predicate=_has(f"ms:acc:{milestone_id}:y"))
    await _press(alice, card, f"ms:acc:{milestone_id}:y")
    await alice.wait_edit(card, WAIT, predicate=lambda m: EN("released to the freelancer")
                          in (m.text or ""))
    await _notified(boris, format_money(usd("250.00"), "ru"))
    async with running.app.db.uow() as uow:
        assert present(await uow.milestones.get(milestone_id)).state is MilestoneState.RELEASED

    clock.advance(timedelta(days=5))  # HOLD-01: processed Jan 15 -> available Jan 20 00:00
    report = await run_ticks(running.app.db.uow, clock.now())
    assert report.done["holds"] == 1 and not report.failed
    await boris.command("/wallet")
    wallet = await boris.wait_message(WAIT, predicate=_starts(RU("Your wallet")))
    assert RU("Earnings available: {amount}",  # FEE-01: 250.00 less the 10% fee
              amount=format_money(usd("225.00"), "ru")) in (wallet.text or "")
    assert RU("Pending: {amount}", amount=format_money(usd("0"), "ru")) in (wallet.text or "")


async def test_ms_04_ms_08_a_change_request_and_a_dispute_resolved_by_support(
        delivering: Running, clock: FixedClock) -> None:  # noqa: F811 - the imported fixture
    running = delivering
    alice, boris, contract_id = await _people(running, clock)
    await alice.command("/milestones")
    pick = await alice.wait_message(WAIT, predicate=_has(f"ms:b:{contract_id}"))
    await alice.press_data(pick, f"ms:b:{contract_id}", WAIT)
    board = await alice.wait_edit(pick, WAIT, predicate=_has("ms:v:"))
    milestone_id = int(_data(board, "ms:v:").split(":")[2])
    await _top_up(alice, "100", 100_00)
    card = await _card(alice, contract_id, milestone_id)
    await alice.press_data(card, f"ms:f:{milestone_id}", WAIT)
    await alice.wait_edit(card, WAIT, predicate=_has(f"ms:dsp:{milestone_id}"))

    card = await _card(boris, contract_id, milestone_id)
    await boris.press_data(card, f"ms:chg:{milestone_id}", WAIT)
    menu = await boris.wait_message(WAIT, predicate=_has("msx:cf:a"))
    await boris.press_data(menu, "msx:cf:a", WAIT)
    await boris.wait_message(WAIT, predicate=lambda m: "USD" in (m.text or ""))
    await boris.send("120")
    menu = await boris.wait_message(WAIT, predicate=_has("msx:cs"))
    await boris.press_data(menu, "msx:cs", WAIT)
    await boris.wait_message(WAIT, predicate=_starts(RU("The client is asked to approve the "
                                                        "change:")))

    told = await _notified(alice, "asks to change the milestone “First draft”")
    await _press(alice, told, "ms:v:")
    card = await alice.wait_edit(told, WAIT, predicate=_has(f"ms:ac:{milestone_id}"))
    assert "Amount: $120.00" in (card.text or "")
    await _press(alice, card, "ms:ac:")
    await _pay_invoice(alice, 20_00)  # the wallet is empty: exactly the difference
    await alice.wait_message(WAIT, predicate=_starts("✏️ The change of “First draft” is "
                                                     "approved; the escrow now holds $120.00."))

    card = await _card(boris, contract_id, milestone_id)
    await _submit(boris, card, milestone_id, "Черновик готов")
    card = await _card(alice, contract_id, milestone_id)
    await alice.press_data(card, f"ms:dsp:{milestone_id}", WAIT)
    prompt = await alice.wait_message(WAIT, predicate=_has("msw:ds"))
    await alice.send("Only half of the drawings are there")
    await alice.send_photo(b"\xff\xd8 a screenshot", caption="the folder")
    await alice.wait_message(WAIT, predicate=_starts("1 file received."))
    await alice.press_data(prompt, "msw:ds", WAIT)
    await alice.wait_message(WAIT, predicate=_starts("The dispute about “First draft” is with "
                                                     "support now."))
    await _notified(boris, "Only half of the drawings are there")

    sam = running.server.user(SUPPORT_ID, "Sam")
    await sam.command(f"/resolve {milestone_id} partial 50 Half of the drawings were delivered")
    decided = await sam.wait_message(WAIT, predicate=lambda m: f"№{milestone_id}" in (
        m.text or ""))
    assert decided.text == UK(
        "Milestone #{id} resolved: {released} released to the freelancer, {refunded} refunded "
        "to the client. Both sides are told.", id=milestone_id,
        released=format_money(usd("50.00"), "uk"), refunded=format_money(usd("70.00"), "uk"))
    await _notified(alice, "Half of the drawings were delivered")
    await _notified(boris, "Half of the drawings were delivered")
    money = await balances(running.app.db, milestone_id, alice.id, boris.id)
    assert (money["wallet"], money["escrow"], money["pending"]) == (
        usd("70.00"), usd("0"), usd("45.00"))  # FEE-01: 50.00 less the 10% fee
