"""Shared pieces of the marketplace screens: money, dates, names, ids and page buttons.

Callback data of the marketplace is ``prefix:verb[:arg...]`` with short prefixes
(``pj`` projects, ``pp`` the /post dialog, ``ps`` search, ``ap`` applications, ``ct``
contracts, ``bm`` bookmarks, ``pf``/``pe`` profiles). It comes from the client and may be
forged: :func:`parts` and :func:`number` return ``None`` for anything unexpected, and every
handler then loads the object through a service that checks the user may see it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from core.categories import CATEGORIES
from core.errors import N_
from core.money import Money, format_money
from core.projects import ProjectKind
from handlers.context import Context
from handlers.contract import Button, Callback, Incoming
from handlers.formats import day as format_day

__all__ = [
    "KIND_NAMES",
    "amount",
    "category_name",
    "day",
    "nav_row",
    "number",
    "page_number",
    "parts",
    "price",
    "short",
]

KIND_NAMES: dict[str, str] = {
    ProjectKind.HOURLY.value: N_("Hourly"),
    ProjectKind.FIXED.value: N_("Fixed price"),
}
_CATEGORY_NAMES = {c.code: c.name for c in CATEGORIES}
_MAX_ID = 2**63 - 1


def number(text: str | None) -> int | None:
    """A positive database id from untrusted text, or ``None``."""
    if text is None or not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    value = int(text)
    return value if 0 < value <= _MAX_ID else None


def page_number(text: str) -> int | None:
    """A page number (0 to 99999) from untrusted callback data, or ``None``."""
    if not text.isascii() or not text.isdigit() or len(text) > 5:
        return None
    return int(text)


def parts(incoming: Incoming, size: int | None = None) -> list[str] | None:
    """The callback data split on ``:`` (``size`` parts when given), or ``None``."""
    event = incoming.event
    if not isinstance(event, Callback):
        return None
    pieces = event.data.split(":")
    if size is not None and len(pieces) != size:
        return None
    return pieces


def amount(ctx: Context, minor: int, currency: str) -> str:
    """An amount in the reader's number format, for example "$1,250.00" or "1 250,00 $"."""
    return format_money(Money(minor, currency), ctx.language)


def price(ctx: Context, low: int, high: int, currency: str, kind: str) -> str:
    """A budget or rate range ("$20.00–$40.00 per hour"); one amount when both ends agree."""
    text = amount(ctx, low, currency) if low == high else (
        f"{amount(ctx, low, currency)}–{amount(ctx, high, currency)}")
    return ctx.t("{amount} per hour", amount=text) if kind == ProjectKind.HOURLY else text


def day(ctx: Context, value: date) -> str:
    """A date in the reader's format ("Mar 2, 2026", "2 мар. 2026 г.")."""
    return format_day(value, ctx.language)


def category_name(ctx: Context, code: str) -> str:
    """The translated name of a category code (the code itself if unknown)."""
    name = _CATEGORY_NAMES.get(code)
    return ctx.t(name) if name else code


def short(text: str, limit: int = 40) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def nav_row(ctx: Context, page: int, has_more: bool,
            data: Callable[[int], str]) -> list[Button]:
    """"◀ Back" / "More ▶" buttons around ``page`` (none when there is one page)."""
    row = []
    if page > 0:
        row.append(Button(ctx.t("◀ Back"), data=data(page - 1)))
    if has_more:
        row.append(Button(ctx.t("More ▶"), data=data(page + 1)))
    return row
