"""PAY-02: support marks a contract managed-service (``/managed``), which makes the Interac
e-Transfer fee (CAD 10.00) apply to its freelancer's payouts; private projects waive it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.clock import FixedClock
from core.support import AuditAction
from storage.tables.market import contracts
from tests.conversation.conftest import ADMIN_ID
from tests.conversation.harness import BotHarness, ChatUser
from tests.conversation.relay_kit import audit_rows, contract_between
from tests.conversation.test_payouts_conversation import _canadian, said
from tests.payouts.kit import default_policy

__all__ = ["default_policy"]

pytestmark = pytest.mark.usefixtures("default_policy")


async def _cad_contract(bot: BotHarness, client_id: int, expert_id: int,
                       currency: str = "CAD", accepted: bool = True) -> int:
    """A CAD fixed-price contract between the two (a private project at first), active or
    only offered."""
    return await contract_between(bot, client_id, expert_id,
                                  "active" if accepted else "offered", currency)


async def _managed(bot: BotHarness, contract_id: int) -> bool:
    async with bot.database.uow() as uow:
        return bool((await uow.session.execute(select(contracts.c.managed_service).where(
            contracts.c.id == contract_id))).scalar_one())


async def _people(bot: BotHarness, clock: FixedClock) -> tuple[ChatUser, ChatUser, ChatUser, int]:
    """Alice (client), Bob (a Canadian freelancer, CAD 500 available), Sam (admin), a contract."""
    bob = await _canadian(bot, clock)
    alice = bot.user(1001, "Alice", "Smith", language_code="en")
    await alice.sign_up("client", "Alice", "Smith", "alice@example.com")
    sam = bot.user(ADMIN_ID, "Sam", "Support", language_code="en")
    await sam.sign_up("both", "Sam", "Support", "sam@example.com")
    return alice, bob, sam, await _cad_contract(bot, alice.id, bob.id)


async def test_pay_02_interac_fee_is_waived_when_the_freelancers_contracts_are_private(
        bot: BotHarness, clock: FixedClock) -> None:
    _alice, bob, _sam, contract = await _people(bot, clock)
    assert not await _managed(bot, contract)
    await bob.command("/payout 200")
    await bob.press("Interac e-Transfer b***@example.ca")
    assert "Fee: CA$0.00" in bob.reply and "You receive: CA$200.00" in bob.reply, said(bob)
    assert "fee is waived: your CAD contracts are private projects" in bob.reply


async def test_pay_02_an_offer_or_a_usd_contract_marked_managed_does_not_cost_the_interac_fee(
        bot: BotHarness, clock: FixedClock) -> None:
    alice, bob, sam, _private = await _people(bot, clock)
    offered = await _cad_contract(bot, alice.id, bob.id, accepted=False)
    in_usd = await _cad_contract(bot, alice.id, bob.id, currency="USD")
    for contract in (offered, in_usd):
        await sam.command(f"/managed {contract} on")
        assert await _managed(bot, contract)
    await bob.command("/payout 200")
    await bob.press("Interac e-Transfer b***@example.ca")
    assert "Fee: CA$0.00" in bob.reply and "fee is waived" in bob.reply, said(bob)


async def test_pay_02_a_managed_service_contract_makes_interac_cost_cad_10_in_the_quote(
        bot: BotHarness, clock: FixedClock) -> None:
    _alice, bob, sam, contract = await _people(bot, clock)
    await sam.command(f"/managed {contract} on")
    assert f"Contract #{contract} is now a managed-service contract" in sam.reply
    assert await _managed(bot, contract)
    await bob.command("/payout 200")
    await bob.press("Interac e-Transfer b***@example.ca")
    assert "Fee: CA$10.00" in bob.reply and "You receive: CA$190.00" in bob.reply, said(bob)
    assert "fee of CA$10.00 applies because you work on a managed-service" in bob.reply
    await bob.press("Confirm the payout")
    await bob.command("/payouts")
    assert "CA$10.00" in bob.reply, bob.reply
    await bob.command("/payout 50")  # PayPal (USD) never has the Interac fee
    await bob.press("PayPal b***@example.com")
    assert "Fee: $0.00" in bob.reply and "Interac" not in bob.reply.split("\n", 1)[1]
    await sam.command(f"/managed {contract} off")  # back to a private project: waived again
    assert f"Contract #{contract} is now a private project" in sam.reply
    await bob.command("/payout 100")
    await bob.press("Interac e-Transfer b***@example.ca")
    assert "Fee: CA$0.00" in bob.reply, said(bob)


async def test_pay_02_managed_is_audited_and_refused_for_non_staff(
        bot: BotHarness, clock: FixedClock) -> None:
    alice, bob, sam, contract = await _people(bot, clock)
    for user in (alice, bob):
        await user.command(f"/managed {contract} on")
        assert user.reply == "/managed is for support staff only.", user.reply
    assert not await _managed(bot, contract)
    await sam.command("/managed")
    assert "Usage: /managed <contract id> on|off" in sam.reply
    await sam.command("/managed 999 on")
    assert "There is no contract #999." in sam.reply
    await sam.command(f"/managed {contract} on")
    await sam.command(f"/managed {contract} on")
    assert "already marked so; nothing changed" in sam.reply
    await sam.command(f"/managed {contract} off")
    rows = [row for row in await audit_rows(bot) if row.action is AuditAction.MANAGED_SERVICE]
    assert [row.reason for row in rows] == [
        f"contract #{contract} marked private (client {alice.id}, freelancer {bob.id})",
        f"contract #{contract} marked managed-service (client {alice.id}, freelancer {bob.id})"]
    assert all(row.actor_id == sam.id and row.target_id == bob.id for row in rows)
    await sam.command("/audit")
    assert "managed-service contract" in sam.reply, sam.reply
