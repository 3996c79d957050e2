"""Reading relayed messages: ``/messages`` (threads), a thread's history, a relayed file.

Callback data: ``th:l:<page>`` lists threads, ``th:t:<thread>:<page>`` shows a page of a
thread (page 0 holds the newest messages), ``th:f:<message>`` sends a relayed document or
photo by its Telegram file id. Only the thread's two participants get anything; reading is
allowed to suspended users too (ACC-02). The sender sees their own words, the recipient what
was delivered (masked before a contract, MSG-03).
"""

from __future__ import annotations

from core.messages import Message, MessageKind
from core.services.relay import message_for, thread_messages, threads
from handlers.context import Context
from handlers.contract import (
    Action,
    Button,
    Callback,
    Edit,
    Incoming,
    Send,
    SendDocument,
    SendPhoto,
    keyboard,
)
from handlers.formats import day, moment
from handlers.keyboards import callback_ints, stale
from handlers.router import Router
from handlers.support import report_user_button

__all__ = ["command_messages", "router"]

router = Router()

THREADS_PER_PAGE = 8
MESSAGES_PER_PAGE = 10
SNIPPET = 300
# A history line holds a name (up to 129 characters), a file name and a snippet; ten of them
# and the title must stay within Telegram's 4096 characters.
LINE_MAX = 380
FILE_NAME_MAX = 60
CAPTION_MAX = 1024
MAX_PAGE = 10_000  # a forged page number beyond this is stale, not a slow query


def _when(ctx: Context, message: Message) -> str:
    return moment(message.created_at, ctx.language)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def _name(ctx: Context, user_id: int) -> str:
    user = await ctx.uow.users.get(user_id)
    return user.display_name if user else str(user_id)


def _reply(incoming: Incoming, text: str, buttons: list[list[Button]]) -> Action:
    """Edit the pressed message when a button was pressed, else send a new one."""
    board = keyboard(*buttons)
    if isinstance(incoming.event, Callback):
        return Edit(text, keyboard=board)
    return Send(text, keyboard=board)


async def _thread_list(incoming: Incoming, ctx: Context, page: int) -> list[Action]:
    """A page of the user's threads, the most recently active first."""
    found = await threads(ctx.uow, ctx.user, page, THREADS_PER_PAGE)
    if not found.items and page == 0:
        return [_reply(incoming, ctx.t("You have no conversations yet. Write to someone with "
                                       "the Message button on their profile or application."),
                       [])]
    rows = []
    for thread in found.items:
        other = await _name(ctx, thread.other(ctx.user.id))
        when = day((thread.last_message_at or thread.created_at).date(), ctx.language)
        rows.append([Button(f"{other} · {when}", data=f"th:t:{thread.id}:0")])
    rows.append(_nav(ctx, "th:l", page, found.has_more))
    return [_reply(incoming, ctx.t("Your conversations (page {page}):", page=page + 1), rows)]


def _nav(ctx: Context, prefix: str, page: int, has_more: bool, *,
         older: bool = False) -> list[Button]:
    """Previous/next buttons (for a history, "next" goes to older messages)."""
    buttons = []
    if page > 0:
        label = ctx.t("Newer ›") if older else ctx.t("‹ Previous")
        buttons.append(Button(label, data=f"{prefix}:{page - 1}"))
    if has_more:
        label = ctx.t("‹ Older") if older else ctx.t("Next ›")
        buttons.append(Button(label, data=f"{prefix}:{page + 1}"))
    return buttons


def _line(ctx: Context, message: Message, author: str) -> str:
    """One message of a history, as its reader may see it."""
    text = _cut(message.text_for(ctx.user.id), SNIPPET)
    if message.kind is MessageKind.DOCUMENT:
        name = _cut(message.file_name_for(ctx.user.id) or ctx.t("file"), FILE_NAME_MAX)
        text = f"📎 {name} {text}".rstrip()
    elif message.kind is MessageKind.PHOTO:
        text = f"🖼 {text}".rstrip()
    return _cut(f"[{_when(ctx, message)}] {author}: {text}", LINE_MAX)


async def _history(incoming: Incoming, ctx: Context, thread_id: int,
                   page: int) -> list[Action]:
    """A page of one thread, oldest message of the page first."""
    thread, found = await thread_messages(ctx.uow, ctx.user, thread_id, page,
                                          MESSAGES_PER_PAGE)
    other = await _name(ctx, thread.other(ctx.user.id))
    you = ctx.t("You")
    lines = [ctx.t("Conversation with {name}", name=other), ""]
    lines += [_line(ctx, m, you if m.sender_id == ctx.user.id else other)
              for m in reversed(found.items)]
    if not found.items:
        lines.append(ctx.t("No messages here yet."))
    photo = ctx.t("photo")
    files = [[Button(f"📎 {_cut(m.file_name_for(ctx.user.id) or photo, 40)}",
                     data=f"th:f:{m.id}")]
             for m in reversed(found.items) if m.file_id]
    rows = [*files, _nav(ctx, f"th:t:{thread.id}", page, found.has_more, older=True),
            [Button(ctx.t("Write"), data=f"msg:w:{thread.id}"),
             report_user_button(ctx, thread.other(ctx.user.id)),
             Button(ctx.t("All conversations"), data="th:l:0")]]
    return [_reply(incoming, "\n".join(lines), rows)]


async def _open_file(ctx: Context, message_id: int) -> list[Action]:
    """Sends a relayed document or photo to a participant, by its file id."""
    message, _thread = await message_for(ctx.uow, ctx.user, message_id)
    if message.file_id is None:
        return stale(ctx)
    caption = _cut(message.text_for(ctx.user.id), CAPTION_MAX) or None
    if message.kind is MessageKind.PHOTO:
        return [SendPhoto(message.file_id, caption=caption)]
    return [SendDocument(file_id=message.file_id, caption=caption)]


@router.command("messages")
async def command_messages(incoming: Incoming, ctx: Context) -> list[Action]:
    """Lists the user's conversations; changes nothing."""
    return await _thread_list(incoming, ctx, 0)


@router.callback("th")
async def view_button(incoming: Incoming, ctx: Context) -> list[Action]:
    """``th:l:<page>``, ``th:t:<thread>:<page>`` and ``th:f:<message>``."""
    parts = incoming.event.data.split(":") if isinstance(incoming.event, Callback) else []
    match parts[:2], callback_ints(parts[2:]):
        case ["th", "l"], [page] if page < MAX_PAGE:
            return await _thread_list(incoming, ctx, page)
        case ["th", "t"], [thread_id, page] if page < MAX_PAGE:
            return await _history(incoming, ctx, thread_id, page)
        case ["th", "f"], [message_id]:
            return await _open_file(ctx, message_id)
    return stale(ctx)
