"""The id of a stored entity, typed ``int``.

Entities are built before they are stored, so their ``id`` is ``int | None``; the repository
that stores one returns it with the id set. :func:`require_id` says so to the type checker and
fails loudly on an entity that was never stored.
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["Identified", "require_id"]


class Identified(Protocol):
    """Anything with an optional integer ``id`` (projects, contracts, milestones, ...)."""

    @property
    def id(self) -> int | None: ...


def require_id(entity: Identified) -> int:
    """The id of ``entity``, which must have been stored.

    Raises:
        ValueError: ``entity`` has no id yet.
    """
    if entity.id is None:
        raise ValueError(f"this {type(entity).__name__} has no id: it was never stored")
    return entity.id
