"""PAY-04: business days for payouts, from the ``holidays`` library (not a hand-made list).

A business day is Monday to Friday less the public holidays of the processing country (the
policy's ``holidays_country``, default US). A payout requested on a business day before the
cut-off (UTC) is processed that day; otherwise on the next business day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

import holidays
from babel.dates import format_date, format_datetime

from core.clock import ensure_utc

__all__ = ["format_day", "format_instant", "is_business_day", "next_business_day",
           "processing_day"]


@lru_cache(maxsize=16)
def _calendar(country: str) -> holidays.HolidayBase:
    return holidays.country_holidays(country)


def is_business_day(day: date, country: str = "US") -> bool:
    """True from Monday to Friday unless ``day`` is a public holiday in ``country``."""
    return day.weekday() < 5 and day not in _calendar(country)


def next_business_day(day: date, country: str = "US") -> date:
    """The first business day strictly after ``day``."""
    day += timedelta(days=1)
    while not is_business_day(day, country):
        day += timedelta(days=1)
    return day


def processing_day(requested_at: datetime, country: str = "US",
                   cutoff: time = time(12, 0)) -> date:
    """The day a payout requested at ``requested_at`` is processed (PAY-04)."""
    moment = ensure_utc(requested_at)
    day = moment.date()
    if is_business_day(day, country) and moment.time() < cutoff:
        return day
    return next_business_day(day, country)


def format_day(day: date, language: str) -> str:
    """A day in the reader's locale, with its weekday ("Monday, Jan 19, 2026")."""
    return format_date(day, format="full", locale=language)


def format_instant(moment: datetime, language: str) -> str:
    """An instant in the reader's locale, in UTC ("Jan 18, 2026, 9:30:00 AM UTC")."""
    return format_datetime(ensure_utc(moment), format="medium", tzinfo=UTC,
                           locale=language) + " UTC"
