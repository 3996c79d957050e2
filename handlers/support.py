"""Support commands (ACC-02..04): roles, suspension, fraud reports.

Staff commands are registered with the role they need (``admin=True``: support and admins;
``role=Role.ADMIN``: admins only), so the dispatcher answers anyone else with one refusal that
names the role; the services check the role again, so forged arguments change nothing. The
affected user's command menu is set again after each of these (:func:`handlers.menu.user_menu`)::

    /grant_support <user> [why]    /revoke_support <user> [why]       (admins)
    /suspend <user> <reason>       /reinstate <user> [why]            (support, admins)
    /report <user> <reason>        (anyone, also a suspended user: a fraud report, ACC-04)
    /report                        the people one talked to, each with a Report button
    /appeal [why]                  (a suspended user: ask support to review it, ACC-02)

``<user>`` is a numeric Telegram id or an @username. The affected user is told in their own
language. A profile's Report button (:func:`report_user_button`, ``rpt:<user>``) asks for the
reason of a fraud report. The suspension notice carries an Appeal button (``apl:w``) that asks
for the appeal's reason, as ``/appeal`` without one does. The queue and the audit log are in
:mod:`handlers.support_queue`.

Dialog graph::

    [rpt:<user>] or /report then [rpt:<user>] --> support.fraud --text--> queued (FRAUD)
    /appeal or [apl:w] --> support.appeal --text--> queued (APPEAL); /appeal <why> at once
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from core.accounts import Role, User
from core.errors import N_
from core.ports import UnitOfWork
from core.services.relay import threads
from core.services.support import (
    appeal,
    ensure_may_appeal,
    find_user,
    grant_support,
    reinstate,
    report_user,
    revoke_support,
    suspend,
)
from handlers.context import Context
from handlers.contract import Action, Button, Incoming, Keyboard, Send, keyboard
from handlers.keyboards import callback_ints, callback_parts, stale, typed_text
from handlers.market_format import short
from handlers.menu import user_menu
from handlers.notify import notify
from handlers.router import Router

__all__ = ["APPEAL_STATE", "FRAUD_STATE", "SUSPENDED_NOTICE", "appeal_keyboard",
           "describe_user", "report_user_button", "router"]

router = Router()

FRAUD_STATE = "support.fraud"
APPEAL_STATE = "support.appeal"
SUSPENDED_NOTICE = N_("Your account is suspended: you can still read, report fraud and appeal, "
                      "but not act. If you think this is a mistake, press Appeal or send "
                      "/appeal. Reason: {reason}")
APPEAL_SENT = N_("Your appeal reached support. They will answer you here.")
REPORT_HOW = N_("Whom do you want to report? Press Report on their profile card or under a "
                "message they sent you, or send /report <user id or @username> <what "
                "happened>.")
REPORT_PEOPLE = 8  # people one talked to, offered by /report
#: A support service taking (uow, actor, target, why, now).
StaffAction = Callable[[UnitOfWork, User, User, str, datetime], Awaitable[None]]


def describe_user(user: User) -> str:
    """A user as staff see them: name, id and username."""
    name = user.display_name
    handle = f", @{user.username}" if user.username and name != f"@{user.username}" else ""
    return f"{name} (id {user.id}{handle})"


def report_user_button(ctx: Context, user_id: int) -> Button:
    """A "Report" button for profile cards: reports ``user_id`` for fraud (ACC-04)."""
    return Button(ctx.t("Report"), data=f"rpt:{user_id}")


def _split(incoming: Incoming) -> tuple[str, str]:
    """The first argument (who) and the rest (why) of a command, split at any whitespace (staff
    often type the reason on a new line)."""
    words = [*getattr(incoming.event, "args", "").split(maxsplit=1), "", ""]
    return words[0], words[1].strip()


def appeal_keyboard() -> Keyboard:
    """The Appeal button of the suspension notice (its label a msgid, as notify wants)."""
    return keyboard([Button(N_("Appeal"), data="apl:w")])


async def _staff_action(incoming: Incoming, ctx: Context, action: StaffAction, usage: str,
                        done: str, notice: str, *, needs_reason: bool,
                        notice_keyboard: Keyboard | None = None) -> list[Action]:
    """Parse ``<user> [reason]``, run ``action``, tell the actor and the target."""
    who, why = _split(incoming)
    if not who or (needs_reason and not why):
        return [Send(ctx.t(usage))]
    target = await find_user(ctx.uow, who)
    await action(ctx.uow, ctx.user, target, why, ctx.now())
    await notify(ctx.uow, target.id, notice, keyboard=notice_keyboard,
                 reason=target.suspended_reason or why)
    return [Send(ctx.t(done, name=describe_user(target))),
            user_menu(target, ctx.settings.default_language)]


@router.command("grant_support", role=Role.ADMIN)
async def command_grant_support(incoming: Incoming, ctx: Context) -> list[Action]:
    """An admin gives a user the support role (audited)."""
    return await _staff_action(
        incoming, ctx, grant_support, N_("Usage: /grant_support <user id or @username> [why]"),
        N_("{name} now has the support role."),
        N_("You now have the support role. Send /queue to see reports and flags."),
        needs_reason=False)


@router.command("revoke_support", role=Role.ADMIN)
async def command_revoke_support(incoming: Incoming, ctx: Context) -> list[Action]:
    """An admin takes the support role away (audited)."""
    return await _staff_action(
        incoming, ctx, revoke_support,
        N_("Usage: /revoke_support <user id or @username> [why]"),
        N_("{name} no longer has the support role."),
        N_("Your support role was removed."), needs_reason=False)


@router.command("suspend", admin=True)
async def command_suspend(incoming: Incoming, ctx: Context) -> list[Action]:
    """Support suspends a user with a reason (ACC-02, audited)."""

    async def action(uow: UnitOfWork, actor: User, target: User, why: str,
                     now: datetime) -> None:
        await suspend(uow, actor, target, why, now, ctx.settings.admin_ids)

    return await _staff_action(
        incoming, ctx, action, N_("Usage: /suspend <user id or @username> <reason>"),
        N_("{name} is suspended."), SUSPENDED_NOTICE, needs_reason=True,
        notice_keyboard=appeal_keyboard())


@router.command("reinstate", admin=True)
async def command_reinstate(incoming: Incoming, ctx: Context) -> list[Action]:
    """Support lifts a suspension (audited)."""

    async def action(uow: UnitOfWork, actor: User, target: User, why: str,
                     now: datetime) -> None:
        await reinstate(uow, actor, target, why, now, ctx.settings.admin_ids)

    return await _staff_action(
        incoming, ctx, action, N_("Usage: /reinstate <user id or @username> [why]"),
        N_("{name} is reinstated."), N_("Your account is active again."), needs_reason=False)


@router.command("report")
async def command_report(incoming: Incoming, ctx: Context) -> list[Action]:
    """ACC-04: anyone reports a user for fraud; it reaches the support queue.

    Without arguments it offers a Report button for each person the user talked to, since few
    people know an id or a username.
    """
    who, why = _split(incoming)
    if not who:
        found = await threads(ctx.uow, ctx.user, 0, REPORT_PEOPLE)
        rows = []
        for thread in found.items:
            other = await ctx.uow.users.get(thread.other(ctx.user.id))
            if other is not None:
                rows.append([Button(ctx.t("Report {name}", name=short(other.display_name, 40)),
                                    data=f"rpt:{other.id}")])
        return [Send(ctx.t(REPORT_HOW), keyboard=keyboard(*rows))]
    if not why:
        return [Send(ctx.t("Usage: /report <user id or @username> <what happened>"))]
    target = await find_user(ctx.uow, who)
    await report_user(ctx.uow, ctx.user, target, why, ctx.now())
    return [Send(ctx.t("Thank you. Your report reached support."))]


@router.callback("rpt")
async def report_button(incoming: Incoming, ctx: Context) -> list[Action]:
    """``rpt:<user>``: asks why the user is being reported."""
    parts = callback_parts(incoming, "rpt", 2)
    ids = callback_ints(parts[1:]) if parts else None
    if not ids:
        return stale(ctx)
    target = await find_user(ctx.uow, str(ids[0]))
    if target.id == ctx.user.id:
        return stale(ctx)
    await ctx.set_state(FRAUD_STATE, {"user": target.id})
    return [Send(ctx.t("What happened with {name}? Type it in a few words, or send /cancel.",
                       name=target.display_name))]


@router.state(FRAUD_STATE)
async def process_fraud_reason(incoming: Incoming, ctx: Context) -> list[Action]:
    """The typed reason of a fraud report from a profile's Report button."""
    text = typed_text(incoming)
    target_id = ctx.draft.get("user")
    if text is None or not isinstance(target_id, int):
        return [Send(ctx.t("Please type what happened, or send /cancel."))]
    target = await find_user(ctx.uow, str(target_id))
    await report_user(ctx.uow, ctx.user, target, text, ctx.now())
    await ctx.clear_state()
    return [Send(ctx.t("Thank you. Your report reached support."))]



