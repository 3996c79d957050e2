"""Relayed messages (MSG-01..03): writing to another user through the bot, and reporting.

Dialog graph::

    [msg:new:<user>] or [msg:w:<thread>] --> relay.compose --text/document/photo--> relayed
                                                (stays in relay.compose: keep typing, /cancel)
    [msg:rep:<message>] --> relay.report --[msg:rr:<message>:<code>] or typed reason--> queued

Callback data: ``msg:new:<user id>`` (the message button of profile cards and applicant lists,
see :func:`message_button`), ``msg:w:<thread>`` (reply), ``msg:rep:<message>`` (report),
``msg:rr:<message>:<reason code>``; the history views (``th:...``) live in
:mod:`handlers.relay_views`. Every id is checked on the server: a thread or message of other
people is "not found", whatever the data says.

The recipient gets each message through the outbox, in their language, with Reply and Report
buttons; a document or photo arrives as a notice with an "Open the file" button that sends it
by its Telegram file id. Before a contract, contact details are masked for the recipient,
support gets a flag, and the sender is told why (PAY-06).
"""

from __future__ import annotations

from core.circumvention import Kind
from core.errors import N_
from core.messages import MessageKind
from core.services.relay import (
    Content,
    Relayed,
    ensure_may_write,
    report_message,
    reportable,
    send,
    thread_for,
)
from handlers.context import Context
from handlers.contract import (
    Action,
    Button,
    Callback,
    FileUpload,
    Incoming,
    Keyboard,
    Send,
    keyboard,
)
from handlers.keyboards import callback_ints, stale, typed_text
from handlers.notify import notify
from handlers.router import Router

__all__ = ["COMPOSE_STATE", "REPORT_STATE", "message_button", "router"]

router = Router()

COMPOSE_STATE = "relay.compose"
REPORT_STATE = "relay.report"
KIND_NAMES: dict[Kind, str] = {
    Kind.EMAIL: N_("e-mail addresses"),
    Kind.PHONE: N_("phone numbers"),
    Kind.PAYMENT: N_("payment details"),
    Kind.MESSENGER: N_("messenger contacts"),
}
REPORT_REASONS: dict[str, str] = {
    "pay": N_("Asks to pay outside the platform"),
    "contact": N_("Shares contact details"),
    "spam": N_("Spam or advertising"),
    "abuse": N_("Rude or abusive"),
    "fraud": N_("Fraud or scam"),
}
NEW_TEXT = N_("✉️ {name} wrote:\n\n{text}")
# {caption} is empty or the caption after a blank line.
NEW_FILE = N_("📎 {name} sent you a file: {file}{caption}")
NEW_PHOTO = N_("🖼 {name} sent you a photo.{caption}")
PAY_06_WARNING = N_(
    "⚠️ Your message was delivered with the {what} hidden. Until you have a contract, sharing "
    "contacts or asking to pay outside the platform is not allowed: payments outside the "
    "platform lose its protection (escrow, disputes, support). Support has been told.")


def message_button(ctx: Context, user_id: int) -> Button:
    """A "Message" button that starts writing to ``user_id`` (for cards and lists)."""
    return Button(ctx.t("Message"), data=f"msg:new:{user_id}")


async def _compose(ctx: Context, recipient_id: int) -> list[Action]:
    """Checks that the user may write to ``recipient_id`` and waits for the message."""
    recipient = await ensure_may_write(ctx.uow, ctx.user, recipient_id)
    await ctx.set_state(COMPOSE_STATE, {"to": recipient.id})
    return [Send(ctx.t("Type your message to {name}: text, a document or a photo. "
                       "Send /cancel to stop.", name=recipient.display_name))]


@router.callback("msg")
async def relay_button(incoming: Incoming, ctx: Context) -> list[Action]:
    """``msg:new``, ``msg:w`` (write), ``msg:rep`` (report) and ``msg:rr`` (report reason)."""
    parts = incoming.event.data.split(":") if isinstance(incoming.event, Callback) else []
    match parts:
        case ["msg", "new", raw] if (ids := callback_ints([raw])):
            return await _compose(ctx, ids[0])
        case ["msg", "w", raw] if (ids := callback_ints([raw])):
            thread = await thread_for(ctx.uow, ctx.user, ids[0])
            return await _compose(ctx, thread.other(ctx.user.id))
        case ["msg", "rep", raw] if (ids := callback_ints([raw])):
            return await _ask_reason(ctx, ids[0])
        case ["msg", "rr", raw, code] if (ids := callback_ints([raw])) and code in REPORT_REASONS:
            return await _report(ctx, ids[0], REPORT_REASONS[code])
    return stale(ctx)


