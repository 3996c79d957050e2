"""Relayed messages (MSG-01..03): threads between two users and the messages in them.

Users never see each other's Telegram accounts: the bot passes each message on. A
:class:`Thread` joins exactly two users (one thread per pair, whoever wrote first) and only
those two may read or post in it; anyone else is told it does not exist (:class:`NotFound`),
so a forged thread or message id reveals nothing.

A :class:`Message` is text, a document or a photo (passed on by Telegram file id, with an
optional caption). Before the two users have a contract, contact details and payment handles
are masked in what the recipient gets and the message is flagged to support (MSG-03, PAY-06):
``text`` keeps what the sender wrote (the sender and support see it), ``delivered`` is what the
recipient sees. Decided: the message is still delivered, masked, so a conversation is not
silently broken, and the sender is warned why paying outside the platform is not allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from core.circumvention import mask, scan
from core.errors import N_, InvalidInput, NotFound

__all__ = [
    "MESSAGE_MAX",
    "Message",
    "MessageKind",
    "Relation",
    "Thread",
    "validate_text",
]

MESSAGE_MAX = 3500  # leaves room for the header in Telegram's 4096 characters
THREAD_NOT_FOUND = N_("This conversation does not exist or is not yours.")


class MessageKind(StrEnum):
    """What was relayed."""

    TEXT = "text"
    DOCUMENT = "document"
    PHOTO = "photo"


@dataclass(slots=True)
class Thread:
    """A conversation between two users; ``user_a`` < ``user_b`` so a pair has one thread."""

    user_a: int
    user_b: int
    created_at: datetime
    last_message_at: datetime | None = None
    id: int | None = None

    def __post_init__(self) -> None:
        if self.user_a == self.user_b:
            raise InvalidInput(N_("You cannot write to yourself."))
        if self.user_a > self.user_b:
            self.user_a, self.user_b = self.user_b, self.user_a

    def has(self, user_id: int) -> bool:
        """Whether ``user_id`` is one of the two participants."""
        return user_id in (self.user_a, self.user_b)

    def ensure_participant(self, user_id: int) -> None:
        """Refuse anyone but the two participants, without revealing the thread exists."""
        if not self.has(user_id):
            raise NotFound(THREAD_NOT_FOUND)

    def other(self, user_id: int) -> int:
        """The participant who is not ``user_id`` (who must be one)."""
        self.ensure_participant(user_id)
        return self.user_b if user_id == self.user_a else self.user_a


@dataclass(slots=True)
class Message:
    """One relayed message; ``delivered`` is the recipient's (possibly masked) text."""

    thread_id: int
    sender_id: int
    kind: MessageKind
    created_at: datetime
    text: str = ""
    delivered: str = ""
    file_id: str | None = None
    file_name: str | None = None
    flagged: bool = False
    id: int | None = None

    def text_for(self, reader_id: int) -> str:
        """What ``reader_id`` sees: the sender their own words, the recipient the masked ones."""
        return self.text if reader_id == self.sender_id else self.delivered

    def file_name_for(self, reader_id: int) -> str | None:
        """The document's name as ``reader_id`` sees it: the sender named it, so they read it
        as they did; the recipient of a flagged message (sent before a contract) reads its
        contact details masked, as in the text (MSG-03)."""
        if self.file_name is None or reader_id == self.sender_id or not self.flagged:
            return self.file_name
        return mask(self.file_name, scan(self.file_name))


@dataclass(frozen=True, slots=True)
class Relation:
    """What joins two users in the marketplace, as storage finds it."""

    application: bool = False  # one applied to a project of the other
    contract: bool = False  # an accepted (active or ended) contract joins them


def validate_text(value: str) -> str:
    """A message body: not empty, at most :data:`MESSAGE_MAX` characters."""
    text = value.strip()
    if not text:
        raise InvalidInput(N_("The message is empty. Type some text or send a file."))
    if len(text) > MESSAGE_MAX:
        raise InvalidInput(N_("The message is too long (at most {limit} characters)."),
                           limit=MESSAGE_MAX)
    return text
