"""The payout tick: due payouts go out through an automatic provider; its reports settle them.

With the manual provider (the default) the tick sends nothing: due payouts wait in support's
``/payouts_queue``. With an automatic one (PayPal Payouts) each due payout is sent once (the
payout id is the provider's idempotency key, see :func:`core.payouts.operations.send_due`),
and the status of sent payouts is asked for until they are paid, failed or returned.
"""

from __future__ import annotations

from datetime import datetime

from core.errors import N_
from core.payouts import operations as ops
from core.payouts.provider import ManualProvider, PayoutProvider
from core.payouts.states import PayoutState
from core.ports import UnitOfWork
from handlers.notify import notify
from handlers.payouts.queue import FAILED, PAID

__all__ = ["poll_step", "provider", "send_step", "use_provider"]

SENT = N_("Your payout #{id} of {amount} is on its way ({reference}).")
RETURNED = N_("Your payout #{id} of {amount} came back unclaimed. The money is back in "
              "your available balance. Reason: {reason}")
_provider: list[PayoutProvider] = [ManualProvider()]


def use_provider(chosen: PayoutProvider) -> None:
    """The provider the tick sends through (``bot.app`` sets it from ``PAYOUT_PROVIDER``)."""
    _provider[0] = chosen


def provider() -> PayoutProvider:
    """The provider in use."""
    return _provider[0]


async def send_step(uow: UnitOfWork, at: datetime) -> int:
    """Send the next payout due at ``at``; 0 when none is due or sending is manual."""
    chosen = provider()
    if not chosen.automatic:
        return 0
    sent = await ops.send_due(uow, chosen, at, limit=1)
    for payout in sent:
        await notify(uow, payout.user_id, SENT, dedupe_key=f"payout-sent:{payout.id}",
                     id=payout.id, amount=payout.arrives, reference=payout.reference)
    return len(sent)


async def poll_step(uow: UnitOfWork, at: datetime) -> int:
    """Ask the provider about sent payouts; settle the first one that changed (0: none)."""
    chosen = provider()
    if not chosen.automatic:
        return 0
    for payout in await uow.payouts.in_states(frozenset({PayoutState.SENT}), limit=20):
        done = await ops.record_status(uow, payout, await chosen.status(payout), at)
        if done is None:
            continue
        if done.state is PayoutState.PAID:
            await notify(uow, done.user_id, PAID, dedupe_key=f"payout-paid:{done.id}",
                         id=done.id, amount=done.arrives, reference=done.reference)
        else:
            message = RETURNED if done.state is PayoutState.RETURNED else FAILED
            await notify(uow, done.user_id, message, dedupe_key=f"payout-end:{done.id}",
                         id=done.id, amount=done.amount, reason=done.reason)
        return 1
    return 0
