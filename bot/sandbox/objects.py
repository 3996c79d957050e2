"""Bot API objects the sandbox builds: users, chats, keyboards, and the messages it keeps.

Dicts are shaped exactly as the real server returns them (absent optional fields are omitted,
never ``null``) so that aiogram's and python-telegram-bot's own types parse them.
:class:`SandboxMessage` is the sandbox's live record of a message the bot sent: edits update it
in place, so a test holding one always sees the current text and buttons.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.params import ApiError

__all__ = ["Person", "SandboxMessage", "chat_object", "parse_reply_markup", "user_object"]

CALLBACK_DATA_MAX_BYTES = 64
_BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


@dataclass(frozen=True, slots=True)
class Person:
    """A Telegram user the sandbox plays."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None


def _compact(data: dict[str, Any]) -> dict[str, Any]:
    """Drop ``None`` values, as the real server omits absent fields."""
    return {key: value for key, value in data.items() if value is not None}


def user_object(person: Person) -> dict[str, Any]:
    """The ``User`` object of a person."""
    return _compact(
        {
            "id": person.id,
            "is_bot": False,
            "first_name": person.first_name,
            "last_name": person.last_name,
            "username": person.username,
            "language_code": person.language_code,
        }
    )


def chat_object(person: Person) -> dict[str, Any]:
    """The private ``Chat`` between the bot and a person."""
    return _compact(
        {
            "id": person.id,
            "type": "private",
            "first_name": person.first_name,
            "last_name": person.last_name,
            "username": person.username,
        }
    )


def _check_button(button: Any) -> dict[str, Any]:
    """Validate one inline button like the real server."""
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise ApiError.bad_request("can't parse inline keyboard button: Text must be a String")
    actions = [name for name in _BUTTON_ACTIONS if name in button]
    if not actions:
        raise ApiError.bad_request("text buttons are unallowed in the inline keyboard")
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= CALLBACK_DATA_MAX_BYTES:
            raise ApiError.bad_request("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not url.startswith(("http://", "https://", "tg://")):
            raise ApiError.bad_request("BUTTON_URL_INVALID")
    if not button["text"].strip():
        raise ApiError.bad_request("BUTTON_TEXT_INVALID")
    return button


def parse_reply_markup(markup: Any) -> dict[str, Any] | None:
    """Validate ``reply_markup``; return the inline keyboard a Message carries, if any."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise ApiError.bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        if not any(k in markup for k in ("keyboard", "remove_keyboard", "force_reply")):
            raise ApiError.bad_request("can't parse reply keyboard markup JSON object")
        return None
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ApiError.bad_request("can't parse inline keyboard markup JSON object")
    return {"inline_keyboard": [[_check_button(b) for b in row] for row in rows if row]}


@dataclass(eq=False)
class SandboxMessage:
    """A message the bot sent to a chat, with later edits applied."""

    message_id: int
    chat_id: int
    raw: dict[str, Any]
    payload: str | None = None
    version: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def text(self) -> str | None:
        """The text, or the caption of a document or photo."""
        return self.raw.get("text", self.raw.get("caption"))

    @property
    def buttons(self) -> list[list[tuple[str, str]]]:
        """Rows of ``(label, callback_data or url)``."""
        rows = (self.raw.get("reply_markup") or {}).get("inline_keyboard", [])
        return [[(b["text"], b.get("callback_data", b.get("url", ""))) for b in r] for r in rows]

    @property
    def flat_buttons(self) -> list[dict[str, Any]]:
        """All inline buttons in reading order."""
        rows = (self.raw.get("reply_markup") or {}).get("inline_keyboard", [])
        return [button for row in rows for button in row]

    @property
    def document(self) -> dict[str, Any] | None:
        """The ``Document`` object, if this is a document."""
        return self.raw.get("document")

    @property
    def photo(self) -> list[dict[str, Any]] | None:
        """The ``PhotoSize`` list, if this is a photo."""
        return self.raw.get("photo")

    @property
    def invoice(self) -> dict[str, Any] | None:
        """The ``Invoice`` object plus the sandbox-only ``payload``, if this is an invoice."""
        invoice = self.raw.get("invoice")
        return None if invoice is None else {**invoice, "payload": self.payload}

    @property
    def edited(self) -> bool:
        """Whether the bot edited this message since sending it."""
        return self.version > 0

    def button(self, which: str | int) -> dict[str, Any]:
        """Find a button by its exact label or its 0-based index in reading order."""
        buttons = self.flat_buttons
        if isinstance(which, int):
            if 0 <= which < len(buttons):
                return buttons[which]
        else:
            for button in buttons:
                if button["text"] == which:
                    return button
        labels = ", ".join(repr(b["text"]) for b in buttons) or "none"
        raise LookupError(f"no button {which!r} on message {self.message_id}; buttons: {labels}")

    def describe(self) -> str:
        """One readable line for dumps: text and buttons."""
        kind = next((k for k in ("document", "photo", "invoice") if k in self.raw), None)
        parts = [f"#{self.message_id}"]
        if kind:
            parts.append(f"[{kind}]")
        if self.text is not None:
            parts.append(repr(self.text))
        if self.buttons:
            parts.append(str([[label for label, _ in row] for row in self.buttons]))
        return " ".join(parts)
