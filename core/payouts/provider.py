"""The payout provider interface: how money actually leaves the platform.

Two implementations: :class:`ManualProvider` (the default: support pays by hand from
``/payouts_queue`` and marks each payout sent or failed) and PayPal Payouts
(:mod:`bot.paypal`, ``PAYOUT_PROVIDER=paypal``). An automatic provider's :meth:`send` must
be idempotent by the payout id (PayPal: ``sender_batch_id``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from core.payouts.methods import PayoutMethod
from core.payouts.model import Payout
from core.payouts.states import PayoutState

__all__ = ["ManualProvider", "PayoutProvider", "ProviderStatus"]


@dataclass(frozen=True, slots=True)
class ProviderStatus:
    """What the provider says of a sent payout: still sent, paid, failed or returned."""

    state: PayoutState
    reason: str | None = None


class PayoutProvider(Protocol):
    """Sends payouts and reports on them."""

    name: str
    automatic: bool  # False: support sends by hand (the tick sends nothing)

    async def send(self, payout: Payout, method: PayoutMethod) -> str:
        """Hand ``payout`` over (idempotent by its id); return the provider's reference."""

    async def status(self, payout: Payout) -> ProviderStatus:
        """The provider's view of a sent payout."""


class ManualProvider:
    """Support pays by hand: nothing is sent automatically."""

    name = "manual"
    automatic = False

    async def send(self, payout: Payout, method: PayoutMethod) -> str:
        """Never called by the tick: support marks payouts sent in ``/payouts_queue``."""
        raise RuntimeError("the manual provider sends nothing by itself")

    async def status(self, payout: Payout) -> ProviderStatus:
        """A manual payout is settled by support's mark, so it is whatever it is."""
        return ProviderStatus(payout.state)
