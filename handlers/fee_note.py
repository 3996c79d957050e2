"""FEE-01: the one line that shows a payer the service fee before they pay: gross, fee, net.

Used on the milestone card (before funding and before a release), the release confirmation,
the milestone funding invoice and the bonus invoice. Nothing is said when the fee is off (0%).
"""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_decimal

from core.errors import N_
from core.money import Money, format_money
from core.payouts.fees import split_fee
from core.payouts.policy import current
from handlers.context import Context

__all__ = ["FEE_NOTE", "fee_note"]

FEE_NOTE = N_("Service fee {percent}% of {gross}: {fee}; the freelancer keeps {net}.")


def fee_note(ctx: Context, gross: Money, percent: Decimal | None = None) -> str | None:
    """The fee line for ``gross`` in the reader's language, or None when no fee is kept."""
    percent = current().fee_percent if percent is None else percent
    if not percent or not gross.is_positive:
        return None
    split = split_fee(gross, percent)
    return ctx.t(FEE_NOTE, percent=format_decimal(percent, locale=ctx.language),
                 gross=format_money(gross, ctx.language),
                 fee=format_money(split.fee, ctx.language),
                 net=format_money(split.net, ctx.language))
