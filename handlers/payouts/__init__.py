"""Money out (issue 13): payout methods, payout requests, support's payout queue.

One router for the feature, made of :mod:`~handlers.payouts.methods`,
:mod:`~handlers.payouts.request`, :mod:`~handlers.payouts.queue`,
:mod:`~handlers.payouts.fees`, :mod:`~handlers.payouts.managed` (PAY-02),
:mod:`~handlers.payouts.bonus` and
:mod:`~handlers.payouts.direct` (PAY-06); the payout tick is in
:mod:`~handlers.payouts.ticks`.
"""

from __future__ import annotations

from handlers.payouts import bonus, direct, fees, managed, methods, queue, request
from handlers.router import Router

__all__ = ["router"]

router = Router()
for _feature in (methods, request, queue, fees, managed, bonus, direct):
    router.include(_feature.router)
