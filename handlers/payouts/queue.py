"""``/payouts_queue``: support confirms flagged payouts (PAY-03) and pays due ones by hand.

Dialog graph (support and admins only; anyone else gets "unknown command")::

    /payouts_queue -----------> flagged payouts and scheduled ones due today, each with the
                                method's full details, the holder and the legal name
        [poq:ok:<id>] --------> confirmed: scheduled for its business day; the owner is told
        [poq:no:<id>] --------> payouts.refuse --text (the reason)--> refused, money back
        [poq:sent:<id>] ------> payouts.reference --text--> paid (manual provider)
        [poq:fail:<id>] ------> payouts.fail --text (the reason)--> failed, money back

Every decision is written to the support audit log and told to the freelancer (outbox, in
their language).
"""

from __future__ import annotations

from core.accounts import User
from core.errors import N_
from core.money import format_money
from core.payouts import operations as ops
from core.payouts.model import Payout
from core.payouts.states import PayoutActor, PayoutState
from core.support import AuditAction, AuditEntry, is_staff
from handlers.context import Context
from handlers.contract import Action, Button, Incoming, Send, keyboard
from handlers.dispatch import UNKNOWN_COMMAND
from handlers.keyboards import NO_TEXT, callback_ints, callback_parts, stale, typed_text
from handlers.notify import notify
from handlers.payouts.views import KIND_NAMES, STATE_NAMES
from handlers.router import Router

__all__ = ["STATES", "router"]

router = Router()

REFUSE_STATE, REFERENCE_STATE, FAIL_STATE = ("payouts.refuse", "payouts.reference",
                                             "payouts.fail")
STATES: dict[str, tuple[str | None, ...]] = {
    REFUSE_STATE: (None, REFUSE_STATE),
    REFERENCE_STATE: (None, REFERENCE_STATE),
    FAIL_STATE: (None, FAIL_STATE),
}
CONFIRMED = N_("Support confirmed your payout #{id} of {amount}: it will be processed on "
               "{day}.")
REFUSED = N_("Support refused your payout #{id} of {amount}. The money is back in your "
             "available balance. Add a payout method in your own name (/payout_methods). "
             "Reason: {reason}")
PAID = N_("Your payout #{id} was sent: {amount} (reference {reference}).")
FAILED = N_("Your payout #{id} of {amount} failed. The money is back in your available "
            "balance. Reason: {reason}")


async def _card(ctx: Context, payout: Payout) -> tuple[str, list[Button]]:
    method = await ctx.uow.payouts.method(payout.method_id)
    profile = await ctx.uow.payouts.profile(payout.user_id)
    owner = await ctx.uow.users.get(payout.user_id)
    assert method is not None and owner is not None
    text = ctx.t("#{id} · {state} · {user} · {amount} (fee {fee}, send {arrives})\n"
                 "{kind}: {details}, holder {holder}; legal name {legal}",
                 id=payout.id, state=ctx.t(STATE_NAMES[payout.state]),
                 user=owner.display_name, amount=format_money(payout.amount, ctx.language),
                 fee=format_money(payout.fee, ctx.language),
                 arrives=format_money(payout.arrives, ctx.language),
                 kind=ctx.t(KIND_NAMES[method.kind]), details=method.details,
                 holder=method.holder, legal=profile.legal_name or "—")
    if payout.state is PayoutState.FLAGGED:
        buttons = [Button(ctx.t("Confirm #{id}", id=payout.id), data=f"poq:ok:{payout.id}"),
                   Button(ctx.t("Refuse #{id}", id=payout.id), data=f"poq:no:{payout.id}")]
    else:
        buttons = [Button(ctx.t("Sent #{id}", id=payout.id), data=f"poq:sent:{payout.id}"),
                   Button(ctx.t("Failed #{id}", id=payout.id), data=f"poq:fail:{payout.id}")]
    return text, buttons


@router.command("payouts_queue", admin=True)
async def command_payouts_queue(incoming: Incoming, ctx: Context) -> list[Action]:
    """Support only: flagged payouts and those due today, with the full details."""
    if not is_staff(ctx.user):
        return [Send(ctx.t(UNKNOWN_COMMAND))]
    flagged = await ctx.uow.payouts.in_states(frozenset({PayoutState.FLAGGED}))
    due = await ops.due_today(ctx.uow, ctx.now())
    if not flagged and not due:
        return [Send(ctx.t("No payouts are waiting for support."))]
    actions: list[Action] = [Send(ctx.t("Payouts waiting for support:"))]
    for payout in flagged + due:
        text, buttons = await _card(ctx, payout)
        actions.append(Send(text, keyboard=keyboard(buttons)))
    return actions


