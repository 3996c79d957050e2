"""Test users: act in the sandbox as Telegram users and read what the bot sent them.

A :class:`SandboxUser` sends text and commands, uploads documents and photos, presses inline
buttons and pays invoices; each action becomes the update the real Telegram would deliver.
Waiting is event-driven (``wait_message``, ``wait_edit``, ``wait_for``, and ``press``/``pay``
waiting for the bot's answer), and a timeout raises ``TimeoutError`` with a dump of the chat.
Buttons are found by exact label or by 0-based index in reading order.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.sandbox.formatting import command_entities
from bot.sandbox.media import document_object, photo_sizes
from bot.sandbox.objects import Person, SandboxMessage, user_object
from bot.sandbox.world import ChatState, World

__all__ = ["CallbackAnswer", "PaymentResult", "SandboxUser"]


@dataclass(frozen=True, slots=True)
class CallbackAnswer:
    """What the bot answered to a button press (answerCallbackQuery)."""

    text: str | None
    show_alert: bool
    url: str | None


@dataclass(frozen=True, slots=True)
class PaymentResult:
    """The bot's answer to a pre-checkout query, and the payment if it went through."""

    ok: bool
    error: str | None
    charge_id: str | None = None
    message: dict[str, Any] | None = None


class SandboxUser:
    """One Telegram user in a private chat with the bot."""

    def __init__(self, world: World, person: Person) -> None:
        self.world = world
        self.person = person
        self.chat: ChatState = world.chats[person.id]

    @property
    def id(self) -> int:
        """The Telegram user id (also the private chat's id)."""
        return self.person.id

    @property
    def messages(self) -> list[SandboxMessage]:
        """Everything the bot sent to this chat, oldest first, with edits applied."""
        return list(self.chat.bot_messages)

    @property
    def last_message(self) -> SandboxMessage | None:
        """The bot's latest message to this chat."""
        return self.chat.bot_messages[-1] if self.chat.bot_messages else None

    def _from(self) -> dict[str, Any]:
        """This user's ``User`` object."""
        return user_object(self.person)

    def _post(self, note: str, **content: Any) -> dict[str, Any]:
        """Send a message from this user to the bot as a ``message`` update."""
        message = self.world.new_message(self.chat, self._from(), **content)
        self.chat.transcript.append(f"{self.person.first_name}: {note}")
        self.world.push_update({"message": message})
        return message

    async def send(self, text: str) -> dict[str, Any]:
        """Type ``text`` (``/commands`` in it get bot_command entities, as clients do)."""
        if not text.strip():
            raise ValueError("Telegram does not send empty messages")
        return self._post(repr(text), text=text, entities=command_entities(text) or None)

    async def command(self, text: str) -> dict[str, Any]:
        """Send a command such as ``/start p12``."""
        if not text.startswith("/"):
            raise ValueError(f"a command starts with '/': {text!r}")
        return await self.send(text)

    async def upload_document(
        self,
        data: bytes,
        file_name: str,
        mime: str = "application/octet-stream",
        caption: str | None = None,
    ) -> dict[str, Any]:
        """Send a document."""
        stored = self.world.store_file(data, "document", file_name, mime)
        return self._post(
            f"[document {file_name}]", document=document_object(stored), caption=caption
        )

    async def send_photo(self, data: bytes, caption: str | None = None) -> dict[str, Any]:
        """Send a photo."""
        stored = self.world.store_file(data, "photo", None, "image/jpeg")
        return self._post("[photo]", photo=photo_sizes(stored), caption=caption)

    async def send_other(self, **content: Any) -> dict[str, Any]:
        """Send any other message content, e.g. ``sticker={...}``."""
        return self._post(f"[{', '.join(content)}]", **content)

    def dump(self, last: int = 20) -> str:
        """The end of this chat's transcript and the state of the update queue."""
        lines = [f"chat with {self.person.first_name} ({self.id}):"]
        lines += [f"  {line}" for line in self.chat.transcript[-last:]] or ["  (empty)"]
        lines.append(f"  updates the bot has not confirmed yet: {len(self.world.pending)}")
        return "\n".join(lines)

    async def wait_for(
        self, condition: Callable[[], bool], timeout: float = 5.0, what: str = "a condition"
    ) -> None:
        """Wait until ``condition()`` holds, re-checking whenever the bot acts."""
        if not await self.world.changed.wait_for(condition, timeout):
            raise TimeoutError(f"waited {timeout}s for {what}; nothing came.\n{self.dump()}")

    async def wait_message(
        self,
        timeout: float = 5.0,
        predicate: Callable[[SandboxMessage], bool] | None = None,
    ) -> SandboxMessage:
        """The next bot message not returned before (matching ``predicate``, if given).

        Messages before the one returned count as consumed too.
        """
        found: list[SandboxMessage] = []

        def arrived() -> bool:
            for index in range(self.chat.consumed, len(self.chat.bot_messages)):
                message = self.chat.bot_messages[index]
                if predicate is None or predicate(message):
                    found.append(message)
                    self.chat.consumed = index + 1
                    return True
            return False

        what = "a bot message" + (" matching the predicate" if predicate else "")
        await self.wait_for(arrived, timeout, what)
        return found[0]

    async def wait_edit(
        self,
        message: SandboxMessage,
        timeout: float = 5.0,
        predicate: Callable[[SandboxMessage], bool] | None = None,
    ) -> SandboxMessage:
        """Wait until ``message`` is edited (to satisfy ``predicate``, if given)."""
        check = predicate or (lambda m: m.edited)
        await self.wait_for(lambda: check(message), timeout, f"an edit of #{message.message_id}")
        return message

    async def press(
        self, message: SandboxMessage, which: str | int, timeout: float = 5.0
    ) -> CallbackAnswer:
        """Press a button by label or 0-based index; return the bot's callback answer."""
        button = message.button(which)
        if "callback_data" not in button:
            raise ValueError(f"button {button['text']!r} is not a callback button")
        return await self.press_data(message, button["callback_data"], timeout)

    async def press_data(
        self, message: SandboxMessage, data: str, timeout: float = 5.0
    ) -> CallbackAnswer:
        """Send a callback query with any ``data``, e.g. a forged one."""
        query_id = str(4_000_000_000_000_000 + next(self.world.query_numbers))
        self.world.callback_answers[query_id] = None
        self.chat.transcript.append(f"{self.person.first_name} pressed {data!r}")
        self.world.push_update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": self._from(),
                    "message": dict(message.raw),
                    "chat_instance": str(self.id * 7919 + self.world.bot["id"]),
                    "data": data,
                }
            }
        )
        answers = self.world.callback_answers
        await self.wait_for(lambda: answers[query_id] is not None, timeout, "answerCallbackQuery")
        answer = answers[query_id]
        assert answer is not None
        return CallbackAnswer(answer["text"], answer["show_alert"], answer["url"])

    async def pay(self, invoice_message: SandboxMessage, timeout: float = 5.0) -> PaymentResult:
        """Pay an invoice: pre-checkout query, the bot's answer, then successful_payment."""
        invoice = invoice_message.invoice
        if invoice is None:
            raise ValueError(f"message #{invoice_message.message_id} is not an invoice")
        query_id = str(5_000_000_000_000_000 + next(self.world.query_numbers))
        self.world.checkout_answers[query_id] = None
        self.chat.transcript.append(f"{self.person.first_name} pays #{invoice_message.message_id}")
        self.world.push_update(
            {
                "pre_checkout_query": {
                    "id": query_id,
                    "from": self._from(),
                    "currency": invoice["currency"],
                    "total_amount": invoice["total_amount"],
                    "invoice_payload": invoice["payload"],
                }
            }
        )
        answers = self.world.checkout_answers
        await self.wait_for(
            lambda: answers[query_id] is not None, timeout, "answerPreCheckoutQuery"
        )
        answer = answers[query_id]
        assert answer is not None
        if not answer["ok"]:
            return PaymentResult(False, answer["error_message"])
        charge_id = f"sbx_{secrets.token_hex(10)}"
        payment = {
            "currency": invoice["currency"],
            "total_amount": invoice["total_amount"],
            "invoice_payload": invoice["payload"],
            "telegram_payment_charge_id": charge_id,
            "provider_payment_charge_id": f"sbx_provider_{secrets.token_hex(6)}",
        }
        message = self._post("[successful payment]", successful_payment=payment)
        return PaymentResult(True, None, charge_id, message)
