"""Top-ups end to end on aiogram and on python-telegram-bot: the sandbox plays Telegram Payments.

The sandbox server sends the invoice, the pre_checkout_query, the bot's answer and the
successful_payment over HTTP exactly as Telegram does, so this is the production code path.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.__main__ import SANDBOX_TOKEN
from bot.config import load_settings
from bot.runtimes.sandboxed import run_sandbox
from bot.sandbox import SandboxUser
from bot.sandbox.objects import SandboxMessage
from core.money import Money
from core.payments import AMOUNT_MISMATCH, NOT_YOUR_INVOICE
from core.services.ledger import wallet_account
from locales import translator
from tests.e2e.conftest import Running
from tests.e2e.test_sandbox_command import Terminal

pytestmark = pytest.mark.e2e
PROVIDER_TOKEN = "284685063:TEST:sandbox-provider"


@pytest.fixture(autouse=True)
def provider_token(monkeypatch: pytest.MonkeyPatch) -> None:
    """PAYMENT_PROVIDER_TOKEN as an operator sets it (read when the bot starts)."""
    monkeypatch.setenv("PAYMENT_PROVIDER_TOKEN", PROVIDER_TOKEN)


async def invoice_for(user: SandboxUser, command: str = "/topup 50") -> SandboxMessage:
    """Ask for a top-up; the invoice the bot sent."""
    await user.command(command)
    return await user.wait_message(predicate=lambda m: m.invoice is not None)


async def text_starting(user: SandboxUser, start: str) -> str:
    """The next bot message whose text starts with ``start``."""
    message = await user.wait_message(predicate=lambda m: (m.text or "").startswith(start))
    assert message.text is not None
    return message.text


async def wallet_balance(running: Running, user_id: int) -> Money:
    """The wallet balance as stored."""
    async with running.app.db.uow() as uow:
        return await uow.ledger.balance(wallet_account(user_id, "USD"))


def copy_of(invoice: SandboxMessage, payer: SandboxUser, **changes: Any) -> SandboxMessage:
    """The invoice as another client (or a tampered one) would present it to Telegram."""
    raw = {**invoice.raw, "invoice": {**invoice.raw["invoice"], **changes}}
    return replace(invoice, chat_id=payer.id, raw=raw, history=[])


async def test_topup_50_paid_in_the_sandbox_shows_50_in_wallet_once(running: Running) -> None:
    alice = running.server.user(1101, "Alice", language_code="en")
    invoice = await invoice_for(alice)
    assert invoice.invoice is not None
    assert (invoice.invoice["currency"], invoice.invoice["total_amount"],
            invoice.invoice["title"]) == ("USD", 5000, "Wallet top-up")
    result = await alice.pay(invoice)
    assert result.ok and result.error is None
    assert await text_starting(alice, "Payment received") == (
        "Payment received: $50.00 added to your wallet. Balance: $50.00.")
    await alice.command("/wallet")
    wallet = await text_starting(alice, "Your wallet")
    assert "Balance: $50.00" in wallet.splitlines()
    assert wallet.count("Top-up · +$50.00") == 1
    assert await wallet_balance(running, alice.id) == Money(5000, "USD")


async def test_a_duplicated_successful_payment_credits_once(running: Running) -> None:
    server = running.server
    alice = server.user(1101, "Alice", language_code="en")
    result = await alice.pay(await invoice_for(alice))
    assert result.ok and result.message is not None
    await text_starting(alice, "Payment received")
    original = next(u for u in reversed(server.updates_log)
                    if "successful_payment" in u.get("message", {}))
    server.inject(original)  # the same update delivered again
    server.inject({"message": {**original["message"], "message_id": 10_000}})  # a new update
    assert await text_starting(alice, "This payment was already added") == (
        "This payment was already added to your wallet. Balance: $50.00.")
    await alice.command("/wallet")
    wallet = await text_starting(alice, "Your wallet")
    assert "Balance: $50.00" in wallet.splitlines() and wallet.count("Top-up") == 1
    assert await wallet_balance(running, alice.id) == Money(5000, "USD")
    assert sum(1 for m in alice.messages if (m.text or "").startswith("Payment received")) == 1


async def test_a_checkout_of_another_users_invoice_is_refused(running: Running) -> None:
    alice = running.server.user(1101, "Alice", language_code="en")
    bob = running.server.user(1102, "Bob", language_code="ru")
    invoice = await invoice_for(alice)
    result = await bob.pay(copy_of(invoice, bob))
    assert (result.ok, result.error) == (False, translator("ru")(NOT_YOUR_INVOICE))
    assert await wallet_balance(running, bob.id) == await wallet_balance(running, alice.id) == (
        Money(0, "USD"))
    assert (await alice.pay(invoice)).ok  # still payable by its owner


async def test_a_checkout_whose_amount_differs_is_refused(running: Running) -> None:
    alice = running.server.user(1101, "Alice", language_code="en")
    invoice = await invoice_for(alice, "/topup 50")
    result = await alice.pay(copy_of(invoice, alice, total_amount=1))
    assert (result.ok, result.error) == (False, translator("en")(AMOUNT_MISMATCH))
    assert not any((m.text or "").startswith("Payment received") for m in alice.messages)
    assert await wallet_balance(running, alice.id) == Money(0, "USD")


async def test_a_person_pays_an_invoice_in_the_sandbox_chat(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PAYMENT_PROVIDER_TOKEN")  # the sandbox needs none
    url = f"sqlite+aiosqlite:///{tmp_path / 'sandbox.db'}"
    terminal = Terminal([
        (None, "/topup 50"),
        ("[invoice] Wallet top-up", ":pay"),
        ("Payment received: $50.00 added to your wallet. Balance: $50.00.", "/wallet"),
        ("Balance: $50.00", ":quit"),
    ])
    base = load_settings(_env_file=None, bot_token=SANDBOX_TOKEN, database_url=url,
                         bot_runtime="ptb", admin_ids="")
    await asyncio.wait_for(run_sandbox(base, rate_limits=False, input_fn=terminal.input,
                                       output_fn=terminal.output), 60)
    assert terminal.script == []
    assert any(line.startswith("paid #") for line in terminal.printed)
