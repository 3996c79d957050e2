"""MS-10 through the real dispatcher: ending a fixed-price contract with money in escrow.

Issue 10's case: milestones 2 and 3 funded ($650 in escrow, 2 in progress), alice ends the
contract as "Completed". She is first shown both milestones and what happens to each; funded
work not started comes back to her wallet; bob still finds the contract in ``/milestones``,
submits the work in progress, and alice accepts it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.clock import FixedClock
from core.milestones import Action, MilestoneState
from core.services import milestone_plan as plan
from core.services import milestones as ms
from handlers.context import HandlerSettings
from storage import Database
from tests.conversation.harness import BotHarness, ChatUser
from tests.conversation.relay_kit import deliver
from tests.milestones_kit import act_as, balances, fixed_contract, fund_wallet, usd

S = MilestoneState


@pytest.fixture
def bot(conversation_db: Database, clock: FixedClock) -> BotHarness:
    return BotHarness(conversation_db, clock, HandlerSettings(currency="USD"))


async def _people(bot: BotHarness, clock: FixedClock) -> tuple[ChatUser, ChatUser, int,
                                                                list[int]]:
    """Alice and Bob (ru) with milestones 2 ($300, in progress) and 3 ($350, funded)."""
    alice = bot.user(1001, "Alice", "Smith", language_code="en")
    bob = bot.user(1002, "Bob", "Ivanov", language_code="ru")
    await alice.sign_up("client", "Alice", "Smith", "alice@example.com")
    await bob.sign_up("expert", "Bob", "Ivanov", "bob@example.com", language="ru")
    contract = await fixed_contract(bot.database, clock.now(), client=alice.id, expert=bob.id)
    assert contract.id is not None
    ids = []
    for amount, title in (("300.00", "Assembly drawings"), ("350.00", "Part drawings")):
        made = await act_as(bot.database, bob.id, plan.create, contract.id, plan.Terms(
            title, "", usd(amount), clock.now().date() + timedelta(days=30)), clock.now())
        await act_as(bot.database, alice.id, ms.act, made.milestone.id, Action.APPROVE,
                     clock.now())
        await fund_wallet(bot.database, alice.id, usd(amount), clock.now())
        await act_as(bot.database, alice.id, ms.fund, made.milestone.id, clock.now())
        ids.append(int(made.milestone.id))
    await act_as(bot.database, bob.id, ms.act, ids[0], Action.START, clock.now())
    return alice, bob, contract.id, ids


async def _state(bot: BotHarness, milestone_id: int) -> MilestoneState:
    async with bot.database.uow() as uow:
        milestone = await uow.milestones.get(milestone_id)
    assert milestone is not None
    return milestone.state


async def test_ms_10_ending_shows_the_escrow_first_and_nothing_is_stranded(
        bot: BotHarness, clock: FixedClock) -> None:
    alice, bob, contract_id, (second, third) = await _people(bot, clock)
    await alice.command("/contracts")
    await alice.press_data(f"ct:v:{contract_id}")
    await alice.press("End the contract")
    await alice.press("Completed: the work was accepted")
    screen = alice.last_text
    assert "Before the contract ends: its milestones still hold $650.00." in screen
    assert ("• “Part drawings”, $350.00: funded, work not started. It goes back to the "
            "client's wallet when the contract ends.") in screen
    assert "• “Assembly drawings”, $300.00: in progress. It stays open after the end" in screen
    assert await _state(bot, third) is S.FUNDED  # nothing happened yet
    await alice.press("End the contract")
    assert alice.answer is not None and alice.answer.text == "The contract has ended."
    assert (await _state(bot, second), await _state(bot, third)) == (S.IN_PROGRESS,
                                                                     S.REFUNDED)
    assert (await balances(bot.database, third, alice.id, bob.id))["wallet"] == usd("350.00")
    await deliver(bot)
    # bob still sees the contract in /milestones and delivers the work in progress
    await bob.command("/milestones")
    assert any(data == f"ms:b:{contract_id}" for _label, data in bob.messages[-1].buttons())
    await bob.press_data(f"ms:b:{contract_id}")
    assert "Контракт завершён. Этапы, на которых ещё есть деньги" in bob.last_text
    await bob.press_data(f"ms:v:{second}")
    assert f"ms:sub:{second}" in [data for _label, data in bob.messages[-1].buttons()]
    await bob.press_data(f"ms:sub:{second}")
    await bob.say("All sheets attached")
    await bob.document("assembly.pdf")
    await bob.press_data("msw:ss")
    assert await _state(bot, second) is S.SUBMITTED
    await alice.command("/milestones")
    await alice.press_data(f"ms:b:{contract_id}")
    await alice.press_data(f"ms:v:{second}")
    await alice.press("Accept and release $300.00")
    await alice.press("Accept and release $300.00")
    assert await _state(bot, second) is S.RELEASED
    await alice.command("/milestones")  # nothing is left to settle: the list is empty
    assert "no active fixed-price contracts" in alice.last_text


async def test_ms_10_a_confirmation_shown_before_the_money_moved_ends_nothing_unseen(
        bot: BotHarness, clock: FixedClock) -> None:
    alice, bob, contract_id, (second, _third) = await _people(bot, clock)
    await alice.forge(f"ct:er:{contract_id}:c")
    confirm = alice.data_of("End the contract")
    await act_as(bot.database, bob.id, ms.submit, second, "Done", (), clock.now())
    await alice.press_data(confirm)
    assert alice.answer is not None and alice.answer.alert
    assert "changed since this was shown" in (alice.answer.text or "")
    assert "submitted, waiting for the client's review" in alice.last_text
    async with bot.database.uow() as uow:
        contract = await uow.market.contracts.get(contract_id)
    assert contract is not None and contract.ended_at is None
    await alice.press("End the contract")
    async with bot.database.uow() as uow:
        contract = await uow.market.contracts.get(contract_id)
    assert contract is not None and contract.ended_at is not None


async def test_ms_10_a_contract_without_escrow_ends_at_once_as_before(
        bot: BotHarness, clock: FixedClock) -> None:
    alice = bot.user(1001, "Alice", "Smith", language_code="en")
    bob = bot.user(1002, "Bob", "Ivanov", language_code="ru")
    await alice.sign_up("client", "Alice", "Smith", "alice@example.com")
    await bob.sign_up("expert", "Bob", "Ivanov", "bob@example.com", language="ru")
    contract = await fixed_contract(bot.database, clock.now(), client=alice.id, expert=bob.id)
    await alice.forge(f"ct:er:{contract.id}:c")
    assert alice.answer is not None and alice.answer.text == "The contract has ended."
