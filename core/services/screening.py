"""MSG-03 for stored texts, in one place: every service that stores or shows user-written text
calls :func:`flag_user_text` (when it stores) and :func:`readable` (when another user reads).

The fields are declared in :mod:`core.screening`. A text is flagged when its author writes
contact details or payment handles for readers no accepted contract joins them to (public
texts: projects, profiles, applications, offers; ``reader_id`` narrows it to one reader, as a
milestone's other party, which a contract always joins). It is masked for every reader but
its author and support, unless an accepted contract joins the reader and the author.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TypeVar
from weakref import WeakKeyDictionary

from core.accounts import User
from core.ports import UnitOfWork
from core.screening import AUTHOR, TextField, findings_of, masked
from core.support import ItemKind, QueueItem, is_staff

__all__ = ["EXCERPT_MAX", "flag_user_text", "flags_written", "readable", "readable_all",
           "readable_by"]

E = TypeVar("E")
EXCERPT_MAX = 1000
#: The flags each open unit of work wrote, so the handler layer can warn their author once
#: (MSG-03: "the sender is warned"), whichever service wrote them.
_WRITTEN: WeakKeyDictionary[UnitOfWork, list[QueueItem]] = WeakKeyDictionary()


def flags_written(uow: UnitOfWork) -> list[QueueItem]:
    """The MSG-03 flags :func:`flag_user_text` wrote in this unit of work."""
    return list(_WRITTEN.get(uow, ()))


async def flag_user_text(uow: UnitOfWork, author: User, entity: object, now: datetime, *,
                         only: Iterable[TextField] | None = None,
                         reader_id: int | None = None) -> list[QueueItem]:
    """Flag to support each declared text of ``entity`` with contact details (MSG-03).

    ``only`` limits it to the fields just changed; ``reader_id`` is the one reader (nothing is
    flagged when an accepted contract joins them). Returns the flags written.
    """
    if reader_id is not None and await _joined(uow, author.id, reader_id):
        return []
    wanted = frozenset(only) if only is not None else None
    flags = []
    for field, text, findings in findings_of(entity, wanted):
        kinds = ",".join(sorted({finding.kind.value for finding in findings}))
        flags.append(await uow.support.add_item(QueueItem(
            kind=ItemKind.FLAG, subject_id=author.id, reason=kinds, created_at=now,
            field=field.value, excerpt=text[:EXCERPT_MAX])))
    if flags:
        _WRITTEN.setdefault(uow, []).extend(flags)
    return flags


async def readable(uow: UnitOfWork, reader: User, entity: E) -> E:
    """``entity`` as ``reader`` may read it: masked unless they wrote it, are support, or an
    accepted contract joins them to its author."""
    author = AUTHOR[type(entity)](entity)
    if author is None or author == reader.id or is_staff(reader):
        return entity
    if await _joined(uow, reader.id, author):
        return entity
    return masked(entity)


async def _joined(uow: UnitOfWork, a: int, b: int) -> bool:
    """Whether two users may read each other's contact details: an accepted contract joins
    them, or they are a pair hired direct or brought as a client (PAY-06)."""
    return (await uow.relay.relation(a, b)).contract or await uow.payouts.pair_exempt(a, b)


async def readable_by(uow: UnitOfWork, reader_id: int, entity: E) -> E:
    """:func:`readable` for the user ``reader_id`` (a notification's recipient)."""
    reader = await uow.users.get(reader_id)
    return masked(entity) if reader is None else await readable(uow, reader, entity)


async def readable_all(uow: UnitOfWork, reader: User, entities: Sequence[E]) -> list[E]:
    """:func:`readable` for each of ``entities``."""
    return [await readable(uow, reader, entity) for entity in entities]