def _content(incoming: Incoming) -> Content | None:
    """What the user sent, as relay content (None for stickers and the like)."""
    event = incoming.event
    if isinstance(event, FileUpload):
        kind = MessageKind.PHOTO if event.kind == "photo" else MessageKind.DOCUMENT
        return Content(kind, event.caption or "", event.file_id, event.file_name)
    text = typed_text(incoming)
    return Content(MessageKind.TEXT, text) if text is not None else None


def _recipient_keyboard(relayed: Relayed) -> Keyboard:
    """Reply and Report (and Open for files); labels are msgids, translated by notify."""
    message_id, thread_id = relayed.message.id, relayed.thread.id
    open_file = [Button(N_("Open the file"), data=f"th:f:{message_id}")]
    return keyboard(
        open_file if relayed.message.kind is not MessageKind.TEXT else [],
        [Button(N_("Reply"), data=f"msg:w:{thread_id}"),
         Button(N_("Report"), data=f"msg:rep:{message_id}")],
    )


@router.state(COMPOSE_STATE)
async def process_message(incoming: Incoming, ctx: Context) -> list[Action]:
    """Relays the message (masked if it must be); stays in the dialog for the next one."""
    content = _content(incoming)
    recipient_id = ctx.draft.get("to")
    if content is None or not isinstance(recipient_id, int):
        return [Send(ctx.t("Please send text, a document or a photo, or send /cancel."))]
    relayed = await send(ctx.uow, ctx.user, recipient_id, content, ctx.now())
    message = relayed.message
    template = {MessageKind.TEXT: NEW_TEXT, MessageKind.DOCUMENT: NEW_FILE,
                MessageKind.PHOTO: NEW_PHOTO}[message.kind]
    await notify(ctx.uow, relayed.recipient.id, template, keyboard=_recipient_keyboard(relayed),
                 dedupe_key=f"relay:{message.id}", name=ctx.user.display_name,
                 text=message.delivered, file=message.file_name_for(relayed.recipient.id) or "",
                 caption=f"\n\n{message.delivered}" if message.delivered else "")
    replies: list[Action] = []
    if relayed.flagged:
        what = ", ".join(ctx.t(KIND_NAMES[kind]) for kind in
                         sorted({finding.kind for finding in relayed.findings}))
        replies.append(Send(ctx.t(PAY_06_WARNING, what=what)))
    replies.append(Send(
        ctx.t("Sent to {name}: type another message, or send /cancel to stop.",
              name=relayed.recipient.display_name),
        keyboard=keyboard([Button(ctx.t("Conversation"), data=f"th:t:{relayed.thread.id}:0")])))
    return replies


async def _ask_reason(ctx: Context, message_id: int) -> list[Action]:
    """MSG-02: checks the message may be reported by this user, then asks why."""
    await reportable(ctx.uow, ctx.user, message_id)
    await ctx.set_state(REPORT_STATE, {"message": message_id})
    buttons = [[Button(ctx.t(label), data=f"msg:rr:{message_id}:{code}")]
               for code, label in REPORT_REASONS.items()]
    return [Send(ctx.t("Why are you reporting this message? Choose a reason or type your own. "
                       "Send /cancel to stop."), keyboard=keyboard(*buttons))]


async def _report(ctx: Context, message_id: int, reason: str) -> list[Action]:
    """Queues the report for support and leaves the dialog."""
    await report_message(ctx.uow, ctx.user, message_id, reason, ctx.now())
    if ctx.state == REPORT_STATE:
        await ctx.clear_state()
    return [Send(ctx.t("Thank you. Support will look at this message."))]


@router.state(REPORT_STATE)
async def process_report_reason(incoming: Incoming, ctx: Context) -> list[Action]:
    """A typed reason for the report being made."""
    text = typed_text(incoming)
    message_id = ctx.draft.get("message")
    if text is None or not isinstance(message_id, int):
        return [Send(ctx.t("Please type the reason, or send /cancel."))]
    return await _report(ctx, message_id, text)
