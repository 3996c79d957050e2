"""The currencies money may be held in, with their minor-unit exponents, as data.

The exponent decides what an amount *means* (``1050`` minor units is $10.50 but ¥1,050), so it
is written here rather than read from Babel's CLDR data at run time: a library upgrade may change
how an amount is formatted, never how much it is. ``tests/core/test_currencies.py`` holds this
table against Babel and fails loudly if a future CLDR disagrees, so the change is a decision.

Adding a currency: add its ISO 4217 code and exponent here; the test then checks it too.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["EXPONENTS", "SUPPORTED"]

#: ISO 4217 code -> digits after the decimal point (ISO 4217's "minor unit").
EXPONENTS: Mapping[str, int] = MappingProxyType({
    "USD": 2,
    "EUR": 2,
    "CAD": 2,
    "GBP": 2,
    "CHF": 2,
    "RUB": 2,
    "UAH": 2,
    "JPY": 0,
    "KWD": 3,
})

#: The codes :class:`core.money.Money` accepts.
SUPPORTED: frozenset[str] = frozenset(EXPONENTS)
