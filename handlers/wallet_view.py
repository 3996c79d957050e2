"""The ``/wallet`` screen: balances, pending money with its dates, escrow, recent history.

Everything is written in the reader's language and number format (:func:`format_money` and
Babel's dates in the user's locale). The history merges the user's own accounts (the client
wallet, the expert's pending and available money) newest first, one line per transaction, and
pages back with ``wal:h:<before transaction id>`` buttons (``wal:h:0``: the newest page).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from babel.numbers import format_decimal

from core.errors import N_
from core.holds import pending_holds
from core.ledger import Account, AccountKind, Hold, Owner, StatementLine
from core.money import Money, format_money
from core.payouts.policy import current
from handlers.context import Context
from handlers.contract import Button, Keyboard, keyboard
from handlers.formats import day

__all__ = ["PAGE_SIZE", "TOP_UP_BUTTON", "history_page", "signed", "wallet_screen"]

PAGE_SIZE = 5
MAX_BEFORE_ID = 10**18
TOP_UP_BUTTON = N_("Top up")

KIND_LABELS: dict[str, str] = {
    "topup": N_("Top-up"),
    "escrow_fund": N_("Milestone funded"),
    "release": N_("Milestone payment (on hold)"),
    "refund": N_("Refund from escrow"),
    "hold_clear": N_("Became available"),
    "resolution": N_("Dispute decided by support"),  # a partial release: part paid, rest back
    "payout_request": N_("Payout requested"),
    "payout_back": N_("Payout back in your balance"),
}
OTHER_KIND = N_("Other transaction")
# When one transaction touches several of the user's accounts, the line shows the first here.
_PREFERENCE = (AccountKind.EXPERT_AVAILABLE, AccountKind.CLIENT_WALLET,
               AccountKind.EXPERT_PENDING)


def signed(money: Money, locale: str) -> str:
    """``+$50.00`` or ``−$20.00`` in the reader's format."""
    return ("−" if money.is_negative else "+") + format_money(abs(money), locale)


def _date(moment: datetime, ctx: Context) -> str:
    """A date in the reader's locale ("Jan 20, 2026", "20 янв. 2026 г.")."""
    return day(moment.date(), ctx.language)


def _amounts(values: Iterable[Money], ctx: Context) -> str:
    """Non-zero amounts joined ("$5.00, €3.00"); zero in the default currency if none."""
    shown = [format_money(v, ctx.language) for v in values if not v.is_zero]
    return ", ".join(shown) or format_money(Money.zero(ctx.settings.currency), ctx.language)


def _hold_line(hold: Hold, ctx: Context) -> str:
    """HOLD-04: a pending amount with its date, or why it has not cleared on its date."""
    amount, day = format_money(hold.amount, ctx.language), _date(hold.clears_at, ctx)
    if hold.is_overdue(ctx.now()):
        return ctx.t("• {amount}: was due on {date}; it is being cleared now.",
                     amount=amount, date=day)
    return ctx.t("• {amount}: available on {date}", amount=amount, date=day)


async def wallet_screen(ctx: Context, before_id: int = 0) -> tuple[str, Keyboard]:
    """The wallet message and its buttons, with the history page older than ``before_id``."""
    owner = Owner.user(ctx.user.id)
    accounts = await ctx.uow.ledger.accounts.of_owner(owner)
    holds = await pending_holds(ctx.uow, ctx.user.id)
    escrow = await ctx.uow.payments.escrow_of_client(ctx.user.id)

    def balances(kind: AccountKind) -> list[Money]:
        return [a.balance for a in accounts if a.ref.kind is kind]

    def accounts_of(kind: AccountKind) -> list[Account]:
        return [a for a in accounts if a.ref.kind is kind]

    lines = [ctx.t("Your wallet"),
             ctx.t("Balance: {amount}", amount=_amounts(balances(AccountKind.CLIENT_WALLET),
                                                        ctx))]
    available = balances(AccountKind.EXPERT_AVAILABLE)
    if any(not v.is_zero for v in available):
        lines.append(ctx.t("Earnings available: {amount}", amount=_amounts(available, ctx)))
    lines.append(ctx.t("Pending: {amount}",
                       amount=_amounts(balances(AccountKind.EXPERT_PENDING), ctx)))
    lines += [_hold_line(hold, ctx) for hold in holds]
    lines.append(ctx.t("In escrow: {amount}", amount=_amounts(escrow, ctx)))
    in_flight = balances(AccountKind.PAYOUT_IN_FLIGHT)
    if any(not v.is_zero for v in in_flight):
        lines.append(ctx.t("Payouts on the way: {amount}", amount=_amounts(in_flight, ctx)))
    percent = current().fee_percent
    if percent and (accounts_of(AccountKind.EXPERT_PENDING) or available):
        lines.append(ctx.t("Service fee: {percent}% of every payment released to you.",
                           percent=format_decimal(percent, locale=ctx.language)))
    page, older = await history_page(ctx, accounts, before_id)
    lines += ["", ctx.t("Recent transactions:") if page else ctx.t("No transactions yet.")]
    lines += [ctx.t("{date} · {what} · {amount}", date=_date(line.created_at, ctx),
                    what=ctx.t(KIND_LABELS.get(line.kind, OTHER_KIND)),
                    amount=signed(line.amount, ctx.language)) for line in page]
    paging = []
    if before_id:
        paging.append(Button(ctx.t("« Latest"), data="wal:h:0"))
    if older is not None:
        paging.append(Button(ctx.t("Older »"), data=f"wal:h:{older}"))
    return "\n".join(lines), keyboard([Button(ctx.t(TOP_UP_BUTTON), data="wal:top")], paging)


async def history_page(ctx: Context, accounts: list[Account],
                       before_id: int = 0) -> tuple[list[StatementLine], int | None]:
    """Up to :data:`PAGE_SIZE` transactions older than ``before_id``; the next page's key."""
    mine = [a for a in accounts if a.ref.kind in _PREFERENCE]
    by_transaction: dict[int, tuple[int, StatementLine]] = {}
    for account in mine:
        rank = _PREFERENCE.index(account.ref.kind)
        for line in await ctx.uow.ledger.history(account.ref, limit=PAGE_SIZE + 1,
                                                 before_id=before_id or None):
            known = by_transaction.get(line.transaction_id)
            if known is None or rank < known[0]:
                by_transaction[line.transaction_id] = (rank, line)
    merged = [line for _, line in sorted(by_transaction.values(),
                                         key=lambda item: -item[1].transaction_id)]
    page = merged[:PAGE_SIZE]
    return page, (page[-1].transaction_id if len(merged) > PAGE_SIZE else None)