async def _ask_appeal(ctx: Context) -> list[Action]:
    """Checks an appeal may be made now, then asks for its reason."""
    await ensure_may_appeal(ctx.uow, ctx.user)
    await ctx.set_state(APPEAL_STATE, {})
    return [Send(ctx.t("Tell support in a few words why your suspension should be lifted, or "
                       "send /cancel."))]


@router.command("appeal")
async def command_appeal(incoming: Incoming, ctx: Context) -> list[Action]:
    """ACC-02: a suspended user appeals; ``/appeal <why>`` at once, else the reason is asked."""
    why = getattr(incoming.event, "args", "").strip()
    if not why:
        return await _ask_appeal(ctx)
    await appeal(ctx.uow, ctx.user, why, ctx.now())
    return [Send(ctx.t(APPEAL_SENT))]


@router.callback("apl")
async def appeal_button(incoming: Incoming, ctx: Context) -> list[Action]:
    """``apl:w``: the suspension notice's Appeal button asks for the reason."""
    if callback_parts(incoming, "apl", 2) != ["apl", "w"]:
        return stale(ctx)
    return await _ask_appeal(ctx)


@router.state(APPEAL_STATE)
async def process_appeal(incoming: Incoming, ctx: Context) -> list[Action]:
    """The typed reason of the appeal; it reaches the support queue."""
    text = typed_text(incoming)
    if text is None:
        return [Send(ctx.t("Please type why, or send /cancel."))]
    await appeal(ctx.uow, ctx.user, text, ctx.now())
    await ctx.clear_state()
    return [Send(ctx.t(APPEAL_SENT))]
