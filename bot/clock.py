"""The runtime's clocks: the wall clock, and a shifted one the sandbox can move forward."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

__all__ = ["OffsetClock", "SystemClock"]


class SystemClock:
    """The real UTC time."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class OffsetClock:
    """The real time plus an offset (``/sandbox_time +5d`` moves it forward)."""

    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self.offset = offset

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta
