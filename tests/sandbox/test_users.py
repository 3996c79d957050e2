"""The Python user API: users send, wait, press and pay against a bot polling over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.sandbox import SandboxServer
from tests.sandbox.conftest import TOKEN
from tests.sandbox.fakebot import EchoBot


@pytest.fixture
async def bot(server: SandboxServer) -> AsyncIterator[EchoBot]:
    """The echo bot, polling the sandbox."""
    async with EchoBot(server.url, TOKEN) as echo:
        yield echo


async def test_a_user_message_gets_the_bots_reply(server: SandboxServer, bot: EchoBot) -> None:
    alice = server.user(1001, "Alice")
    await alice.send("hello")
    reply = await alice.wait_message()
    assert reply.text == "Alice: hello"
    assert reply.buttons == [[("Again", "again"), ("Site", "https://x.org")]]
    assert alice.messages == [reply] and alice.last_message is reply


async def test_users_chat_at_the_same_time_without_mixing(
    server: SandboxServer, bot: EchoBot
) -> None:
    alice = server.user(1001, "Alice")
    bob = server.user(1002, "Bob", language_code="ru")
    await alice.send("a")
    await bob.send("b")
    assert (await bob.wait_message()).text == "Bob: b"
    assert (await alice.wait_message()).text == "Alice: a"


async def test_wait_message_returns_each_message_once_and_skips_to_a_match(
    server: SandboxServer, bot: EchoBot
) -> None:
    alice = server.user(1001, "Alice")
    for text in ("one", "two", "three"):
        await alice.send(text)
    third = await alice.wait_message(predicate=lambda m: m.text == "Alice: three")
    assert third.text == "Alice: three"
    await alice.send("four")
    assert (await alice.wait_message()).text == "Alice: four"


async def test_wait_message_times_out_with_a_dump_of_the_chat(server: SandboxServer) -> None:
    alice = server.user(1001, "Alice")
    await alice.send("anyone there?")
    with pytest.raises(TimeoutError) as timeout:
        await alice.wait_message(timeout=0.05)
    dump = str(timeout.value)
    assert "Alice: 'anyone there?'" in dump
    assert "updates the bot has not confirmed yet: 1" in dump


async def test_press_by_label_or_index_returns_the_callback_answer_and_the_edit(
    server: SandboxServer, bot: EchoBot
) -> None:
    alice = server.user(1001, "Alice")
    await alice.send("hi")
    message = await alice.wait_message()
    answer = await alice.press(message, "Again")
    assert answer.text == "done" and answer.show_alert is False
    await alice.wait_edit(message)
    assert message.text == "pressed again" and message.buttons == []
    await alice.send("hi")
    second = await alice.wait_message()
    assert (await alice.press(second, 0)).text == "done"


async def test_pressing_a_missing_or_url_button_fails_clearly(
    server: SandboxServer, bot: EchoBot
) -> None:
    alice = server.user(1001, "Alice")
    await alice.send("hi")
    message = await alice.wait_message()
    with pytest.raises(LookupError, match="'Again', 'Site'"):
        await alice.press(message, "Nope")
    with pytest.raises(ValueError, match="not a callback button"):
        await alice.press(message, "Site")


async def test_a_forged_press_reaches_the_bot_with_its_data(
    server: SandboxServer, bot: EchoBot
) -> None:
    alice = server.user(1001, "Alice")
    await alice.send("hi")
    message = await alice.wait_message()
    await alice.press_data(message, "forged:99")
    await alice.wait_edit(message)
    assert message.text == "pressed forged:99"


async def test_upload_document_reaches_the_bot(server: SandboxServer, bot: EchoBot) -> None:
    alice = server.user(1001, "Alice")
    await alice.upload_document(b"%PDF-1.4", "cv.pdf", mime="application/pdf")
    assert (await alice.wait_message()).text == "got file cv.pdf"


async def test_paying_an_invoice_sends_a_unique_successful_payment(
    server: SandboxServer, bot: EchoBot
) -> None:
    alice = server.user(1001, "Alice")
    charges = []
    for _ in range(2):
        await alice.command("/invoice")
        invoice = await alice.wait_message()
        assert invoice.invoice is not None and invoice.invoice["payload"] == "order:1"
        result = await alice.pay(invoice)
        assert result.ok and result.error is None and result.message is not None
        assert (await alice.wait_message()).text == "paid, thanks"
        charges.append(result.charge_id)
    assert len(set(charges)) == 2


async def test_a_refused_pre_checkout_returns_the_error_and_no_payment(
    server: SandboxServer, bot: EchoBot
) -> None:
    alice = server.user(1001, "Alice")
    await alice.command("/invoice refuse")
    result = await alice.pay(await alice.wait_message())
    assert (result.ok, result.error, result.charge_id) == (False, "Not today", None)
    assert not any("successful_payment" in u.get("message", {}) for u in server.updates_log)


async def test_paying_something_that_is_not_an_invoice_is_refused(
    server: SandboxServer, bot: EchoBot
) -> None:
    alice = server.user(1001, "Alice")
    await alice.send("hi")
    with pytest.raises(ValueError, match="not an invoice"):
        await alice.pay(await alice.wait_message())


async def test_a_command_needs_a_slash_and_text_must_not_be_empty(server: SandboxServer) -> None:
    alice = server.user(1001, "Alice")
    with pytest.raises(ValueError):
        await alice.command("start")
    with pytest.raises(ValueError):
        await alice.send("   ")
    sent = await alice.send("see /help and /start@sandbox_bot")
    assert sent["entities"] == [
        {"type": "bot_command", "offset": 4, "length": 5},
        {"type": "bot_command", "offset": 14, "length": 18},
    ]


async def test_the_same_id_gives_the_same_user(server: SandboxServer) -> None:
    assert server.user(1001, "Alice") is server.user(1001, "Someone")
