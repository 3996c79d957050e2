"""Sending, editing and answering, with the Bot API's limits and error descriptions."""

from __future__ import annotations

import aiohttp
import pytest

from tests.sandbox.conftest import Api

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x03\x00\x00\x00\x02\x08\x02\x00\x00\x00"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def chat(api: Api) -> int:
    """Alice's chat id."""
    return api.server.user(1001, "Alice").id


async def _bad(api: Api, method: str, **params: object) -> str:
    """Call a method that must fail with 400; return the description."""
    status, body = await api.json(method, **params)
    assert status == 400, body
    assert body["ok"] is False and body["error_code"] == 400
    return body["description"]


async def test_send_message_returns_a_bot_message_in_the_private_chat(api: Api, chat: int) -> None:
    message = await api.ok("sendMessage", chat_id=chat, text="hello")
    assert message["from"]["is_bot"] is True
    assert message["chat"] == {"id": chat, "type": "private", "first_name": "Alice"}
    assert message["text"] == "hello"
    assert isinstance(message["date"], int)


async def test_empty_text_is_refused(api: Api, chat: int) -> None:
    assert await _bad(api, "sendMessage", chat_id=chat, text="") == (
        "Bad Request: message text is empty"
    )
    assert await _bad(api, "sendMessage", chat_id=chat, text="  ") == (
        "Bad Request: message text is empty"
    )


async def test_text_of_4096_characters_passes_and_4097_is_too_long(api: Api, chat: int) -> None:
    assert (await api.ok("sendMessage", chat_id=chat, text="я" * 4096))["text"] == "я" * 4096
    assert await _bad(api, "sendMessage", chat_id=chat, text="я" * 4097) == (
        "Bad Request: message is too long"
    )


async def test_callback_data_of_64_bytes_passes_and_65_is_button_data_invalid(
    api: Api, chat: int
) -> None:
    def markup(data: str) -> dict[str, object]:
        return {"inline_keyboard": [[{"text": "B", "callback_data": data}]]}

    await api.ok("sendMessage", chat_id=chat, text="ok", reply_markup=markup("é" * 32))
    for data in ("é" * 32 + "x", ""):
        description = await _bad(
            api, "sendMessage", chat_id=chat, text="no", reply_markup=markup(data)
        )
        assert description == "Bad Request: BUTTON_DATA_INVALID"


async def test_a_button_without_an_action_is_refused(api: Api, chat: int) -> None:
    markup = {"inline_keyboard": [[{"text": "just text"}]]}
    assert await _bad(api, "sendMessage", chat_id=chat, text="x", reply_markup=markup) == (
        "Bad Request: text buttons are unallowed in the inline keyboard"
    )


async def test_an_unknown_chat_is_chat_not_found(api: Api, chat: int) -> None:
    assert await _bad(api, "sendMessage", chat_id=999, text="x") == "Bad Request: chat not found"


async def test_html_parse_mode_becomes_text_and_utf16_entities(api: Api, chat: int) -> None:
    message = await api.ok(
        "sendMessage",
        chat_id=chat,
        text='😀 <b>bold</b> &amp; <a href="https://example.org">link</a>',
        parse_mode="HTML",
    )
    assert message["text"] == "😀 bold & link"
    assert message["entities"] == [
        {"type": "bold", "offset": 3, "length": 4},
        {"type": "text_link", "offset": 10, "length": 4, "url": "https://example.org"},
    ]


async def test_broken_html_is_a_parse_error(api: Api, chat: int) -> None:
    description = await _bad(api, "sendMessage", chat_id=chat, text="<b>x", parse_mode="HTML")
    assert description.startswith("Bad Request: can't parse entities")


async def test_edit_message_text_applies_and_drops_the_keyboard(api: Api, chat: int) -> None:
    markup = {"inline_keyboard": [[{"text": "B", "callback_data": "b"}]]}
    sent = await api.ok("sendMessage", chat_id=chat, text="v1", reply_markup=markup)
    edited = await api.ok(
        "editMessageText", chat_id=chat, message_id=sent["message_id"], text="v2"
    )
    assert edited["text"] == "v2" and "reply_markup" not in edited
    assert isinstance(edited["edit_date"], int)
    [record] = api.server.user(1001, "Alice").messages
    assert record.text == "v2" and record.edited and record.buttons == []


async def test_an_identical_edit_is_not_modified(api: Api, chat: int) -> None:
    sent = await api.ok("sendMessage", chat_id=chat, text="same")
    description = await _bad(
        api, "editMessageText", chat_id=chat, message_id=sent["message_id"], text="same"
    )
    assert description.startswith("Bad Request: message is not modified")


async def test_editing_a_missing_or_foreign_message_is_refused(api: Api, chat: int) -> None:
    sent = await api.server.user(1001, "Alice").send("mine")
    assert await _bad(api, "editMessageText", chat_id=chat, message_id=77, text="x") == (
        "Bad Request: message to edit not found"
    )
    assert await _bad(
        api, "editMessageText", chat_id=chat, message_id=sent["message_id"], text="x"
    ) == ("Bad Request: message can't be edited")


