"""Both adapters turn their framework's real update objects into the same Incoming."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot.runtimes.convert import OTHER_BOT, parse_command
from handlers.contract import (
    Callback,
    Command,
    FileUpload,
    Incoming,
    Payment,
    PreCheckout,
    Text,
    TgUser,
    Unsupported,
)
from tests.fakes import present
from tests.runtimes.conftest import ALICE, PRIVATE, message

Convert = Callable[[dict[str, Any]], Incoming | None]


def test_a_command_keeps_its_arguments_and_loses_the_bot_mention(convert: Convert) -> None:
    incoming = convert(message(text="/Start@market_bot  p12 extra",
                               entities=[{"type": "bot_command", "offset": 0, "length": 16}]))
    assert incoming == Incoming(
        update_id=77,
        user=TgUser(1001, "Alice", "Liddell", "alice", "en-GB"),
        chat_id=1001,
        event=Command("start", "p12 extra"),
    )


def test_a_command_for_another_bot_is_ignored(convert: Convert) -> None:
    assert convert(message(text="/start@other_bot")) is None


def test_plain_text_and_a_lone_slash_are_text(convert: Convert) -> None:
    assert present(convert(message(text="hello /start"))).event == Text("hello /start")
    assert present(convert(message(text="/ what"))).event == Text("/ what")


def test_a_button_press_carries_its_data_and_the_pressed_message(convert: Convert) -> None:
    raw = {"update_id": 78, "callback_query": {
        "id": "4000", "from": ALICE, "chat_instance": "9", "data": "lang:set:ru",
        "message": {"message_id": 12, "date": 1_750_000_000, "chat": PRIVATE,
                    "from": {"id": 123456, "is_bot": True, "first_name": "Bot"},
                    "text": "Pick a language"}}}
    incoming = present(convert(raw))
    assert incoming.chat_id == 1001
    assert incoming.event == Callback(id="4000", data="lang:set:ru", message_id=12)


def test_a_document_becomes_a_file_upload(convert: Convert) -> None:
    incoming = present(convert(message(caption="my cv", document={
        "file_id": "DOC1", "file_unique_id": "u1", "file_name": "cv.pdf",
        "mime_type": "application/pdf", "file_size": 2048})))
    assert incoming.event == FileUpload(kind="document", file_id="DOC1", file_unique_id="u1",
                                        file_name="cv.pdf", file_size=2048,
                                        mime_type="application/pdf", caption="my cv")


def test_a_photo_becomes_its_largest_size(convert: Convert) -> None:
    sizes = [{"file_id": f"P{w}", "file_unique_id": f"p{w}", "width": w, "height": w,
              "file_size": w * 10} for w in (90, 1280, 320)]
    event = present(convert(message(photo=sizes))).event
    assert isinstance(event, FileUpload)
    assert (event.kind, event.file_id, event.file_size) == ("photo", "P1280", 12800)


def test_a_pre_checkout_query_is_answered_in_the_payers_chat(convert: Convert) -> None:
    raw = {"update_id": 79, "pre_checkout_query": {
        "id": "5000", "from": ALICE, "currency": "USD", "total_amount": 12_50,
        "invoice_payload": "topup:7"}}
    incoming = present(convert(raw))
    assert incoming.chat_id == 1001
    assert incoming.event == PreCheckout(id="5000", currency="USD", total_amount=1250,
                                         payload="topup:7")


def test_a_successful_payment_keeps_amount_in_minor_units(convert: Convert) -> None:
    incoming = present(convert(message(successful_payment={
        "currency": "USD", "total_amount": 1250, "invoice_payload": "topup:7",
        "telegram_payment_charge_id": "tg1", "provider_payment_charge_id": "pr1"})))
    assert incoming.event == Payment(currency="USD", total_amount=1250, payload="topup:7",
                                     telegram_payment_charge_id="tg1",
                                     provider_payment_charge_id="pr1")


@pytest.mark.parametrize(("content", "kind"), [
    ({"sticker": {"file_id": "S", "file_unique_id": "s", "type": "regular", "width": 512,
                  "height": 512, "is_animated": False, "is_video": False}}, "sticker"),
    ({"voice": {"file_id": "V", "file_unique_id": "v", "duration": 3}}, "voice"),
    ({"location": {"latitude": 50.45, "longitude": 30.52}}, "location"),
    ({"animation": {"file_id": "A", "file_unique_id": "a", "width": 1, "height": 1,
                    "duration": 1},
      "document": {"file_id": "A", "file_unique_id": "a"}}, "animation"),
])
def test_other_messages_are_unsupported_with_their_kind(convert: Convert,
                                                       content: dict[str, Any],
                                                       kind: str) -> None:
    assert present(convert(message(**content))).event == Unsupported(kind)


def test_group_chats_and_other_update_types_are_ignored(convert: Convert) -> None:
    group = message(text="/start")
    group["message"]["chat"] = {"id": -100, "type": "group", "title": "Team"}
    edited = {"update_id": 80, "edited_message": message(text="x")["message"]}
    assert convert(group) is None
    assert convert(edited) is None


@pytest.mark.parametrize(("text", "expected"), [
    ("/help", Command("help")),
    ("/HELP@Market_Bot", Command("help")),
    ("/start\nline two", Command("start", "line two")),
    ("/start@other_bot", OTHER_BOT),
    ("help", None),
    ("/привет", None),
])
def test_parse_command(text: str, expected: object) -> None:
    assert parse_command(text, "market_bot") == expected
