"""``/verify_email``: prove the profile's e-mail with a 6-digit code (RAT-01 +20).

Dialog graph::

    /verify_email or [em:send] --code queued--> email.code --6 digits--> verified, +20
                                                   |--wrong--> email.code (attempts left)
                                                   |--expired/used up--> out, /verify_email

The code e-mail is queued in this update's transaction and sent by ``bot.mail`` after the
commit (see :mod:`core.email_verification`), in the user's language.
"""

from __future__ import annotations

from collections.abc import Callable

from core.email_verification import CODE_TTL, Outcome, live_code, request_code, verify_code
from core.errors import N_, Conflict, InvalidInput
from handlers.context import Context
from handlers.contract import Action, Button, Incoming, Send, keyboard
from handlers.keyboards import callback_parts, stale, typed_text
from handlers.router import Router

__all__ = ["CODE_STATE", "command_verify_email", "process_code", "router", "verify_button"]

router = Router()

CODE_STATE = "email.code"
ASK_CODE = N_("Type the 6-digit code from the e-mail, or send /cancel.")
TRY_AGAIN = N_("Send /verify_email to get a new code.")


def verify_button(ctx: Context) -> Button:
    """The "Verify e-mail" button other screens (the profile card) may show."""
    return Button(ctx.t("Verify e-mail"), data="em:send")


def _render(ctx: Context) -> Callable[[str], tuple[str, str]]:
    """The code e-mail, in the user's language."""

    def render(code: str) -> tuple[str, str]:
        subject = ctx.t("Your verification code: {code}", code=code)
        body = "\n\n".join([
            ctx.t("Hello!"),
            ctx.t("Your code to verify this e-mail in the marketplace bot: {code}", code=code),
            ctx.tn("It is valid for {n} minute.", "It is valid for {n} minutes.",
                   int(CODE_TTL.total_seconds() // 60)),
            ctx.t("If you did not ask for it, ignore this e-mail."),
        ])
        return subject, body

    return render


async def _send_code(ctx: Context) -> list[Action]:
    """Queue a code e-mail and wait for the code (or for the one sent, if asked again too soon)."""
    try:
        await request_code(ctx.uow, ctx.user, ctx.now(), _render(ctx))
    except Conflict as refused:
        if await live_code(ctx.uow, ctx.user, ctx.now()) is None:
            raise
        await ctx.set_state(CODE_STATE, {})
        return [Send("\n".join([
            ctx.t(refused.message, **refused.params),
            ctx.t("You can type the code we already sent to {email}.", email=ctx.user.email),
        ]))]
    await ctx.set_state(CODE_STATE, {})
    return [Send("\n".join([
        ctx.t("We sent a 6-digit code to {email}.", email=ctx.user.email),
        ctx.t(ASK_CODE),
    ]), keyboard=keyboard([Button(ctx.t("Send a new code"), data="em:send")]))]


@router.command("verify_email")
async def command_verify_email(incoming: Incoming, ctx: Context) -> list[Action]:
    """Sends a code to the profile's e-mail (rate-limited) and waits for it."""
    return await _send_code(ctx)


@router.callback("em")
async def email_button(incoming: Incoming, ctx: Context) -> list[Action]:
    """``em:send``: the same as /verify_email."""
    if callback_parts(incoming, "em", 2) != ["em", "send"]:
        return stale(ctx)
    return await _send_code(ctx)


@router.state(CODE_STATE)
async def process_code(incoming: Incoming, ctx: Context) -> list[Action]:
    """Checks the typed code; a wrong one uses up an attempt, a malformed one does not."""
    text = typed_text(incoming)
    if text is None:
        return [Send(ctx.t(ASK_CODE))]
    try:
        result = await verify_code(ctx.uow, ctx.user, text, ctx.now())
    except InvalidInput as err:
        return [Send(f"{ctx.t(err.message, **err.params)}\n{ctx.t(ASK_CODE)}")]
    if result.outcome is Outcome.WRONG:
        return [Send(ctx.tn("That code is wrong. {n} attempt left.",
                            "That code is wrong. {n} attempts left.", result.attempts_left))]
    await ctx.clear_state()
    if result.outcome is Outcome.VERIFIED and result.points:
        return [Send(ctx.tn("Your e-mail is verified: +{n} rating point.",
                            "Your e-mail is verified: +{n} rating points.", result.points))]
    if result.outcome is Outcome.VERIFIED:
        return [Send(ctx.t("Your e-mail is verified."))]
    reason = {
        Outcome.EXPIRED: N_("This code has expired."),
        Outcome.EXHAUSTED: N_("Too many wrong attempts for this code."),
        Outcome.NO_CODE: N_("There is no code waiting for your current e-mail."),
    }[result.outcome]
    return [Send(f"{ctx.t(reason)} {ctx.t(TRY_AGAIN)}",
                 keyboard=keyboard([Button(ctx.t("Send a new code"), data="em:send")]))]
