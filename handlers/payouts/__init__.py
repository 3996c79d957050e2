"""Money out (issue 13): payout methods, payout requests, support's payout queue.

One router for the feature, made of :mod:`~handlers.payouts.methods`,
:mod:`~handlers.payouts.request`, :mod:`~handlers.payouts.queue` and
:mod:`~handlers.payouts.fees`; the payout tick is in
:mod:`~handlers.payouts.ticks`.
"""

from __future__ import annotations

from handlers.payouts import fees, methods, queue, request
from handlers.router import Router

__all__ = ["router"]

router = Router()
for _feature in (methods, request, queue, fees):
    router.include(_feature.router)
