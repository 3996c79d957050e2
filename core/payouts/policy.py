"""The deployment's payout and fee settings, as core sees them (no environment reading here).

``bot`` reads ``SERVICE_FEE_PERCENT``, ``PAYOUT_HOLIDAYS_COUNTRY`` and the rest from the
environment and calls :func:`configure` once at start; core reads :func:`current`. Tests set a
policy with :func:`configure` and restore the default with :func:`reset`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time, timedelta
from decimal import Decimal

__all__ = ["DEFAULT_UNSERVED", "PayoutPolicy", "configure", "current", "reset"]

#: PAY-02 (decided): countries PayPal does not serve, where Payoneer is offered instead.
DEFAULT_UNSERVED: frozenset[str] = frozenset({
    "AF", "BD", "BY", "CU", "IR", "IQ", "KP", "LB", "LY", "MM", "PK", "RU", "SD", "SY",
})


@dataclass(frozen=True, slots=True)
class PayoutPolicy:
    """What the payout and fee rules depend on in one deployment."""

    fee_percent: Decimal = Decimal(10)  # FEE-01: kept on every release; 0 turns it off
    holidays_country: str = "US"  # PAY-04: whose public holidays are not business days
    cutoff: time = time(12, 0)  # PAY-04: requested after this (UTC) -> the next business day
    unserved_countries: frozenset[str] = field(default=DEFAULT_UNSERVED)  # PAY-02
    method_hold: timedelta = timedelta(days=3)  # HOLD-02
    provider: str = "manual"  # "manual" or "paypal"

    def __post_init__(self) -> None:
        if not Decimal(0) <= self.fee_percent < Decimal(100):
            raise ValueError("the service fee is a percentage from 0 to below 100")


_current = PayoutPolicy()


def current() -> PayoutPolicy:
    """The policy in force."""
    return _current


def configure(policy: PayoutPolicy) -> None:
    """Put ``policy`` in force (once at start; tests for one test)."""
    global _current
    _current = policy


def reset() -> None:
    """Back to the defaults."""
    configure(PayoutPolicy())
