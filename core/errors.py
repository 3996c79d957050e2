"""Named domain errors. Each carries a translatable message id and its parameters.

Messages are marked with :func:`N_` so ``pybabel extract`` finds them; the handler layer
translates them into the reader's language (``ctx.t(err.message, **err.params)``).
"""

from __future__ import annotations

from typing import Any

__all__ = ["DomainError", "Forbidden", "NotFound", "InvalidInput", "Conflict", "N_"]


def N_(message: str) -> str:  # the gettext convention
    """Mark a string for extraction without translating it here."""
    return message


class DomainError(Exception):
    """A rule of the marketplace refused an action; the user is told why."""

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


class NotFound(DomainError):
    """The object does not exist, or this user may not know it exists."""


class Forbidden(DomainError):
    """The object exists but this user may not act on it."""


class InvalidInput(DomainError):
    """What the user typed cannot be used."""


class Conflict(DomainError):
    """The object is not in a state that allows this action (stale button, repeat)."""