@router.callback("poq")
async def queue_button(incoming: Incoming, ctx: Context) -> list[Action]:
    """Confirm at once; refuse, sent and failed ask for the reason or the reference."""
    parts = callback_parts(incoming, "poq", 3)
    ids = callback_ints(parts[2:]) if parts else None
    if parts is None or ids is None or not is_staff(ctx.user):
        return stale(ctx)
    payout = await ops.load(ctx.uow, ids[0])
    if parts[1] == "ok":
        payout = await ops.confirm(ctx.uow, ctx.user, payout.id or 0, ctx.now())
        await _audit(ctx, payout, "confirmed the holder")
        await notify(ctx.uow, payout.user_id, CONFIRMED, dedupe_key=f"payout-ok:{payout.id}",
                     id=payout.id, amount=payout.amount, day=payout.process_on.isoformat())
        return [Send(ctx.t("Payout #{id} is now {state}.", id=payout.id,
                           state=ctx.t(STATE_NAMES[payout.state])))]
    states = {"no": REFUSE_STATE, "sent": REFERENCE_STATE, "fail": FAIL_STATE}
    if parts[1] not in states:
        return stale(ctx)
    await ctx.set_state(states[parts[1]], {"payout": payout.id})
    if parts[1] == "sent":
        return [Send(ctx.t("Type the reference of the transfer for payout #{id}.",
                           id=payout.id))]
    return [Send(ctx.t("Type the reason for payout #{id}; the freelancer will read it.",
                       id=payout.id))]


async def _audit(ctx: Context, payout: Payout, what: str) -> None:
    await ctx.uow.support.add_audit(AuditEntry(
        actor_id=ctx.user.id, action=AuditAction.PAYOUT, created_at=ctx.now(),
        reason=f"payout #{payout.id}: {what}", target_id=payout.user_id))


async def _decide(ctx: Context, staff: User, text: str) -> Payout:
    payout_id = int(ctx.draft["payout"])
    now = ctx.now()
    if ctx.state == REFUSE_STATE:
        payout = await ops.refuse(ctx.uow, staff, payout_id, text, now)
        await _audit(ctx, payout, f"refused: {text}")
        await notify(ctx.uow, payout.user_id, REFUSED, dedupe_key=f"payout-no:{payout.id}",
                     id=payout.id, amount=payout.amount, reason=text)
    elif ctx.state == REFERENCE_STATE:
        payout = await ops.mark_sent(ctx.uow, staff, payout_id, text, now)
        await _audit(ctx, payout, f"sent by hand, reference {text}")
        await notify(ctx.uow, payout.user_id, PAID, dedupe_key=f"payout-paid:{payout.id}",
                     id=payout.id, amount=payout.arrives, reference=text)
    else:
        payout = await ops.fail(ctx.uow, await ops.load(ctx.uow, payout_id), text, now,
                                PayoutActor.SUPPORT)
        await _audit(ctx, payout, f"failed: {text}")
        await notify(ctx.uow, payout.user_id, FAILED, dedupe_key=f"payout-fail:{payout.id}",
                     id=payout.id, amount=payout.amount, reason=text)
    return payout


@router.state(REFUSE_STATE, REFERENCE_STATE, FAIL_STATE)
async def process_decision(incoming: Incoming, ctx: Context) -> list[Action]:
    """Reads the reason or the reference and applies support's decision."""
    text = typed_text(incoming)
    if text is None or not text.strip():
        return [Send(ctx.t(NO_TEXT))]
    if not is_staff(ctx.user):
        await ctx.clear_state()
        return [Send(ctx.t(UNKNOWN_COMMAND))]
    payout = await _decide(ctx, ctx.user, " ".join(text.split())[:400])
    await ctx.clear_state()
    return [Send(ctx.t("Payout #{id} is now {state}.", id=payout.id,
                       state=ctx.t(STATE_NAMES[payout.state])))]
