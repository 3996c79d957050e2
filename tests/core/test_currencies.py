"""The currency table in core is the source of truth for exponents; Babel is held against it."""

from __future__ import annotations

import pytest
from babel.numbers import get_currency_precision

from core.currencies import EXPONENTS, SUPPORTED
from core.money import Money, currency_exponent, format_money

#: What ISO 4217 says, written out independently of core's table.
ISO_4217 = {"USD": 2, "EUR": 2, "CAD": 2, "GBP": 2, "RUB": 2, "UAH": 2, "JPY": 0, "KWD": 3}


def test_the_table_holds_at_least_the_currencies_the_marketplace_uses() -> None:
    assert {code: EXPONENTS[code] for code in ISO_4217} == ISO_4217


@pytest.mark.parametrize("code", sorted(EXPONENTS))
def test_babel_agrees_with_the_table(code: str) -> None:
    babel = get_currency_precision(code)
    assert babel == EXPONENTS[code], (
        f"Babel's CLDR data now gives {code} {babel} decimal places, core.currencies says "
        f"{EXPONENTS[code]}. Amounts are stored in minor units: changing the exponent changes "
        "what every stored amount means. Decide deliberately (and migrate stored amounts) "
        "before changing core/currencies.py or the locked Babel version.")


def test_money_takes_its_exponent_from_the_table_not_from_babel() -> None:
    assert [currency_exponent(c) for c in ("USD", "JPY", "KWD")] == [2, 0, 3]
    assert Money.of("1.234", "KWD").minor == 1234
    assert Money.of("1234", "JPY").minor == 1234
    assert format_money(Money(1234, "KWD"), "en").endswith("1.234")


def test_a_currency_outside_the_table_is_refused() -> None:
    assert "XTR" not in SUPPORTED
    with pytest.raises(ValueError):
        Money(1, "BHD")
    with pytest.raises(ValueError):
        currency_exponent("BHD")
