"""Ticks: the work that falls due with time, done idempotently from stored state.

The scheduler (``bot.scheduler``) only says "run the ticks at this instant". Each registered
:class:`Tick` has a *step*: in a fresh unit of work it does the next item due at that instant
(clearing a hold, closing a billing week...), writes its notifications, and returns how many
items it did. :func:`run_ticks` calls each tick's step in new units of work, committing each,
until the step finds nothing due. Because "due" is read from the database and every item is
keyed (a ledger idempotency key, an outbox dedupe key), a tick that was missed while the bot
was down is caught up by the next run, and a run repeated does nothing twice.

A step that fails has its unit of work rolled back; that tick stops for this run (the next run
tries again) and the other ticks still run.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from core.clock import ensure_utc
from core.ports import UnitOfWork

__all__ = ["Step", "Tick", "TickRegistry", "TickReport", "run_ticks"]

log = logging.getLogger(__name__)

Step = Callable[[UnitOfWork, datetime], Awaitable[int]]
"""Do the next item(s) due at the instant in this unit of work; return how many (0: none)."""

#: A runaway guard: no tick does more items than this in one run (the next run goes on).
MAX_STEPS_PER_RUN = 10_000


@dataclass(frozen=True, slots=True)
class Tick:
    """A named kind of work that falls due with time."""

    name: str
    step: Step


@dataclass(slots=True)
class TickReport:
    """What one run did: items per tick, and the ticks that failed (with the error)."""

    at: datetime
    done: dict[str, int] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Items done by all ticks."""
        return sum(self.done.values())


class TickRegistry:
    """The ticks to run, in registration order."""

    def __init__(self) -> None:
        self._ticks: dict[str, Tick] = {}

    def tick(self, name: str) -> Callable[[Step], Step]:
        """Register the decorated step under ``name`` (a name registered twice is an error)."""

        def register(step: Step) -> Step:
            if name in self._ticks:
                raise ValueError(f"tick {name!r} is registered twice")
            self._ticks[name] = Tick(name, step)
            return step

        return register

    def __iter__(self) -> Iterator[Tick]:
        """The ticks, in registration order."""
        return iter(list(self._ticks.values()))

    def names(self) -> list[str]:
        """The registered tick names, in order."""
        return list(self._ticks)


async def run_ticks(registry: TickRegistry, uow_factory: Callable[[], UnitOfWork],
                    at: datetime) -> TickReport:
    """Do everything due at ``at``: each tick's items, one committed unit of work each."""
    at = ensure_utc(at)
    report = TickReport(at)
    for tick in registry:
        done = 0
        try:
            for _ in range(MAX_STEPS_PER_RUN):
                async with uow_factory() as uow:
                    count = await tick.step(uow, at)
                    await uow.commit()
                if count <= 0:
                    break
                done += count
        except Exception as exc:
            log.exception("tick %s failed at %s after %d items", tick.name, at.isoformat(),
                          done)
            report.failed[tick.name] = repr(exc)
        report.done[tick.name] = done
    return report
