"""Time as a dependency: core never reads the wall clock itself.

The runtime injects :class:`Clock` implementations; tests use :class:`FixedClock` and move it.
All instants are timezone-aware UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol

__all__ = ["Clock", "FixedClock", "ensure_utc"]


class Clock(Protocol):
    """Anything that tells the current UTC instant."""

    def now(self) -> datetime: ...


def ensure_utc(moment: datetime) -> datetime:
    """Return ``moment`` as an aware UTC datetime (naive values are taken as UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


class FixedClock:
    """A clock that stands still until moved (tests, the sandbox, ``bot tick --at``)."""

    def __init__(self, moment: datetime) -> None:
        self._moment = ensure_utc(moment)

    def now(self) -> datetime:
        return self._moment

    def set(self, moment: datetime) -> None:
        self._moment = ensure_utc(moment)

    def advance(self, delta: timedelta) -> None:
        self._moment += delta
