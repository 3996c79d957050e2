"""Bot API methods that send, edit and answer: what the bot does in chats.

Each method takes the :class:`World` and the call's :class:`Params` and returns the
``result`` of a successful answer, or raises :class:`ApiError` with the real server's
description. Messages count against the flood limits when those are switched on.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from bot.sandbox.formatting import format_text
from bot.sandbox.media import document_object, photo_sizes, resolve_file
from bot.sandbox.objects import SandboxMessage, parse_reply_markup
from bot.sandbox.params import ApiError, Params
from bot.sandbox.world import ChatState, World

__all__ = ["MESSAGE_METHODS"]

TEXT_MAX = 4096
CAPTION_MAX = 1024
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
_QUERY_GONE = "query is too old and response timeout expired or query ID is invalid"


def _text(params: Params) -> tuple[str, list[dict[str, Any]]]:
    """The formatted ``text`` of a message, checked against the length limits."""
    raw = params.text("text")
    if raw is None or not raw.strip():
        raise ApiError.bad_request("message text is empty")
    text, entities = format_text(
        raw, params.text("parse_mode"), params.json_obj("entities", "entities")
    )
    if not text.strip():
        raise ApiError.bad_request("message text is empty")
    if len(text) > TEXT_MAX:
        raise ApiError.bad_request("message is too long")
    return text, entities


def _caption(params: Params) -> tuple[str | None, list[dict[str, Any]] | None]:
    """The formatted optional ``caption``."""
    raw = params.text("caption")
    if not raw:
        return None, None
    caption, entities = format_text(
        raw, params.text("parse_mode"), params.json_obj("caption_entities", "entities")
    )
    if len(caption) > CAPTION_MAX:
        raise ApiError.bad_request("message caption is too long")
    return caption, entities or None


def _markup(params: Params) -> dict[str, Any] | None:
    """The inline keyboard the message will carry."""
    return parse_reply_markup(params.json_obj("reply_markup", "reply keyboard markup"))


async def send_message(world: World, params: Params) -> dict[str, Any]:
    """sendMessage."""
    chat = world.chat_for(params)
    text, entities = _text(params)
    markup = _markup(params)
    world.limit(chat)
    return world.bot_message(chat, text=text, entities=entities or None, reply_markup=markup)


async def send_document(world: World, params: Params) -> dict[str, Any]:
    """sendDocument (a multipart upload or a known file_id)."""
    chat = world.chat_for(params)
    caption, entities = _caption(params)
    markup = _markup(params)
    stored = resolve_file(world, params, "document", "document")
    world.limit(chat)
    return world.bot_message(
        chat,
        document=document_object(stored),
        caption=caption,
        caption_entities=entities,
        reply_markup=markup,
    )


async def send_photo(world: World, params: Params) -> dict[str, Any]:
    """sendPhoto (a multipart upload or a known file_id)."""
    chat = world.chat_for(params)
    caption, entities = _caption(params)
    markup = _markup(params)
    stored = resolve_file(world, params, "photo", "photo")
    world.limit(chat)
    return world.bot_message(
        chat,
        photo=photo_sizes(stored),
        caption=caption,
        caption_entities=entities,
        reply_markup=markup,
    )


def _bot_message_to_edit(world: World, params: Params) -> tuple[ChatState, SandboxMessage]:
    """The bot's message an edit method names."""
    if params.text("inline_message_id"):
        raise ApiError.bad_request("MESSAGE_ID_INVALID")
    chat = world.chat_for(params)
    message_id = params.integer("message_id", required=True)
    assert message_id is not None
    if message_id not in chat.messages:
        raise ApiError.bad_request("message to edit not found")
    record = chat.by_id.get(message_id)
    if record is None:
        raise ApiError.bad_request("message can't be edited")
    return chat, record


def _apply_edit(world: World, chat: ChatState, record: SandboxMessage, **fields: Any) -> dict:
    """Replace fields of a message (``None`` removes one), or refuse a no-op edit."""
    new = dict(record.raw)
    for key, value in fields.items():
        if value is None:
            new.pop(key, None)
        else:
            new[key] = value
    if new == record.raw:
        raise ApiError.bad_request(_NOT_MODIFIED)
    new["edit_date"] = world.now()
    record.history.append(record.raw)
    record.raw = new
    record.version += 1
    chat.messages[record.message_id] = new
    chat.transcript.append(f"bot edited: {record.describe()}")
    world.changed.notify()
    return dict(new)


async def edit_message_text(world: World, params: Params) -> dict[str, Any]:
    """editMessageText (the keyboard goes unless reply_markup is sent again)."""
    chat, record = _bot_message_to_edit(world, params)
    text, entities = _text(params)
    markup = _markup(params)
    if "text" not in record.raw:
        raise ApiError.bad_request("there is no text in the message to edit")
    world.limit(chat)
    return _apply_edit(
        world, chat, record, text=text, entities=entities or None, reply_markup=markup
    )


