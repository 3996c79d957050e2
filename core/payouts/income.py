"""The platform's income (FEE-01, PAY-06): the service fees taken, per week and in total."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from core.accounts import User
from core.errors import N_, Forbidden
from core.money import Money
from core.ports import UnitOfWork
from core.support import is_staff

__all__ = ["FeesReport", "fees_report", "week_start"]

MAX_WEEKS = 520


@dataclass(frozen=True, slots=True)
class FeesReport:
    """Fees per week (Monday first, newest first) over the period, and the totals."""

    weeks: list[tuple[date, list[Money]]]
    period_total: list[Money]
    all_time: list[Money]


def week_start(moment: datetime) -> date:
    """The Monday (UTC) of the week ``moment`` falls in."""
    day = moment.astimezone(UTC).date()
    return day - timedelta(days=day.weekday())


def _sums(amounts: list[Money]) -> list[Money]:
    totals: dict[str, int] = defaultdict(int)
    for amount in amounts:
        totals[amount.currency] += amount.minor
    return [Money(minor, currency) for currency, minor in sorted(totals.items()) if minor]


async def fees_report(uow: UnitOfWork, actor: User, now: datetime,
                      weeks: int = 8) -> FeesReport:
    """Staff only: the fees of the last ``weeks`` weeks (this one included) and all time."""
    if not is_staff(actor):
        raise Forbidden(N_("Only support can do this."))
    weeks = max(1, min(weeks, MAX_WEEKS))
    first = week_start(now) - timedelta(weeks=weeks - 1)
    since = datetime.combine(first, time.min, tzinfo=UTC)
    rows = await uow.payouts.fee_postings(None)
    by_week: dict[date, list[Money]] = defaultdict(list)
    for at, amount in rows:
        if at >= since:
            by_week[week_start(at)].append(amount)
    listed = [(first + timedelta(weeks=n), _sums(by_week.get(first + timedelta(weeks=n), [])))
              for n in range(weeks)]
    period = [a for _, amounts in by_week.items() for a in amounts]
    return FeesReport(weeks=listed[::-1], period_total=_sums(period),
                      all_time=_sums([amount for _, amount in rows]))
