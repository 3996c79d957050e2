"""A tiny bot that long-polls the sandbox over HTTP, for tests of the user API and the chat."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp

__all__ = ["EchoBot"]

BUTTONS = {
    "inline_keyboard": [
        [{"text": "Again", "callback_data": "again"}, {"text": "Site", "url": "https://x.org"}]
    ]
}
KEEP = {"inline_keyboard": [[{"text": "Keep", "callback_data": "keep"}]]}


class EchoBot:
    """Echoes text with two buttons, edits on a press, sells on /invoice, thanks for payments;
    /keep sends a message whose button edits it and keeps the button."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base = f"{base_url}/bot{token}"
        self.task: asyncio.Task[None] | None = None
        self.session: aiohttp.ClientSession | None = None
        self.presses = 0

    async def __aenter__(self) -> EchoBot:
        self.session = aiohttp.ClientSession()
        self.task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self.task is not None and self.session is not None
        self.task.cancel()
        try:
            await self.task
        except asyncio.CancelledError:
            pass
        await self.session.close()

    async def call(self, method: str, **params: Any) -> Any:
        """Call a Bot API method with a JSON body."""
        assert self.session is not None
        async with self.session.post(f"{self.base}/{method}", json=params) as response:
            body = await response.json()
        assert body["ok"], body
        return body["result"]

    async def _run(self) -> None:
        """Long-poll and handle updates one by one."""
        offset = 0
        while True:
            for update in await self.call("getUpdates", offset=offset, timeout=30):
                offset = update["update_id"] + 1
                await self.handle(update)

    async def handle(self, update: dict[str, Any]) -> None:
        """React to one update."""
        if "callback_query" in update:
            query = update["callback_query"]
            message = query["message"]
            keep = query["data"] == "keep"  # an edit that keeps its button
            self.presses += 1
            await self.call(
                "editMessageText",
                chat_id=message["chat"]["id"],
                message_id=message["message_id"],
                text=(f"pressed keep on #{message['message_id']} ({self.presses})" if keep
                      else f"pressed {query['data']}"),
                **({"reply_markup": KEEP} if keep else {}),
            )
            await self.call("answerCallbackQuery", callback_query_id=query["id"], text="done")
        elif "pre_checkout_query" in update:
            query = update["pre_checkout_query"]
            refuse = query["invoice_payload"] == "refuse"
            await self.call(
                "answerPreCheckoutQuery",
                pre_checkout_query_id=query["id"],
                ok=not refuse,
                **({"error_message": "Not today"} if refuse else {}),
            )
        elif "message" in update:
            await self.on_message(update["message"])

    async def on_message(self, message: dict[str, Any]) -> None:
        """Answer a message."""
        chat_id = message["chat"]["id"]
        text = message.get("text", "")
        if "successful_payment" in message:
            await self.call("sendMessage", chat_id=chat_id, text="paid, thanks")
        elif "document" in message:
            name = message["document"].get("file_name")
            await self.call("sendMessage", chat_id=chat_id, text=f"got file {name}")
        elif text.startswith("/invoice"):
            payload = text.partition(" ")[2] or "order:1"
            await self.call(
                "sendInvoice",
                chat_id=chat_id,
                title="Deposit",
                description="A milestone deposit",
                payload=payload,
                currency="XTR",
                prices=json.dumps([{"label": "Deposit", "amount": 500}]),
            )
        elif text == "/keep":
            await self.call("sendMessage", chat_id=chat_id, text="keep me", reply_markup=KEEP)
        elif text:
            name = message["from"]["first_name"]
            await self.call(
                "sendMessage", chat_id=chat_id, text=f"{name}: {text}", reply_markup=BUTTONS
            )