async def test_edit_message_reply_markup_replaces_the_keyboard(api: Api, chat: int) -> None:
    sent = await api.ok("sendMessage", chat_id=chat, text="pick")
    markup = {"inline_keyboard": [[{"text": "Site", "url": "https://example.org"}]]}
    edited = await api.ok(
        "editMessageReplyMarkup", chat_id=chat, message_id=sent["message_id"], reply_markup=markup
    )
    assert edited["reply_markup"] == markup
    assert api.server.user(1001, "Alice").messages[0].buttons == [
        [("Site", "https://example.org")]
    ]


async def test_send_document_then_get_file_then_download_round_trips(api: Api, chat: int) -> None:
    form = aiohttp.FormData()
    form.add_field("chat_id", str(chat))
    form.add_field("caption", "<i>your file</i>")
    form.add_field("parse_mode", "HTML")
    form.add_field("document", b"\x00binary\xff", filename="data.bin")
    async with api.session.post(api.url("sendDocument"), data=form) as response:
        message = (await response.json())["result"]
    assert message["caption"] == "your file"
    assert message["caption_entities"] == [{"type": "italic", "offset": 0, "length": 9}]
    file = await api.ok("getFile", file_id=message["document"]["file_id"])
    url = f"{api.server.url}/file/bot{api.server.token}/{file['file_path']}"
    async with api.session.get(url) as response:
        assert await response.read() == b"\x00binary\xff"
    again = await api.ok("sendDocument", chat_id=chat, document=message["document"]["file_id"])
    assert again["document"]["file_unique_id"] == message["document"]["file_unique_id"]


async def test_downloads_need_the_token_and_a_known_path(api: Api, chat: int) -> None:
    async with api.session.get(f"{api.server.url}/file/bot1:x/documents/file_1") as response:
        assert response.status == 401
    async with api.session.get(f"{api.server.url}/file/bot{api.server.token}/no") as response:
        assert response.status == 404


async def test_send_document_without_a_document_or_with_a_bad_id_is_refused(
    api: Api, chat: int
) -> None:
    assert await _bad(api, "sendDocument", chat_id=chat) == (
        "Bad Request: there is no document in the request"
    )
    assert await _bad(api, "sendDocument", chat_id=chat, document="nope") == (
        "Bad Request: wrong file identifier/HTTP URL specified"
    )
    assert await _bad(api, "getFile", file_id="nope") == "Bad Request: invalid file_id"


async def test_send_photo_reads_the_image_size_and_refuses_non_images(api: Api, chat: int) -> None:
    form = aiohttp.FormData()
    form.add_field("chat_id", str(chat))
    form.add_field("photo", PNG, filename="p.png", content_type="image/png")
    async with api.session.post(api.url("sendPhoto"), data=form) as response:
        [size] = (await response.json())["result"]["photo"]
    assert (size["width"], size["height"]) == (3, 2)
    form = aiohttp.FormData()
    form.add_field("chat_id", str(chat))
    form.add_field("photo", b"not an image", filename="p.png")
    async with api.session.post(api.url("sendPhoto"), data=form) as response:
        assert (await response.json())["description"] == "Bad Request: IMAGE_PROCESS_FAILED"
    resent = await api.ok("sendPhoto", chat_id=chat, photo=size["file_id"])
    assert resent["photo"][0]["file_id"] == size["file_id"]


async def test_send_invoice_sums_the_prices_and_keeps_the_payload_private(
    api: Api, chat: int
) -> None:
    message = await api.ok(
        "sendInvoice",
        chat_id=chat,
        title="Deposit",
        description="Milestone 1",
        payload="hold:42",
        currency="EUR",
        prices=[{"label": "Work", "amount": 1500}, {"label": "Fee", "amount": 75}],
    )
    assert message["invoice"] == {
        "title": "Deposit",
        "description": "Milestone 1",
        "start_parameter": "",
        "currency": "EUR",
        "total_amount": 1575,
    }
    record = api.server.user(1001, "Alice").messages[-1]
    assert record.invoice is not None and record.invoice["payload"] == "hold:42"


async def test_send_invoice_refuses_bad_currency_and_prices(api: Api, chat: int) -> None:
    base = {"chat_id": chat, "title": "T", "description": "D", "payload": "p"}
    assert await _bad(api, "sendInvoice", **base, currency="euro", prices=[]) == (
        "Bad Request: CURRENCY_INVALID"
    )
    assert await _bad(api, "sendInvoice", **base, currency="EUR", prices="[") == (
        "Bad Request: can't parse prices JSON object"
    )


async def test_unknown_or_repeated_query_answers_are_refused(api: Api, chat: int) -> None:
    gone = "Bad Request: query is too old and response timeout expired or query ID is invalid"
    assert await _bad(api, "answerCallbackQuery", callback_query_id="123") == gone
    assert await _bad(api, "answerPreCheckoutQuery", pre_checkout_query_id="1", ok=True) == gone
