"""``/cancel``: leave any dialog; its draft is dropped, so nothing half-done is kept.

The rule every dialog follows: a draft lives only in the dialog state and is written to the
marketplace only when its step is complete. Sign-up saves each answer as it is given (each is
complete on its own), so cancelling sign-up keeps the answers so far and ``/start`` resumes.
"""

from __future__ import annotations

from handlers.context import Context
from handlers.contract import Action, Incoming, Send
from handlers.router import Router

__all__ = ["command_cancel", "router"]

router = Router()


@router.command("cancel")
async def command_cancel(incoming: Incoming, ctx: Context) -> list[Action]:
    """Clears the dialog state and its draft; outside a dialog says there is nothing to cancel."""
    if ctx.state is None:
        return [Send(ctx.t("Nothing to cancel. Send /help to see what you can do."))]
    signing_up = ctx.state.startswith("start.")
    await ctx.clear_state()
    if signing_up:
        return [Send(ctx.t("Sign-up paused; the answers you gave are saved. "
                           "Send /start to continue."))]
    return [Send(ctx.t("Cancelled. Nothing was changed."))]
