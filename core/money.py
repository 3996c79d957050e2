"""Money: integer minor units with an ISO 4217 currency; never floats.

A :class:`Money` is immutable. Its exponent (how many minor units make a major one) comes from
the table in :mod:`core.currencies`, not from Babel, so a library upgrade cannot change what an
amount means (Babel still formats and parses). Telegram Payments expects the same exponents
(``LabeledPrice.amount`` is an integer in minor units). Arithmetic between two currencies
raises :class:`CurrencyMismatch`.

:func:`parse_amount` reads what a user typed ("50", "50.5", "1,234.56", "50,5", "1 234,56")
in the reader's locale and refuses bad input with a translatable
:class:`~core.errors.InvalidInput`; :func:`format_money` writes an amount in that locale.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from babel.numbers import (
    format_currency,
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
)

from core.currencies import EXPONENTS, SUPPORTED
from core.errors import N_, InvalidInput

__all__ = [
    "AMOUNT_NEGATIVE",
    "AMOUNT_NOT_A_NUMBER",
    "AMOUNT_OVER_MAXIMUM",
    "AMOUNT_TOO_PRECISE",
    "AMOUNT_WHOLE_ONLY",
    "AMOUNT_ZERO",
    "CurrencyMismatch",
    "Money",
    "currency_exponent",
    "format_money",
    "parse_amount",
]

AMOUNT_NOT_A_NUMBER = N_("Please send the amount as a number, for example {example}.")
AMOUNT_NEGATIVE = N_("The amount cannot be negative.")
AMOUNT_ZERO = N_("The amount must be greater than zero.")
AMOUNT_TOO_PRECISE = N_("Too many digits after the decimal point: {currency} allows {digits}.")
AMOUNT_WHOLE_ONLY = N_("{currency} amounts are whole numbers, without a decimal part.")
AMOUNT_OVER_MAXIMUM = N_("The amount is too large: the most you can enter is {maximum}.")

MAX_INPUT_LENGTH = 40
_SPACES = "\u0020\u00a0\u202f\u2009\u2007\u0027\u2019"  # spaces and apostrophes group digits
_MINUS = "-\u2212\u2012\u2013"
_FULL_WIDTH = str.maketrans("０１２３４５６７８９，．－＋", "0123456789,.-+")
_GROUPED = re.compile(r"^[0-9]{1,3}(?:,[0-9]{3})+$")


class CurrencyMismatch(ValueError):
    """Two amounts in different currencies were combined."""


def currency_exponent(currency: str) -> int:
    """Digits after the decimal point for ``currency`` (2 for USD, 0 for JPY, 3 for KWD)."""
    try:
        return EXPONENTS[currency]
    except KeyError:
        raise ValueError(f"unsupported currency code {currency!r}") from None


@dataclass(frozen=True, slots=True, order=False)
class Money:
    """An amount in integer minor units of an ISO 4217 currency."""

    minor: int
    currency: str

    def __post_init__(self) -> None:
        if type(self.minor) is not int:  # bool, float and Decimal are refused
            raise TypeError(f"Money.minor must be int, got {type(self.minor).__name__}")
        if self.currency not in SUPPORTED:
            raise ValueError(f"unknown currency code {self.currency!r}")

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Nothing, in ``currency``."""
        return cls(0, currency)

    @classmethod
    def of(cls, amount: str | int | Decimal, currency: str) -> Money:
        """Exact major units ("12.50") to Money; refuses anything finer than the exponent."""
        if isinstance(amount, float):
            raise TypeError("floats are not money; pass a str or Decimal")
        value = Decimal(amount)
        scaled = value.scaleb(currency_exponent(currency))
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{amount} has more decimals than {currency} allows")
        return cls(int(scaled), currency)

    @property
    def exponent(self) -> int:
        """Digits after the decimal point in this currency."""
        return currency_exponent(self.currency)

    def to_decimal(self) -> Decimal:
        """The amount in major units, exactly."""
        return Decimal(self.minor).scaleb(-self.exponent)

    def _same(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(f"{self.currency} and {other.currency} do not mix")
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self.minor + self._same(other).minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self.minor - self._same(other).minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __abs__(self) -> Money:
        return Money(abs(self.minor), self.currency)

    def __mul__(self, factor: int) -> Money:
        if type(factor) is not int:
            raise TypeError("Money can only be multiplied by an int")
        return Money(self.minor * factor, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        return self.minor < self._same(other).minor

    def __le__(self, other: Money) -> bool:
        return self.minor <= self._same(other).minor

    def __gt__(self, other: Money) -> bool:
        return self.minor > self._same(other).minor

    def __ge__(self, other: Money) -> bool:
        return self.minor >= self._same(other).minor

    @property
    def is_zero(self) -> bool:
        """True for a zero amount."""
        return self.minor == 0

    @property
    def is_positive(self) -> bool:
        """True above zero."""
        return self.minor > 0

    @property
    def is_negative(self) -> bool:
        """True below zero."""
        return self.minor < 0

    def __str__(self) -> str:
        return f"{self.to_decimal():f} {self.currency}"


def format_money(money: Money, locale: str) -> str:
    """``money`` written for a reader of ``locale`` ("$1,234.50", "1 234,50 $")."""
    return format_currency(money.to_decimal(), money.currency, locale=locale)


def _example(currency: str, locale: str) -> str:
    """A sample amount in the reader's notation, for error messages."""
    exponent = currency_exponent(currency)
    return "50" if exponent == 0 else "12" + get_decimal_symbol(locale) + "5".ljust(exponent, "0")


def _strip_currency(text: str, currency: str, locale: str) -> str:
    """Remove the currency's code or symbol ("USD", "$", "US$") from either end of ``text``."""
    marks = sorted({currency, *(get_currency_symbol(currency, where)
                                for where in (locale, "en", "es", "ru", "uk"))},
                   key=len, reverse=True)
    for mark in marks:
        upper, wanted = text.upper(), mark.upper()
        if upper.startswith(wanted):
            text = text[len(mark):].strip(_SPACES)
        elif upper.endswith(wanted):
            text = text[: len(text) - len(mark)].strip(_SPACES)
    return text


def _to_decimal_text(body: str, locale: str) -> str | None:
    """Normalise digits and separators to "1234.56"; None when it is not a number."""
    for space in _SPACES:
        body = body.replace(space, "_")
    if "_" in body:  # spaces (or apostrophes) group the digits of the integer part
        integer, rest = re.fullmatch(r"([0-9_]*)(.*)", body).groups()  # type: ignore[union-attr]
        if not re.fullmatch(r"[0-9]{1,3}(?:_[0-9]{3})+", integer):
            return None
        body = integer.replace("_", "") + rest
    if not re.fullmatch(r"[0-9]*(?:[.,][0-9]*)*", body) or not re.search(r"[0-9]", body):
        return None
    if "," in body and "." in body:  # "1,234.56" or "1.234,56": the last mark is the decimal
        decimal_mark = "," if body.rfind(",") > body.rfind(".") else "."
        group_mark = "." if decimal_mark == "," else ","
        integer, _, fraction = body.rpartition(decimal_mark)
        if decimal_mark in integer or not _grouped(integer, group_mark):
            return None
        return integer.replace(group_mark, "") + "." + fraction
    mark = "," if "," in body else "." if "." in body else ""
    if not mark:
        return body
    if body.count(mark) > 1:  # "1,234,567": only grouping repeats
        return body.replace(mark, "") if _grouped(body, mark) else None
    integer, _, fraction = body.partition(mark)
    if len(fraction) == 3 and integer[:1] not in ("", "0") and mark == get_group_symbol(locale):
        return integer + fraction  # "1,234" in English, "1.234" in Spanish; "0.001" is a decimal
    return (integer or "0") + "." + (fraction or "0")


def _grouped(integer: str, mark: str) -> bool:
    """True if ``integer`` is plain digits or digits grouped by ``mark`` in threes."""
    if mark not in integer:
        return integer.isdigit()
    return bool(_GROUPED.fullmatch(integer.replace(mark, ",")))


def parse_amount(text: str, currency: str, locale: str, maximum: Money | None = None) -> Money:
    """Read a positive amount of ``currency`` typed by a reader of ``locale``.

    Accepts "50", "50.5", "1,234.56", "50,5", "1 234,56" (spaces, no-break spaces and the
    locale's group mark group digits; a comma or a point is the decimal mark), an optional
    leading "+" and the currency's code or symbol. Raises :class:`InvalidInput` for negative,
    zero, too precise, non-numeric and too large amounts.
    """
    example = _example(currency, locale)
    body = (text or "").translate(_FULL_WIDTH)  # "５０" typed with a CJK keyboard is 50
    body = body.strip(_SPACES + "\t\n")
    if len(body) > MAX_INPUT_LENGTH:
        raise InvalidInput(AMOUNT_NOT_A_NUMBER, example=example)
    body = _strip_currency(body, currency, locale)
    negative = body[:1] in _MINUS and body[:1] != ""
    if negative or body.startswith("+"):
        body = _strip_currency(body[1:].strip(_SPACES), currency, locale)
    normal = _to_decimal_text(body, locale)
    if normal is None:
        raise InvalidInput(AMOUNT_NOT_A_NUMBER, example=example)
    value = Decimal(normal)
    if negative and value:
        raise InvalidInput(AMOUNT_NEGATIVE)
    exponent = currency_exponent(currency)
    scaled = value.scaleb(exponent)
    # "1.000" is refused, not read as 1.00: its writer may well have meant a thousand
    if scaled != scaled.to_integral_value() or len(normal.partition(".")[2]) > exponent:
        if exponent == 0:
            raise InvalidInput(AMOUNT_WHOLE_ONLY, currency=currency)
        raise InvalidInput(AMOUNT_TOO_PRECISE, currency=currency, digits=exponent)
    money = Money(int(scaled), currency)
    if money.is_zero:
        raise InvalidInput(AMOUNT_ZERO)
    if maximum is not None and money > maximum:
        raise InvalidInput(AMOUNT_OVER_MAXIMUM, maximum=format_money(maximum, locale))
    return money
