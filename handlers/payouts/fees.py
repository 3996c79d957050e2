"""``/fees [weeks]`` (support and admins): the service fees taken per week and in total.

``/fees`` shows the last 8 weeks (this one included), ``/fees 26`` the last 26; amounts and
dates in the reader's locale.
"""

from __future__ import annotations

from babel.dates import format_date

from core.money import Money, format_money
from core.payouts.income import fees_report
from core.support import is_staff
from handlers.context import Context
from handlers.contract import Action, Command, Incoming, Send
from handlers.dispatch import UNKNOWN_COMMAND
from handlers.router import Router

__all__ = ["command_fees", "router"]

router = Router()
DEFAULT_WEEKS = 8


def _amounts(ctx: Context, values: list[Money]) -> str:
    return ", ".join(format_money(v, ctx.language) for v in values) or format_money(
        Money.zero(ctx.settings.currency), ctx.language)


@router.command("fees", admin=True)
async def command_fees(incoming: Incoming, ctx: Context) -> list[Action]:
    """Staff only: fees per week, newest first, the period's total and the all-time total."""
    if not is_staff(ctx.user):
        return [Send(ctx.t(UNKNOWN_COMMAND))]
    args = incoming.event.args.strip() if isinstance(incoming.event, Command) else ""
    weeks = int(args) if args.isdigit() and args.isascii() else DEFAULT_WEEKS
    report = await fees_report(ctx.uow, ctx.user, ctx.now(), weeks)
    lines = [ctx.t("Service fees taken, week by week:")]
    lines += [ctx.t("Week of {day}: {amount}",
                    day=format_date(day, format="medium", locale=ctx.language),
                    amount=_amounts(ctx, amounts)) for day, amounts in report.weeks]
    lines += ["", ctx.t("In these weeks: {amount}", amount=_amounts(ctx, report.period_total)),
              ctx.t("All time: {amount}", amount=_amounts(ctx, report.all_time))]
    return [Send("\n".join(lines))]
