"""How payouts and payout methods read: names of kinds and states, lines, dates."""

from __future__ import annotations

from core.errors import N_
from core.money import format_money
from core.payouts.calendar import format_day, format_instant
from core.payouts.methods import MethodKind, PayoutMethod
from core.payouts.model import Payout, PayoutProfile
from core.payouts.states import PayoutState
from handlers.context import Context
from handlers.menu import COMMANDS, may_use

__all__ = ["KIND_NAMES", "NOT_A_FREELANCER", "STATE_NAMES", "hold_line", "in_menu", "method_line",
           "payout_line"]

#: ACC-01: what the payout commands answer a user who is not a freelancer (as /applications).
NOT_A_FREELANCER = N_("Payouts are for freelancers. Add the freelancer role in /profile to get "
                      "paid.")

KIND_NAMES: dict[MethodKind, str] = {
    MethodKind.PAYPAL: N_("PayPal"),
    MethodKind.PAYONEER: N_("Payoneer"),
    MethodKind.WIRE: N_("Wire transfer"),
    MethodKind.INTERAC: N_("Interac e-Transfer"),
}
STATE_NAMES: dict[PayoutState, str] = {
    PayoutState.REQUESTED: N_("requested"),
    PayoutState.SCHEDULED: N_("scheduled"),
    PayoutState.FLAGGED: N_("waiting for support"),
    PayoutState.SENT: N_("sent"),
    PayoutState.PAID: N_("paid"),
    PayoutState.FAILED: N_("failed"),
    PayoutState.RETURNED: N_("returned"),
    PayoutState.CANCELLED: N_("cancelled"),
}


def method_line(ctx: Context, method: PayoutMethod) -> str:
    """``• PayPal: p***@example.com (holder Boris Ivanov)``: always masked."""
    return ctx.t("• {kind}: {details} (holder {holder})", kind=ctx.t(KIND_NAMES[method.kind]),
                 details=method.masked, holder=method.holder)


def hold_line(ctx: Context, profile: PayoutProfile) -> str | None:
    """HOLD-02: the hold's end, while it runs."""
    if not profile.on_hold(ctx.now()):
        return None
    assert profile.hold_until is not None
    return ctx.t("Payouts are on a security hold until {until}.",
                 until=format_instant(profile.hold_until, ctx.language))


def payout_line(ctx: Context, payout: Payout) -> str:
    """One payout in ``/payouts``: number, state, amount, fee, method (masked) and dates."""
    line = ctx.t("#{id} · {state} · {amount} (fee {fee}) · {kind} {details}\n"
                 "requested {requested}, processed on {day}",
                 id=payout.id, state=ctx.t(STATE_NAMES[payout.state]),
                 amount=format_money(payout.amount, ctx.language),
                 fee=format_money(payout.fee, ctx.language),
                 kind=ctx.t(KIND_NAMES[payout.method_kind]), details=payout.method_masked,
                 requested=format_instant(payout.requested_at, ctx.language),
                 day=format_day(payout.process_on, ctx.language))
    if payout.reason:
        line += "\n" + ctx.t("Reason: {reason}", reason=payout.reason)
    return line


def in_menu(ctx: Context, name: str) -> bool:
    """ACC-01/ACC-02: whether ``/name`` is in the user's menu, so a reply may point at it (a
    suspended user is not sent to a command that acts)."""
    return any(c.name == name and may_use(c, ctx.user.roles, ctx.user.is_suspended)
               for c in COMMANDS)
