"""``/language``: pick the language with buttons (``lang:<code>``) and get the answer in it.

Choosing a language is allowed at any time, also to suspended users (reading is not acting).
A forged or unknown code changes nothing and gets "This button is no longer valid".
"""

from __future__ import annotations

from core.services.accounts import choose_language, parse_language
from handlers.context import Context
from handlers.contract import Action, AnswerCallback, Edit, Incoming, Send
from handlers.keyboards import callback_parts, language_keyboard, stale
from handlers.router import Router
from locales import LANGUAGE_NAMES

__all__ = ["command_language", "language_picker", "pick_language", "router"]

router = Router()


def language_picker(ctx: Context) -> Send:
    """The message with one button per language, the current one ticked."""
    return Send(ctx.t("Choose your language:"), keyboard=language_keyboard("lang", ctx.language))


@router.command("language")
async def command_language(incoming: Incoming, ctx: Context) -> list[Action]:
    """Shows the language buttons; nothing changes until one is pressed."""
    return [language_picker(ctx)]


@router.callback("lang")
async def pick_language(incoming: Incoming, ctx: Context) -> list[Action]:
    """Stores the pressed language and confirms in that language."""
    parts = callback_parts(incoming, "lang", 2)
    code = parse_language(parts[1]) if parts else None
    if code is None:
        return stale(ctx)
    await choose_language(ctx.uow, ctx.user, code)
    ctx.retranslate(code)
    text = ctx.t("Language set: {language}.", language=LANGUAGE_NAMES[code])
    return [AnswerCallback(text), Edit(text)]