async def edit_message_reply_markup(world: World, params: Params) -> dict[str, Any]:
    """editMessageReplyMarkup."""
    chat, record = _bot_message_to_edit(world, params)
    return _apply_edit(world, chat, record, reply_markup=_markup(params))


_CURRENCY = re.compile(r"^[A-Z]{3}$")


def _prices(params: Params) -> list[dict[str, Any]]:
    """The ``prices`` of an invoice: labelled integer amounts in minor units."""
    prices = params.json_obj("prices", "prices")
    if not isinstance(prices, list) or not prices:
        raise ApiError.bad_request("can't parse prices JSON object")
    for price in prices:
        if (
            not isinstance(price, dict)
            or not isinstance(price.get("label"), str)
            or not isinstance(price.get("amount"), int)
            or isinstance(price.get("amount"), bool)
        ):
            raise ApiError.bad_request("can't parse prices JSON object")
    return prices


async def send_invoice(world: World, params: Params) -> dict[str, Any]:
    """sendInvoice (any provider token is accepted: the sandbox is the payment gateway)."""
    chat = world.chat_for(params)
    title = params.text("title") or ""
    description = params.text("description") or ""
    payload = params.text("payload") or ""
    currency = params.text("currency") or ""
    if not 1 <= len(title) <= 32:
        raise ApiError.bad_request("INVOICE_TITLE_EMPTY" if not title else "TITLE_INVALID")
    if not 1 <= len(description) <= 255:
        raise ApiError.bad_request("DESCRIPTION_INVALID")
    if not 1 <= len(payload.encode()) <= 128:
        raise ApiError.bad_request("PAYLOAD_INVALID")
    if not _CURRENCY.match(currency):
        raise ApiError.bad_request("CURRENCY_INVALID")
    total = sum(price["amount"] for price in _prices(params))
    if total <= 0:
        raise ApiError.bad_request("CURRENCY_TOTAL_AMOUNT_INVALID")
    markup = _markup(params)
    world.limit(chat)
    invoice = {
        "title": title,
        "description": description,
        "start_parameter": params.text("start_parameter") or "",
        "currency": currency,
        "total_amount": total,
    }
    return world.bot_message(chat, payload=payload, invoice=invoice, reply_markup=markup)


async def answer_callback_query(world: World, params: Params) -> bool:
    """answerCallbackQuery: each query is answered once."""
    query_id = params.text("callback_query_id") or ""
    if world.callback_answers.get(query_id, True) is not None:
        raise ApiError.bad_request(_QUERY_GONE)
    text = params.text("text")
    if text is not None and len(text) > 200:
        raise ApiError.bad_request("MESSAGE_TOO_LONG")
    world.callback_answers[query_id] = {
        "text": text,
        "show_alert": params.flag("show_alert"),
        "url": params.text("url"),
        "cache_time": params.integer("cache_time", default=0),
    }
    world.changed.notify()
    return True


async def answer_pre_checkout_query(world: World, params: Params) -> bool:
    """answerPreCheckoutQuery: ok, or a refusal with an error_message for the payer."""
    query_id = params.text("pre_checkout_query_id") or ""
    if world.checkout_answers.get(query_id, True) is not None:
        raise ApiError.bad_request(_QUERY_GONE)
    if not params.has("ok"):
        raise ApiError.bad_request('parameter "ok" is required')
    ok = params.flag("ok")
    error = params.text("error_message")
    if not ok and not error:
        raise ApiError.bad_request("ERROR_MESSAGE_EMPTY")
    world.checkout_answers[query_id] = {"ok": ok, "error_message": None if ok else error}
    world.changed.notify()
    return True


async def get_file(world: World, params: Params) -> dict[str, Any]:
    """getFile: the file_path to download the bytes from."""
    file_id = params.text("file_id")
    if not file_id:
        raise ApiError.bad_request("file_id is empty")
    stored = world.files.get(file_id)
    if stored is None:
        raise ApiError.bad_request("invalid file_id")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
        "file_path": stored.file_path,
    }


Method = Callable[[World, Params], Awaitable[Any]]

MESSAGE_METHODS: dict[str, Method] = {
    "sendmessage": send_message,
    "senddocument": send_document,
    "sendphoto": send_photo,
    "editmessagetext": edit_message_text,
    "editmessagereplymarkup": edit_message_reply_markup,
    "sendinvoice": send_invoice,
    "answercallbackquery": answer_callback_query,
    "answerprecheckoutquery": answer_pre_checkout_query,
    "getfile": get_file,
}
