"""Everything the sandbox returns parses into aiogram's and python-telegram-bot's types."""

from __future__ import annotations

import asyncio

import aiogram.types
import pytest
import telegram

from bot.sandbox import SandboxUser
from tests.fakes import present
from tests.sandbox.conftest import Api
from tests.sandbox.parsing import assert_message_parses, assert_parses, assert_update_parses
from tests.sandbox.test_messages import PNG

KEYBOARD = {
    "inline_keyboard": [
        [{"text": "Yes", "callback_data": "y"}, {"text": "Web", "url": "https://example.org"}]
    ]
}


@pytest.fixture
def alice(api: Api) -> SandboxUser:
    """A user with every optional field."""
    return api.server.user(
        1001, "Alice", language_code="en", username="alice", last_name="Liddell"
    )


async def _last_update(api: Api) -> dict:
    """The latest update, fetched over HTTP."""
    return (await api.ok("getUpdates"))[-1]


async def _last_message(api: Api) -> tuple[aiogram.types.Message, telegram.Message]:
    """The message of the latest update, parsed by both frameworks."""
    aiogram_update, ptb_update = assert_update_parses(await _last_update(api))
    return present(aiogram_update.message), present(ptb_update.message)


async def test_text_and_command_message_updates_parse(api: Api, alice: SandboxUser) -> None:
    await alice.send("plain words")
    aiogram_message, ptb_message = await _last_message(api)
    assert aiogram_message.text == ptb_message.text == "plain words"
    assert present(ptb_message.from_user).last_name == "Liddell"
    await alice.command("/start p12")
    aiogram_message, ptb_message = await _last_message(api)
    assert present(aiogram_message.entities)[0].type == "bot_command"
    assert ptb_message.parse_entities([telegram.MessageEntity.BOT_COMMAND]) == {
        ptb_message.entities[0]: "/start"
    }


async def test_document_and_photo_message_updates_parse(api: Api, alice: SandboxUser) -> None:
    await alice.upload_document(b"%PDF", "cv.pdf", mime="application/pdf", caption="my cv")
    aiogram_message, ptb_message = await _last_message(api)
    assert present(aiogram_message.document).file_name == "cv.pdf"
    assert ptb_message.caption == "my cv"
    await alice.send_photo(PNG)
    aiogram_message, ptb_message = await _last_message(api)
    assert present(aiogram_message.photo)[-1].width == ptb_message.photo[-1].width == 3


async def test_other_content_message_updates_parse(api: Api, alice: SandboxUser) -> None:
    sticker = {
        "file_id": "st1",
        "file_unique_id": "st1u",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    await alice.send_other(sticker=sticker)
    aiogram_message, ptb_message = await _last_message(api)
    assert present(aiogram_message.sticker).file_id == "st1"
    assert present(ptb_message.sticker).file_id == "st1"


async def test_callback_query_updates_parse(api: Api, alice: SandboxUser) -> None:
    await api.ok("sendMessage", chat_id=alice.id, text="ask", reply_markup=KEYBOARD)
    message = await alice.wait_message()
    press = asyncio.create_task(alice.press(message, "Yes"))
    update = (await api.ok("getUpdates", timeout=5))[-1]
    aiogram_update, ptb_update = assert_update_parses(update)
    aiogram_query = present(aiogram_update.callback_query)
    ptb_query = present(ptb_update.callback_query)
    assert aiogram_query.data == ptb_query.data == "y"
    assert present(ptb_query.message).message_id == message.message_id
    await api.ok("answerCallbackQuery", callback_query_id=update["callback_query"]["id"])
    await press


async def test_pre_checkout_and_successful_payment_updates_parse(
    api: Api, alice: SandboxUser
) -> None:
    await api.ok(
        "sendInvoice",
        chat_id=alice.id,
        title="Deposit",
        description="Milestone",
        payload="hold:1",
        currency="XTR",
        prices=[{"label": "Deposit", "amount": 250}],
    )
    invoice = await alice.wait_message()
    payment = asyncio.create_task(alice.pay(invoice))
    query = (await api.ok("getUpdates", timeout=5))[-1]
    aiogram_update, ptb_update = assert_update_parses(query)
    assert present(aiogram_update.pre_checkout_query).invoice_payload == "hold:1"
    assert present(ptb_update.pre_checkout_query).total_amount == 250
    query_id = query["pre_checkout_query"]["id"]
    await api.ok("answerPreCheckoutQuery", pre_checkout_query_id=query_id, ok=True)
    result = await payment
    paid = await api.ok("getUpdates", offset=query["update_id"] + 1)
    aiogram_update, ptb_update = assert_update_parses(paid[-1])
    aiogram_paid = present(present(aiogram_update.message).successful_payment)
    assert aiogram_paid.telegram_payment_charge_id == result.charge_id
    assert present(present(ptb_update.message).successful_payment).invoice_payload == "hold:1"


async def test_every_kind_of_bot_message_parses(api: Api, alice: SandboxUser) -> None:
    text = await api.ok(
        "sendMessage", chat_id=alice.id, text="<b>Hi</b>", parse_mode="HTML", reply_markup=KEYBOARD
    )
    edited = await api.ok(
        "editMessageText", chat_id=alice.id, message_id=text["message_id"], text="Bye"
    )
    rekeyed = await api.ok(
        "editMessageReplyMarkup",
        chat_id=alice.id,
        message_id=text["message_id"],
        reply_markup=KEYBOARD,
    )
    upload = await api.ok(
        "sendDocument",
        chat_id=alice.id,
        document=alice.world.store_file(b"x", "document", "a.txt", None).file_id,
        caption="doc",
    )
    photo_id = alice.world.store_file(PNG, "photo", None, "image/png").file_id
    photo = await api.ok("sendPhoto", chat_id=alice.id, photo=photo_id, caption="pic")
    invoice = await api.ok(
        "sendInvoice",
        chat_id=alice.id,
        title="T",
        description="D",
        payload="p",
        currency="USD",
        prices=[{"label": "L", "amount": 100}],
    )
    for raw in (text, edited, rekeyed, upload, photo, invoice):
        aiogram_message, ptb_message = assert_message_parses(raw)
        assert present(aiogram_message.from_user).is_bot and present(ptb_message.from_user).is_bot
    assert assert_message_parses(edited)[1].edit_date is not None


async def test_bot_user_file_webhook_info_and_commands_parse(api: Api, alice: SandboxUser) -> None:
    assert_parses(await api.ok("getMe"), aiogram.types.User, telegram.User)
    stored = alice.world.store_file(b"abc", "document", "a.txt", None)
    aiogram_file, ptb_file = assert_parses(
        await api.ok("getFile", file_id=stored.file_id), aiogram.types.File, telegram.File
    )
    assert aiogram_file.file_path == ptb_file.file_path == stored.file_path
    assert_parses(await api.ok("getWebhookInfo"), aiogram.types.WebhookInfo, telegram.WebhookInfo)
    await api.ok("setWebhook", url="https://example.org/h")
    assert_parses(await api.ok("getWebhookInfo"), aiogram.types.WebhookInfo, telegram.WebhookInfo)
    await api.ok("deleteWebhook")
    await api.ok("setMyCommands", commands=[{"command": "start", "description": "Start"}])
    [command] = await api.ok("getMyCommands")
    assert_parses(command, aiogram.types.BotCommand, telegram.BotCommand)
