"""The sandbox's pretend payout provider: every payout sent is paid at once.

So that a trial in ``python -m bot sandbox`` shows a payout go all the way (requested on a
Saturday, sent and paid on Monday's tick, ``/sandbox_time`` moving the clock), without PayPal
or a person marking it sent. Support still confirms flagged payouts (PAY-03) in
``/payouts_queue``. ``PAYOUT_PROVIDER=paypal`` in the sandbox uses PayPal (its sandbox API)
instead.
"""

from __future__ import annotations

from core.payouts.methods import PayoutMethod
from core.payouts.model import Payout
from core.payouts.provider import ProviderStatus
from core.payouts.states import PayoutState

__all__ = ["SandboxPayouts"]


class SandboxPayouts:
    """An automatic provider that pays every payout it is given."""

    name = "sandbox"
    automatic = True

    async def send(self, payout: Payout, method: PayoutMethod) -> str:
        """The reference is made from the payout id (so a repeat gets the same one)."""
        return f"SANDBOX-{payout.id}"

    async def status(self, payout: Payout) -> ProviderStatus:
        """Paid, always."""
        return ProviderStatus(PayoutState.PAID)
