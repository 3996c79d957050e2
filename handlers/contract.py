"""The handler contract: the seam between Telegram frameworks and the marketplace.

An adapter (``bot/runtimes``) turns a framework's update into one frozen :class:`Incoming`
value and performs the :data:`Action` values a handler returns. Nothing here knows aiogram,
python-telegram-bot or a database, so the same handlers run under both frameworks and in
conversation tests without any network.

Incoming carries exactly one event: a :class:`Command`, :class:`Text`, :class:`Callback`,
:class:`FileUpload` (document or photo), :class:`PreCheckout`, :class:`Payment` or
:class:`Unsupported` (a sticker, a voice note, anything else).

Outgoing actions: :class:`Send`, :class:`Edit`, :class:`AnswerCallback`,
:class:`SendDocument`, :class:`SendPhoto`, :class:`SendInvoice`,
:class:`AnswerPreCheckout`, :class:`SetMenu` (one chat's command menu).
``chat_id=None`` means "the chat this update came from";
``Edit.message_id=None`` means "the message whose button was pressed".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "Action",
    "AnswerCallback",
    "AnswerPreCheckout",
    "Button",
    "Callback",
    "Command",
    "Edit",
    "Event",
    "FileUpload",
    "Incoming",
    "Keyboard",
    "Payment",
    "PreCheckout",
    "Send",
    "SendDocument",
    "SendInvoice",
    "SendPhoto",
    "SetMenu",
    "Text",
    "TgUser",
    "Unsupported",
    "keyboard",
]

CALLBACK_DATA_MAX_BYTES = 64
TEXT_MAX_CHARS = 4096


@dataclass(frozen=True, slots=True)
class TgUser:
    """The Telegram user behind an update, as Telegram reports it."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None


@dataclass(frozen=True, slots=True)
class Command:
    """``/name args``; ``name`` is lower-case without the slash or ``@botname``."""

    name: str
    args: str = ""


@dataclass(frozen=True, slots=True)
class Text:
    """Plain text that is not a command."""

    text: str


@dataclass(frozen=True, slots=True)
class Callback:
    """An inline button press. ``data`` is untrusted: clients can forge it."""

    id: str
    data: str
    message_id: int | None = None


@dataclass(frozen=True, slots=True)
class FileUpload:
    """A document or a photo (the largest size) the user sent."""

    kind: Literal["document", "photo"]
    file_id: str
    file_unique_id: str = ""
    file_name: str | None = None
    file_size: int | None = None
    mime_type: str | None = None
    caption: str | None = None


@dataclass(frozen=True, slots=True)
class PreCheckout:
    """A pre_checkout_query: Telegram asks whether the bot accepts this payment."""

    id: str
    currency: str
    total_amount: int
    payload: str


@dataclass(frozen=True, slots=True)
class Payment:
    """A successful_payment service message."""

    currency: str
    total_amount: int
    payload: str
    telegram_payment_charge_id: str
    provider_payment_charge_id: str = ""


@dataclass(frozen=True, slots=True)
class Unsupported:
    """Anything the marketplace does not handle (stickers, voice, locations...)."""

    kind: str = "other"


Event = Command | Text | Callback | FileUpload | PreCheckout | Payment | Unsupported


@dataclass(frozen=True, slots=True)
class Incoming:
    """One update, framework-neutral."""

    update_id: int
    user: TgUser
    chat_id: int
    event: Event


@dataclass(frozen=True, slots=True)
class Button:
    """An inline keyboard button: exactly one of ``data`` (callback) or ``url``."""

    label: str
    data: str | None = None
    url: str | None = None

    def __post_init__(self) -> None:
        if (self.data is None) == (self.url is None):
            raise ValueError("a button has exactly one of data or url")
        if self.data is not None and not 1 <= len(self.data.encode()) <= CALLBACK_DATA_MAX_BYTES:
            raise ValueError(f"callback data must be 1-64 bytes: {self.data!r}")


Keyboard = tuple[tuple[Button, ...], ...]


def keyboard(*rows: list[Button] | tuple[Button, ...]) -> Keyboard:
    """Build a keyboard from rows, dropping empty ones."""
    return tuple(tuple(row) for row in rows if row)


@dataclass(frozen=True, slots=True)
class Send:
    """Send a text message."""

    text: str
    keyboard: Keyboard | None = None
    chat_id: int | None = None


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace the text (and keyboard) of a message the bot sent."""

    text: str
    keyboard: Keyboard | None = None
    chat_id: int | None = None
    message_id: int | None = None


@dataclass(frozen=True, slots=True)
class AnswerCallback:
    """Answer the pressed button (always required; optionally with a toast or alert)."""

    text: str | None = None
    alert: bool = False


@dataclass(frozen=True, slots=True)
class SendDocument:
    """Send a document by Telegram file id, or by content with a file name."""

    file_id: str | None = None
    content: bytes | None = None
    file_name: str | None = None
    caption: str | None = None
    keyboard: Keyboard | None = None
    chat_id: int | None = None


@dataclass(frozen=True, slots=True)
class SendPhoto:
    """Send a photo by Telegram file id."""

    file_id: str
    caption: str | None = None
    keyboard: Keyboard | None = None
    chat_id: int | None = None


@dataclass(frozen=True, slots=True)
class SendInvoice:
    """Send a Telegram Payments invoice; ``amount`` is in minor units."""

    title: str
    description: str
    payload: str
    currency: str
    amount: int
    label: str
    provider_token: str = ""
    chat_id: int | None = None


@dataclass(frozen=True, slots=True)
class AnswerPreCheckout:
    """Accept or refuse a pre-checkout query (``error`` is shown to the payer)."""

    query_id: str
    ok: bool
    error: str | None = None


@dataclass(frozen=True, slots=True)
class SetMenu:
    """Set one private chat's command menu (``setMyCommands`` with a chat scope).

    ``commands`` are (name without the slash, description already translated) pairs, the
    whole menu of that chat in every client language (no ``language_code``).
    """

    commands: tuple[tuple[str, str], ...]
    chat_id: int | None = None


Action = (Send | Edit | AnswerCallback | SendDocument | SendPhoto | SendInvoice
          | AnswerPreCheckout | SetMenu)
