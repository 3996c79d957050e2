"""Dates and instants as a reader sees them: one place for every format the bot writes.

- :func:`day` is a calendar date in the reader's locale ("Jan 10, 2027", "10 янв. 2027 г.",
  "10 ene 2027"). In ru and uk it ends with a full stop (the abbreviation "г."/"р."), so a
  catalog entry must never put "." right after a date placeholder:
  ``tests/test_formats.py`` formats real dates into every catalog to prove none does.
- :func:`count` is a whole number in the reader's grouping ("12,345", "12 345", "12.345").
- :func:`moment` is an instant in UTC, to the minute, never with seconds ("Jan 10, 2027,
  12:58 AM UTC", "10 янв. 2027 г., 00:58 UTC"): the locale's own way of joining its medium
  date and its short time.

:data:`DAY_FIELDS` and :data:`MOMENT_FIELDS` name the ``{placeholders}`` that carry a date or
an instant; the catalog test fills these with real values, and checks the code passes
:func:`day` and :func:`moment` to no other placeholder.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from babel.dates import format_date, format_time, get_datetime_format
from babel.numbers import format_decimal

__all__ = ["DAY_FIELDS", "MOMENT_FIELDS", "count", "day", "moment"]

#: Placeholders filled with :func:`day` somewhere in the code ("Due: {value}" among others).
DAY_FIELDS = frozenset({"date", "day", "due", "value"})
#: Placeholders filled with :func:`moment` somewhere in the code.
MOMENT_FIELDS = frozenset({"when"})


def day(value: date, language: str) -> str:
    """A date in the reader's format ("Mar 2, 2026", "2 мар. 2026 г.")."""
    return format_date(value, format="medium", locale=language)


def moment(value: datetime, language: str) -> str:
    """An instant in UTC to the minute, in the reader's locale, with "UTC" after it."""
    utc = value.astimezone(UTC) if value.tzinfo is not None else value
    pattern = str(get_datetime_format("medium", locale=language)).replace("'", "")
    text = (pattern.replace("{1}", format_date(utc, format="medium", locale=language))
            .replace("{0}", format_time(utc, format="short", tzinfo=None, locale=language)))
    return f"{text} UTC"


def count(value: int, language: str) -> str:
    """A whole number (points, a count) in the reader's format ("12,345", "12 345")."""
    return format_decimal(value, locale=language)
