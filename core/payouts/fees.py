"""FEE-01: the service fee kept on every release to an expert, and its rounding.

The fee is ``gross * percent / 100`` rounded **half up** to the currency's minor unit (a cent
for USD: 10% of $0.05 is $0.005 -> $0.01; of $0.04 is $0.004 -> $0.00); the expert gets the
rest, so ``gross == fee + net`` always, whatever the amount.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from core.money import Money

__all__ = ["FeeSplit", "percent_of", "split_fee"]


@dataclass(frozen=True, slots=True)
class FeeSplit:
    """A gross amount split into the platform's fee and the expert's net."""

    gross: Money
    fee: Money
    net: Money


def percent_of(amount: Money, percent: Decimal) -> Money:
    """``percent`` % of ``amount``, rounded half up to the minor unit."""
    minor = (Decimal(amount.minor) * Decimal(percent) / Decimal(100)).quantize(
        Decimal(1), rounding=ROUND_HALF_UP)
    return Money(int(minor), amount.currency)


def split_fee(gross: Money, percent: Decimal) -> FeeSplit:
    """FEE-01: ``gross`` into fee (half up) and net; ``fee + net == gross``."""
    if gross.is_negative:
        raise ValueError("a release is never negative")
    fee = percent_of(gross, percent)
    return FeeSplit(gross=gross, fee=fee, net=gross - fee)
