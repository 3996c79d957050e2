"""The ticks the scheduler runs, and the notifications they write.

:data:`TICKS` is the registry (see :mod:`core.services.ticks`): a feature adds the work that
falls due with time by registering a step here. Each step does the next due item in the unit
of work it is given and tells the people concerned through :func:`handlers.notify.notify`,
with a dedupe key, so a repeated run never notifies twice.

Ticks registered here:

- ``holds`` (HOLD-01): pending money whose clearing instant has come moves to the expert's
  available balance, and the expert is told.
- ``milestone_contract_end`` (MS-10), ``milestone_auto_release`` and
  ``milestone_reminders`` (MS-09): see :mod:`handlers.milestone_notices`.
- ``payouts_send`` and ``payouts_status`` (PAY-07): see :mod:`handlers.payouts.ticks`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from core.errors import N_
from core.holds import clear_due_holds
from core.ports import UnitOfWork
from core.services.ticks import TickRegistry, TickReport
from core.services.ticks import run_ticks as _run_ticks
from handlers.milestone_notices import auto_release_step, contract_end_step, remind_step
from handlers.notify import notify
from handlers.payouts.ticks import poll_step, send_step

__all__ = ["HOLD_CLEARED", "TICKS", "clear_holds", "run_ticks"]

TICKS = TickRegistry()

HOLD_CLEARED = N_("{amount} is now available in your wallet. Send /wallet to see your balance.")


@TICKS.tick("holds")
async def clear_holds(uow: UnitOfWork, at: datetime) -> int:
    """HOLD-01: clear the next hold due at ``at`` and tell its expert; 0 when none is due."""
    cleared = await clear_due_holds(uow, at, limit=1)
    for item in cleared:
        await notify(uow, item.user_id, HOLD_CLEARED, dedupe_key=f"hold-cleared:{item.hold.id}",
                     amount=item.hold.amount)
    return len(cleared)


# MS-10: what an ended contract left open goes to support 14 days after the end; this runs
# before MS-09's release, so that of the two, the one due first happens (see the module).
TICKS.tick("milestone_contract_end")(contract_end_step)
# MS-09: submitted work unanswered for 14 days is released; the client is reminded before.
TICKS.tick("milestone_auto_release")(auto_release_step)
TICKS.tick("milestone_reminders")(remind_step)
# PAY-04, PAY-07: due payouts go out through an automatic provider; its reports settle them.
TICKS.tick("payouts_send")(send_step)
TICKS.tick("payouts_status")(poll_step)


async def run_ticks(uow_factory: Callable[[], UnitOfWork], at: datetime) -> TickReport:
    """Run every registered tick for the instant ``at``."""
    return await _run_ticks(TICKS, uow_factory, at)
