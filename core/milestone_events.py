"""A milestone's history: every change, with who made it, their words and files.

Each state change and request writes one :class:`MilestoneEvent` in the unit of work that makes
the change. The history is what support reads when a dispute reaches the queue (MS-08: "both
sides' history"), and the latest submission's message and files are what the client reviews.
An event's id also keys its notifications, so a retried update never notifies twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from core.errors import N_, InvalidInput
from core.milestone_states import Action, Actor
from core.money import Money

__all__ = [
    "FILES_MAX",
    "NOTE_MAX",
    "Attachment",
    "MilestoneEvent",
    "MilestoneInvoice",
    "validate_files",
    "validate_note",
]

NOTE_MAX = 3000
FILES_MAX = 10


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with a submission or a dispute, kept by its Telegram file id."""

    kind: Literal["document", "photo"]
    file_id: str
    file_name: str | None = None


@dataclass(frozen=True, slots=True)
class MilestoneEvent:
    """One entry of a milestone's history; ``id`` is ``None`` until stored."""

    milestone_id: int
    action: Action
    actor: Actor
    at: datetime
    actor_id: int | None = None  # None for the system
    text: str = ""
    files: tuple[Attachment, ...] = ()
    amount: Money | None = None  # what moved or was asked (a change's new amount)
    id: int | None = None


@dataclass(frozen=True, slots=True)
class MilestoneInvoice:
    """A payment intent opened to fund a milestone (or a change's difference) when the
    client's wallet was short; paying it funds the milestone in the same unit of work."""

    intent_id: int
    milestone_id: int
    request_number: int | None = None  # None: the funding; n: the approval of change n


def validate_note(value: str, *, required: bool, limit: int = NOTE_MAX) -> str:
    """A message, comment or reason: trimmed, at most ``limit`` characters."""
    text = value.strip()
    if required and len(text) < 3:
        raise InvalidInput(N_("Please write a few words (at least 3 characters)."))
    if len(text) > limit:
        raise InvalidInput(N_("The text is too long (at most {limit} characters)."),
                           limit=limit)
    return text


def validate_files(files: tuple[Attachment, ...]) -> tuple[Attachment, ...]:
    """At most :data:`FILES_MAX` files per submission or dispute."""
    if len(files) > FILES_MAX:
        raise InvalidInput(N_("At most {limit} files, please."), limit=FILES_MAX)
    return files
