"""What the bot says to anything no other handler takes.

Free text or a file outside a dialog, a sticker or voice note, or anything unusable in the
middle of a dialog: a short translated answer that says what to do instead. Unknown commands
and stale buttons are answered by :class:`handlers.dispatch.Dispatcher` itself.
"""

from __future__ import annotations

from handlers.context import Context
from handlers.contract import Action, FileUpload, Incoming, Send, Text
from handlers.router import Router

__all__ = ["fallback", "router"]

router = Router()


@router.on("fallback")
async def fallback(incoming: Incoming, ctx: Context) -> list[Action]:
    """Explains what the bot expects instead; changes nothing."""
    event = incoming.event
    if ctx.state is not None:
        text = ctx.t("I can't use that here. Please answer the question above, "
                     "or send /cancel to stop.")
    elif not ctx.user.is_onboarded:
        text = ctx.t("Hello! Send /start to sign up.")
    elif isinstance(event, Text):
        text = ctx.t("I understand commands and buttons. Send /help to see what you can do.")
    elif isinstance(event, FileUpload):
        text = ctx.t("I wasn't expecting a file. Send /help to see what you can do.")
    else:
        text = ctx.t("I can't handle this kind of message. Please use text, commands and "
                     "buttons; /help lists them.")
    return [Send(text)]
