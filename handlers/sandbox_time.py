"""``/sandbox_time +5d``: move the sandbox's clock forward to watch time-driven work happen.

Only in the sandbox (``HandlerSettings.sandbox``); elsewhere the command politely refuses,
because real time cannot be moved. The clock only ever moves forward, in days (``d``), hours
(``h``) and minutes (``m``), combined as in ``+1d12h``. The runtime is told when the clock
moves and runs the ticks for the new instant at once (holds clear, reminders go out); their
notifications arrive through the outbox as they would in production.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from core.errors import N_
from handlers.context import Context
from handlers.contract import Action, Command, Incoming, Send
from handlers.formats import moment
from handlers.router import Router

__all__ = ["MovableClock", "command_sandbox_time", "parse_offset", "router"]

router = Router()

MAX_OFFSET = timedelta(days=400)
_PART = re.compile(r"(\d{1,6})([dhm])")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}

SANDBOX_ONLY = N_("/sandbox_time works only in the sandbox: here the bot runs on real time, "
                  "which nobody can move.")
USAGE = N_("The sandbox clock reads {when}. To move it forward, send for example "
           "/sandbox_time +5d (days), +3h (hours), +30m (minutes) or +1d12h.")
TOO_FAR = N_("That is too far: move the clock at most {days} days at a time.")
MOVED = N_("The sandbox clock moved forward by {offset} and now reads {when}. Everything "
           "that fell due is being done; its messages follow.")


@runtime_checkable
class MovableClock(Protocol):
    """A clock that can be moved forward (the sandbox's offset clock, tests' fixed clock)."""

    def now(self) -> datetime: ...

    def advance(self, delta: timedelta) -> None: ...


def parse_offset(text: str) -> timedelta | None:
    """``"+5d"``, ``"3h"``, ``"+1d12h"`` as a positive timedelta; None if it is not one."""
    compact = "".join(text.split()).lower().removeprefix("+")
    if not compact or _PART.sub("", compact):
        return None
    total = timedelta()
    for amount, unit in _PART.findall(compact):
        total += timedelta(**{_UNITS[unit]: int(amount)})
    return total if total > timedelta(0) else None


@router.command("sandbox_time")
async def command_sandbox_time(incoming: Incoming, ctx: Context) -> list[Action]:
    """Moves the sandbox clock forward by the offset given; without one shows the clock."""
    if not ctx.settings.sandbox or not isinstance(ctx.clock, MovableClock):
        return [Send(ctx.t(SANDBOX_ONLY))]
    args = incoming.event.args if isinstance(incoming.event, Command) else ""
    offset = parse_offset(args)
    if offset is None:
        return [Send(ctx.t(USAGE, when=moment(ctx.now(), ctx.language)))]
    if offset > MAX_OFFSET:
        return [Send(ctx.t(TOO_FAR, days=MAX_OFFSET.days))]
    ctx.clock.advance(offset)
    return [Send(ctx.t(MOVED, offset="+" + "".join(args.split()).lower().removeprefix("+"),
                       when=moment(ctx.now(), ctx.language)))]
