"""What a milestone consists of, checked: title, description, amount and due date (MS-01).

- **Amount**: at least the configured minimum of its currency (MS-01: USD 25.00). The minimums
  stand in one table, :data:`MINIMUMS`, and a deployment may pass its own
  :class:`MilestonePolicy`. A currency without a configured minimum is refused (decided: we do
  not guess a minimum for a currency nobody configured). The maximum is the minimum times
  :data:`MAXIMUM_FACTOR` (USD 1,000,000.00), so a slipped key cannot lock a fortune in escrow.
- **Title**: one line, 3 to 100 characters (as the contract offer's first milestone).
- **Description**: up to 2,000 characters; may be empty (the offer's first milestone has none).
- **Due date**: a calendar date (UTC), not before today and at most five years ahead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import MappingProxyType

from core.contracts import validate_milestone_title
from core.errors import N_, InvalidInput
from core.money import Money, format_money, parse_amount

__all__ = [
    "DESCRIPTION_MAX",
    "DUE_DAYS_MAX",
    "MAXIMUM_FACTOR",
    "MINIMUMS",
    "MilestonePolicy",
    "DEFAULT_POLICY",
    "parse_due_date",
    "validate_description",
    "validate_due_date",
    "validate_title",
]

DESCRIPTION_MAX = 2000
DUE_DAYS_MAX = 5 * 366
MAXIMUM_FACTOR = 40_000

#: MS-01: the smallest milestone per currency, in minor units (USD 25.00 is the rule itself).
MINIMUMS: Mapping[str, int] = MappingProxyType({
    "USD": 25_00,
    "EUR": 25_00,
    "GBP": 20_00,
    "CAD": 35_00,
    "UAH": 1_000_00,
    "RUB": 2_500_00,
})

AMOUNT_BELOW_MINIMUM = N_("A milestone must be at least {minimum}.")
CURRENCY_NOT_SUPPORTED = N_("Milestones in {currency} are not available.")
DESCRIPTION_TOO_LONG = N_("The description is too long (at most {limit} characters).")
DUE_DATE_FORMAT = N_("Please send the due date as YYYY-MM-DD or DD.MM.YYYY, for example "
                     "{example}.")
DUE_DATE_PAST = N_("The due date cannot be in the past.")
DUE_DATE_TOO_FAR = N_("The due date is too far away: at most five years ahead.")

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")  # day first; "01/03" is ambiguous


@dataclass(frozen=True, slots=True)
class MilestonePolicy:
    """The configurable limits of milestones: the minimum amount per currency (MS-01)."""

    minimums: Mapping[str, int] = field(default_factory=lambda: MINIMUMS)

    def minimum(self, currency: str) -> Money:
        """The smallest milestone in ``currency``; InvalidInput if none is configured."""
        minor = self.minimums.get(currency)
        if minor is None:
            raise InvalidInput(CURRENCY_NOT_SUPPORTED, currency=currency)
        return Money(minor, currency)

    def maximum(self, currency: str) -> Money:
        """The largest milestone in ``currency``."""
        return self.minimum(currency) * MAXIMUM_FACTOR

    def check_amount(self, amount: Money, locale: str = "en") -> Money:
        """MS-01: refuse an amount under the currency's minimum (or over its maximum)."""
        minimum = self.minimum(amount.currency)
        if amount < minimum:
            raise InvalidInput(AMOUNT_BELOW_MINIMUM, minimum=format_money(minimum, locale))
        maximum = self.maximum(amount.currency)
        if amount > maximum:
            raise InvalidInput(N_("The amount is too large: the most you can enter is {maximum}."),
                               maximum=format_money(maximum, locale))
        return amount

    def parse_amount(self, text: str, currency: str, locale: str) -> Money:
        """An amount typed by a reader of ``locale``, checked against MS-01."""
        amount = parse_amount(text, currency, locale, maximum=self.maximum(currency))
        return self.check_amount(amount, locale)


DEFAULT_POLICY = MilestonePolicy()


def validate_title(value: str) -> str:
    """A milestone title: one line, 3 to 100 characters."""
    return validate_milestone_title(value)


def validate_description(value: str) -> str:
    """A description: surrounding blanks trimmed, at most 2,000 characters, may be empty."""
    text = value.strip()
    if len(text) > DESCRIPTION_MAX:
        raise InvalidInput(DESCRIPTION_TOO_LONG, limit=DESCRIPTION_MAX)
    return text


def validate_due_date(due: date, now: datetime) -> date:
    """A due date from today (UTC, from the clock) to five years ahead."""
    today = now.date()
    if due < today:
        raise InvalidInput(DUE_DATE_PAST)
    if due > today + timedelta(days=DUE_DAYS_MAX):
        raise InvalidInput(DUE_DATE_TOO_FAR)
    return due


def parse_due_date(text: str, now: datetime) -> date:
    """A typed due date ("2026-03-01" or "1.3.2026", day first), checked."""
    body = text.strip()
    example = (now.date() + timedelta(days=14)).isoformat()
    iso, dotted = _ISO.match(body), _DOTTED.match(body)
    try:
        if iso:
            due = date(int(iso[1]), int(iso[2]), int(iso[3]))
        elif dotted:
            due = date(int(dotted[3]), int(dotted[2]), int(dotted[1]))
        else:
            raise ValueError(body)
    except ValueError:
        raise InvalidInput(DUE_DATE_FORMAT, example=example) from None
    return validate_due_date(due, now)
