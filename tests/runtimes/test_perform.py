"""Actions become the right Bot API calls with each framework's own types and exceptions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot.runtimes import aiogram_runtime, ptb_runtime
from bot.runtimes.common import Failure, RetryPolicy
from bot.runtimes.perform import Performer, Toolkit
from handlers.contract import (
    AnswerCallback,
    AnswerPreCheckout,
    Button,
    Callback,
    Command,
    Edit,
    Incoming,
    Send,
    SendDocument,
    SendInvoice,
    SendPhoto,
    TgUser,
    keyboard,
)

ALICE = TgUser(1001, "Alice")
PRESS = Incoming(9, ALICE, 1001, Callback(id="cb1", data="lang:set:ru", message_id=33))
COMMAND = Incoming(10, ALICE, 1001, Command("start"))


def _aiogram_errors() -> dict[str, BaseException]:
    from aiogram.exceptions import (
        TelegramBadRequest,
        TelegramForbiddenError,
        TelegramNetworkError,
        TelegramRetryAfter,
        TelegramServerError,
        TelegramUnauthorizedError,
    )
    from aiogram.methods import SendMessage

    method = SendMessage(chat_id=1, text="x")
    return {
        "flood": TelegramRetryAfter(method, "Too Many Requests: retry after 7", 7),
        "network": TelegramNetworkError(method, "connection reset"),
        "server": TelegramServerError(method, "Bad Gateway"),
        "not_modified": TelegramBadRequest(
            method, "Bad Request: message is not modified: specified new message content"),
        "bad_request": TelegramBadRequest(method, "Bad Request: chat not found"),
        "blocked": TelegramForbiddenError(method, "Forbidden: bot was blocked by the user"),
        "unauthorized": TelegramUnauthorizedError(method, "Unauthorized"),
    }


def _ptb_errors() -> dict[str, BaseException]:
    from telegram.error import (
        BadRequest,
        Forbidden,
        InvalidToken,
        NetworkError,
        RetryAfter,
        TimedOut,
    )

    return {
        "flood": RetryAfter(7),
        "network": NetworkError("httpx.ConnectError: connection reset"),
        "server": TimedOut(),
        "not_modified": BadRequest("Message is not modified: specified new message content"),
        "bad_request": BadRequest("Chat not found"),
        "blocked": Forbidden("Forbidden: bot was blocked by the user"),
        "unauthorized": InvalidToken(),
    }


EXPECTED = {
    "flood": Failure("flood", 7.0),
    "network": Failure("transient"),
    "server": Failure("transient"),
    "not_modified": Failure("not_modified"),
    "bad_request": Failure("fatal"),
    "blocked": Failure("fatal"),
    "unauthorized": Failure("unauthorized"),
}
FRAMEWORKS: dict[str, tuple[Callable[[], Toolkit], Callable[[], dict[str, BaseException]]]] = {
    "aiogram": (aiogram_runtime.AiogramToolkit, _aiogram_errors),
    "ptb": (ptb_runtime.PtbToolkit, _ptb_errors),
}


@pytest.fixture(params=sorted(FRAMEWORKS))
def framework(request: pytest.FixtureRequest) -> str:
    return request.param


def test_each_frameworks_errors_are_classified_alike(framework: str) -> None:
    toolkit, errors = FRAMEWORKS[framework]
    got = {name: toolkit().classify(exc) for name, exc in errors().items()}
    assert got == EXPECTED


class RecordingBot:
    """Records Bot API calls; the first ``fail_first`` calls raise the given error."""

    def __init__(self, fail_first: list[BaseException] | None = None) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.fail_first = list(fail_first or [])

    def __getattr__(self, method: str) -> Any:
        async def call(**kwargs: Any) -> bool:
            self.calls.append((method, kwargs))
            if self.fail_first:
                raise self.fail_first.pop(0)
            return True
        return call


def performer(framework: str, bot: RecordingBot, sleeps: list[float]) -> Performer:
    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    toolkit: Toolkit = FRAMEWORKS[framework][0]()
    return Performer(bot, toolkit, RetryPolicy(sleep=sleep))


async def test_a_reply_with_buttons_uses_the_frameworks_keyboard(framework: str) -> None:
    bot, sleeps = RecordingBot(), list[float]()
    buttons = keyboard([Button("English", data="lang:set:en")],
                       [Button("Site", url="https://example.org")])
    await performer(framework, bot, sleeps).perform(COMMAND, Send("Hi", buttons))
    [(method, kwargs)] = bot.calls
    assert method == "send_message" and kwargs["chat_id"] == 1001 and kwargs["text"] == "Hi"
    markup = kwargs["reply_markup"]
    assert type(markup).__module__.split(".")[0] == ("aiogram" if framework == "aiogram"
                                                     else "telegram")
    rows = [[(b.text, b.callback_data, b.url) for b in row] for row in markup.inline_keyboard]
    assert rows == [[("English", "lang:set:en", None)], [("Site", None, "https://example.org")]]


async def test_an_edit_targets_the_pressed_message_and_answers_the_press(framework: str) -> None:
    bot, sleeps = RecordingBot(), list[float]()
    await performer(framework, bot, sleeps).perform_all(
        PRESS, [AnswerCallback("Saved", alert=True), Edit("Language: ru")])
    assert bot.calls == [
        ("answer_callback_query", {"callback_query_id": "cb1", "text": "Saved",
                                   "show_alert": True}),
        ("edit_message_text", {"text": "Language: ru", "chat_id": 1001, "message_id": 33,
                               "reply_markup": None}),
    ]


async def test_an_edit_without_a_message_is_sent_as_a_new_message(framework: str) -> None:
    bot, sleeps = RecordingBot(), list[float]()
    await performer(framework, bot, sleeps).perform(COMMAND, Edit("Done"))
    assert [m for m, _ in bot.calls] == ["send_message"]


async def test_a_429_is_waited_out_and_the_message_still_goes(framework: str) -> None:
    flood = FRAMEWORKS[framework][1]()["flood"]
    bot, sleeps = RecordingBot([flood]), list[float]()
    await performer(framework, bot, sleeps).perform(COMMAND, Send("Hi"))
    assert sleeps == [7.0] and len(bot.calls) == 2


async def test_a_refused_action_does_not_stop_the_next_ones(framework: str) -> None:
    errors = FRAMEWORKS[framework][1]()
    bot, sleeps = RecordingBot([errors["not_modified"], errors["blocked"]]), list[float]()
    await performer(framework, bot, sleeps).perform_all(
        PRESS, [Edit("same"), Send("one"), Send("two")])
    assert [m for m, _ in bot.calls] == ["edit_message_text", "send_message", "send_message"]
    assert sleeps == []


async def test_files_invoices_and_checkout_answers(framework: str) -> None:
    bot, sleeps = RecordingBot(), list[float]()
    perform = performer(framework, bot, sleeps).perform
    await perform(COMMAND, SendDocument(content=b"%PDF-1.4", file_name="invoice.pdf",
                                        caption="Invoice"))
    await perform(COMMAND, SendDocument(file_id="DOC1"))
    await perform(COMMAND, SendPhoto(file_id="PH1", caption="Look"))
    await perform(COMMAND, SendInvoice(title="Top-up", description="Wallet", payload="tu:1",
                                       currency="USD", amount=1250, label="Top-up",
                                       provider_token="prov"))
    await perform(COMMAND, AnswerPreCheckout("q1", ok=False, error="Expired"))
    (_, upload), (_, by_id), (_, photo), (_, invoice), (_, checkout) = bot.calls
    uploaded = upload["document"]
    assert getattr(uploaded, "filename", None) == "invoice.pdf"
    assert by_id["document"] == "DOC1" and photo["photo"] == "PH1"
    [price] = invoice["prices"]
    assert (price.label, price.amount, invoice["provider_token"]) == ("Top-up", 1250, "prov")
    assert checkout == {"pre_checkout_query_id": "q1", "ok": False, "error_message": "Expired"}
