"""Money: integer minor units, no mixing of currencies, parsing and formatting per locale."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import InvalidInput
from core.money import (
    AMOUNT_NEGATIVE,
    AMOUNT_NOT_A_NUMBER,
    AMOUNT_OVER_MAXIMUM,
    AMOUNT_TOO_PRECISE,
    AMOUNT_WHOLE_ONLY,
    AMOUNT_ZERO,
    CurrencyMismatch,
    Money,
    currency_exponent,
    format_money,
    parse_amount,
)
from locales import LANGUAGES, translator

CURRENCIES = ["USD", "EUR", "RUB", "UAH", "JPY", "KWD", "GBP"]
currencies = st.sampled_from(CURRENCIES)
minors = st.integers(min_value=-(10**15), max_value=10**15)


def usd(amount: str) -> Money:
    return Money.of(amount, "USD")


def test_the_exponent_comes_from_babels_currency_data() -> None:
    assert [currency_exponent(c) for c in ("USD", "JPY", "KWD")] == [2, 0, 3]
    assert Money(1250, "USD").to_decimal() == Decimal("12.50")
    assert Money(1250, "JPY").to_decimal() == Decimal("1250")


def test_money_refuses_floats_bools_and_unknown_currencies() -> None:
    with pytest.raises(TypeError):
        Money(12.5, "USD")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(True, "USD")
    with pytest.raises(TypeError):
        Money.of(12.5, "USD")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Money(1, "usd")
    with pytest.raises(ValueError):
        Money(1, "XYZ")


def test_money_of_refuses_more_decimals_than_the_currency_has() -> None:
    assert Money.of("12.5", "USD") == Money(1250, "USD")
    with pytest.raises(ValueError):
        Money.of("12.505", "USD")
    with pytest.raises(ValueError):
        Money.of("1.5", "JPY")


def test_mixing_currencies_raises_a_named_error() -> None:
    with pytest.raises(CurrencyMismatch):
        _ = usd("1") + Money(1, "EUR")
    with pytest.raises(CurrencyMismatch):
        _ = usd("1") < Money(1, "EUR")
    assert usd("1") != Money(100, "EUR")


def test_money_is_immutable_and_multiplies_by_integers_only() -> None:
    amount = usd("2.50")
    with pytest.raises(AttributeError):
        amount.minor = 1  # type: ignore[misc]
    assert amount * 3 == 3 * amount == usd("7.50")
    with pytest.raises(TypeError):
        _ = amount * 1.5  # type: ignore[operator]


@given(a=minors, b=minors, c=minors, currency=currencies)
def test_addition_is_associative_commutative_and_has_zero_and_inverses(
        a: int, b: int, c: int, currency: str) -> None:
    x, y, z = Money(a, currency), Money(b, currency), Money(c, currency)
    zero = Money.zero(currency)
    assert (x + y) + z == x + (y + z)
    assert x + y == y + x
    assert x + zero == x
    assert x + (-x) == zero
    assert x - y == x + (-y)
    assert (x < y) == (a < b) and (x >= y) == (a >= b)
    assert type((x + y).minor) is int


@pytest.mark.parametrize(("text", "locale", "expected"), [
    ("50", "en", "50.00"),
    ("50.5", "en", "50.50"),
    ("1,234.56", "en", "1234.56"),
    ("1,234", "en", "1234.00"),
    ("$1,234.50", "en", "1234.50"),
    ("50,5", "ru", "50.50"),
    ("50,5", "uk", "50.50"),
    ("50,5", "es", "50.50"),
    ("1 234,56", "ru", "1234.56"),
    ("1\u00a0234,56\u00a0$", "ru", "1234.56"),
    ("1.234,56", "es", "1234.56"),
    ("1.234", "es", "1234.00"),
    ("50.5", "ru", "50.50"),
    ("+7", "en", "7.00"),
    ("12 usd", "uk", "12.00"),
    (" 0.01 ", "en", "0.01"),
])
def test_parse_amount_reads_what_people_type(text: str, locale: str, expected: str) -> None:
    assert parse_amount(text, "USD", locale) == Money.of(expected, "USD")


@pytest.mark.parametrize(("text", "currency", "message"), [
    ("-5", "USD", AMOUNT_NEGATIVE),
    ("\u22125", "USD", AMOUNT_NEGATIVE),
    ("0", "USD", AMOUNT_ZERO),
    ("0,00", "USD", AMOUNT_ZERO),
    ("50.555", "USD", AMOUNT_TOO_PRECISE),
    ("12.5", "JPY", AMOUNT_WHOLE_ONLY),
    ("abc", "USD", AMOUNT_NOT_A_NUMBER),
    ("1e5", "USD", AMOUNT_NOT_A_NUMBER),
    ("", "USD", AMOUNT_NOT_A_NUMBER),
    ("12 34", "USD", AMOUNT_NOT_A_NUMBER),
    ("1,2,3", "USD", AMOUNT_NOT_A_NUMBER),
    ("NaN", "USD", AMOUNT_NOT_A_NUMBER),
    ("€5", "USD", AMOUNT_NOT_A_NUMBER),
    ("9" * 60, "USD", AMOUNT_NOT_A_NUMBER),
])
def test_parse_amount_refuses_bad_input_with_a_named_message(
        text: str, currency: str, message: str) -> None:
    with pytest.raises(InvalidInput) as refusal:
        parse_amount(text, currency, "en")
    assert refusal.value.message == message


def test_parse_amount_refuses_more_than_the_maximum_and_names_it_in_the_readers_format() -> None:
    maximum = usd("10000")
    assert parse_amount("10000", "USD", "ru", maximum) == maximum
    with pytest.raises(InvalidInput) as refusal:
        parse_amount("10000,01", "USD", "ru", maximum)
    assert refusal.value.message == AMOUNT_OVER_MAXIMUM
    assert refusal.value.params["maximum"] == "10\u00a0000,00\u00a0$"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_parse_error_reads_in_each_language(language: str) -> None:
    tr = translator(language)
    for text, currency in [("x", "USD"), ("-1", "USD"), ("0", "USD"), ("0,0001", "KWD"),
                           ("1.001", "USD"), ("1.5", "JPY"), ("99999", "USD")]:
        with pytest.raises(InvalidInput) as refusal:
            parse_amount(text, currency, language, maximum=Money(10**4, currency))
        sentence = tr(refusal.value.message, **refusal.value.params)
        assert "{" not in sentence
        if language != "en":
            assert sentence != refusal.value.message.format(**refusal.value.params)


def test_format_money_uses_the_readers_locale() -> None:
    amount = Money(123450, "USD")
    assert format_money(amount, "en") == "$1,234.50"
    assert format_money(amount, "ru") == "1\u00a0234,50\u00a0$"
    assert format_money(Money(1234, "JPY"), "en") == "¥1,234"


@given(minor=st.integers(min_value=1, max_value=10**13), currency=currencies,
       locale=st.sampled_from(LANGUAGES))
def test_formatting_then_parsing_gives_the_same_amount_in_every_locale(
        minor: int, currency: str, locale: str) -> None:
    money = Money(minor, currency)
    assert parse_amount(format_money(money, locale), currency, locale) == money


@given(minor=st.integers(min_value=1, max_value=10**9), currency=currencies,
       locale=st.sampled_from(LANGUAGES))
def test_a_bare_number_in_the_locales_notation_parses_back(
        minor: int, currency: str, locale: str) -> None:
    from babel.numbers import format_decimal

    money = Money(minor, currency)
    text = format_decimal(money.to_decimal(), locale=locale, group_separator=False,
                          decimal_quantization=False)
    assert parse_amount(text, currency, locale) == money
