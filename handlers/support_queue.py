"""The support queue and the audit log, for support and admins (ACC-02..04).

Dialog graph::

    /queue --[sup:i:<item>]--> item card --[sup:c:<item>:r|d]--> support.note --text--> closed
                                         --[sup:f:<item>]--> the relayed photo or document
                                         --[msd:<item>:<how>]--> a dispute decided
                                                                 (handlers.milestone_support)
    /audit [user] --[sup:a:<user or 0>:<page>]--> older pages

Callback data: ``sup:q:<page>`` (queue page), ``sup:i:<item>`` (an item with its context: the
message, its sender, the thread, the reason), ``sup:f:<item>`` (the item's relayed photo or
document, by file id), ``sup:c:<item>:r`` or ``:d`` (resolve or dismiss: asks for a note),
``sup:a:<user id or 0>:<page>`` (audit log). The services refuse non-staff, so forged presses
show nothing; closing writes an audit row (ACC-03). On an appeal (ACC-02) ``r`` reinstates the
user and ``d`` keeps the suspension; the user is told either way. A milestone dispute's card
carries the decisions instead (release, part, refund), acting on the item shown.
"""

from __future__ import annotations

from core.circumvention import Kind
from core.errors import N_
from core.messages import MessageKind
from core.screening import TextField
from core.services.support import (
    audit_log,
    close_item,
    ensure_closable,
    find_user,
    open_item,
    queue,
)
from core.support import AuditAction, AuditEntry, ItemKind, ItemStatus, QueueItem, ensure_staff
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
from handlers.formats import moment
from handlers.keyboards import callback_ints, stale, typed_text
from handlers.market_format import short
from handlers.menu import user_menu
from handlers.milestone_support import dispute_rows
from handlers.notify import notify
from handlers.relay import KIND_NAMES
from handlers.relay_views import CAPTION_MAX, MAX_PAGE
from handlers.router import Router
from handlers.screening import FIELD_NAMES
from handlers.support import describe_user

__all__ = ["NOTE_STATE", "router"]

router = Router()

NOTE_STATE = "support.note"
ITEMS_PER_PAGE = 10
AUDIT_PER_PAGE = 15
# A relayed message may hold MESSAGE_MAX (3500) characters and a card shows it twice (as written
# and as delivered) next to a reason and a note; cut so the card stays within Telegram's 4096.
QUOTE_MAX = 800
# Fifteen audit lines with reasons of up to 500 characters and the title must fit, too.
AUDIT_LINE_MAX = 250
ITEM_KINDS: dict[ItemKind, str] = {
    ItemKind.FLAG: N_("contact details before a contract"),
    ItemKind.REPORT: N_("reported message"),
    ItemKind.FRAUD: N_("fraud report"),
    ItemKind.DISPUTE: N_("milestone dispute"),
    ItemKind.APPEAL: N_("appeal of a suspension"),
}
ACTIONS: dict[AuditAction, str] = {
    AuditAction.GRANT_SUPPORT: N_("granted the support role"),
    AuditAction.REVOKE_SUPPORT: N_("revoked the support role"),
    AuditAction.SUSPEND: N_("suspended"),
    AuditAction.REINSTATE: N_("reinstated"),
    AuditAction.RESOLVE: N_("resolved"),
    AuditAction.DISMISS: N_("dismissed"),
    AuditAction.RESOLVE_DISPUTE: N_("resolved the milestone dispute"),
    AuditAction.APPEAL: N_("appealed the suspension"),
    AuditAction.PAYOUT: N_("handled a payout"),
    AuditAction.HIRE_DIRECT: N_("Hire Direct"),
    AuditAction.BRING_A_CLIENT: N_("Bring-a-Client"),
    AuditAction.MANAGED_SERVICE: N_("managed-service contract"),
}
#: Closing a queue item names the item, its kind and whom it was about.
ITEM_ACTIONS: dict[AuditAction, str] = {
    AuditAction.RESOLVE: N_("resolved queue item #{item} ({kind}) about {target}"),
    AuditAction.DISMISS: N_("dismissed queue item #{item} ({kind}) about {target}"),
}
DISPUTE_DECIDED = N_("decided the dispute about milestone #{milestone} “{title}” with {target}: "
                     "{released} to the freelancer, {refunded} back to the client")
#: A decision recorded before the audit kept its details, whose note could not be read.
OLD_DISPUTE = N_("decided a milestone dispute (queue item #{item}) with {target}")
CLOSE: dict[str, ItemStatus] = {"r": ItemStatus.RESOLVED, "d": ItemStatus.DISMISSED}


def _reply(incoming: Incoming, text: str, rows: list[list[Button]]) -> Action:
    board = keyboard(*rows)
    return Edit(text, keyboard=board) if isinstance(incoming.event, Callback) else Send(
        text, keyboard=board)


def _cut(text: str, limit: int) -> str:
    """``text``, cut to ``limit`` characters with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def _name(ctx: Context, user_id: int | None) -> str:
    if user_id is None:
        return "—"
    user = await ctx.uow.users.get(user_id)
    return describe_user(user) if user else str(user_id)


def _reason(ctx: Context, item: QueueItem) -> str:
    """A flag's reason is the kinds of what was found; others are the reporter's words."""
    if item.kind is ItemKind.FLAG:
        return ", ".join(ctx.t(KIND_NAMES[Kind(k)]) for k in item.reason.split(",") if k)
    return ctx.t(item.reason)  # preset reasons are message ids; typed ones stay as typed


async def _queue(incoming: Incoming, ctx: Context, page: int) -> list[Action]:
    found = await queue(ctx.uow, ctx.user, page, ITEMS_PER_PAGE)
    if not found.items and page == 0:
        return [_reply(incoming, ctx.t("The queue is empty."), [])]
    rows = []
    for item in found.items:
        subject = await ctx.uow.users.get(item.subject_id)
        label = f"#{item.id} · {ctx.t(ITEM_KINDS[item.kind])} · "
        rows.append([Button(label + (subject.display_name if subject else "?"),
                            data=f"sup:i:{item.id}")])
    nav = [Button(ctx.t("‹ Previous"), data=f"sup:q:{page - 1}")] if page else []
    if found.has_more:
        nav.append(Button(ctx.t("Next ›"), data=f"sup:q:{page + 1}"))
    return [_reply(incoming, ctx.t("Open reports and flags (page {page}):", page=page + 1),
                   [*rows, nav])]


async def _item(incoming: Incoming, ctx: Context, item_id: int) -> list[Action]:
    item = await open_item(ctx.uow, ctx.user, item_id)
    lines = [
        f"#{item.id} · {ctx.t(ITEM_KINDS[item.kind])} · {moment(item.created_at, ctx.language)}",
        ctx.t("About: {user}", user=await _name(ctx, item.subject_id)),
        ctx.t("Reported by: {user}", user=await _name(ctx, item.reporter_id)),
        ctx.t("Reason: {reason}", reason=_reason(ctx, item)),
    ]
    if item.field is not None and item.field in set(TextField):
        lines.append(ctx.t("Written in: {field}", field=ctx.t(FIELD_NAMES[TextField(item.field)])))
        lines.append(_cut(item.excerpt or "", QUOTE_MAX))
    message = None
    if item.message_id is not None:
        message = await ctx.uow.relay.get_message(item.message_id)
        thread = await ctx.uow.relay.get_thread(item.thread_id) if item.thread_id else None
        if thread is not None:
            lines.append(ctx.t("Conversation #{id}: {a} and {b}", id=thread.id,
                               a=await _name(ctx, thread.user_a),
                               b=await _name(ctx, thread.user_b)))
        if message is not None:
            lines.append(ctx.t("Message of {when}:",
                               when=moment(message.created_at, ctx.language)))
            kind = ctx.t("photo") if message.kind is MessageKind.PHOTO else ctx.t("file")
            lines.append(_cut(message.text, QUOTE_MAX) or f"📎 {message.file_name or kind}")
            if message.delivered != message.text:
                lines.append(ctx.t("Delivered as: {text}",
                                   text=_cut(message.delivered, QUOTE_MAX)))
    rows: list[list[Button]] = []
    if message is not None and message.file_id:
        rows.append([Button(ctx.t("Open the file"), data=f"sup:f:{item.id}")])
    if item.status is not ItemStatus.OPEN:
        lines.append(ctx.t("Handled by {user}: {note}", user=await _name(ctx, item.handled_by),
                           note=item.note or ""))
    elif item.kind is ItemKind.APPEAL:  # ACC-02: resolving reinstates, dismissing keeps it
        subject = await ctx.uow.users.get(item.subject_id)
        if subject is not None and subject.suspended_reason:
            lines.append(ctx.t("Suspended for: {reason}", reason=subject.suspended_reason))
        rows.append([Button(ctx.t("Reinstate"), data=f"sup:c:{item.id}:r"),
                     Button(ctx.t("Keep suspended"), data=f"sup:c:{item.id}:d")])
    elif item.kind is ItemKind.DISPUTE:  # MS-08: decided by the buttons below (or /resolve)
        disputed = await ctx.uow.milestones.by_dispute_item(item_id)
        if disputed is not None:  # its id, for /resolve <milestone>, the buttons' alias
            lines.insert(1, ctx.t("Milestone #{id} “{title}” of contract #{contract}",
                                  id=disputed.id, title=disputed.title,
                                  contract=disputed.contract_id))
        rows += await dispute_rows(ctx, item)
    else:
        rows.append([Button(ctx.t("Resolve"), data=f"sup:c:{item.id}:r"),
                     Button(ctx.t("Dismiss"), data=f"sup:c:{item.id}:d")])
    if item.kind is ItemKind.DISPUTE:  # MS-08: the milestone, both sides' history
        rows.insert(0, [Button(ctx.t("Open the dispute"), data=f"msq:{item.id}")])
    rows.append([Button(ctx.t("Back to the queue"), data="sup:q:0")])
    return [_reply(incoming, "\n".join(lines), rows)]


async def _item_file(ctx: Context, item_id: int) -> list[Action]:
    """Sends the relayed photo or document an item is about (staff only), by its file id."""
    item = await open_item(ctx.uow, ctx.user, item_id)
    message = await ctx.uow.relay.get_message(item.message_id) if item.message_id else None
    if message is None or message.file_id is None:
        return stale(ctx)
    caption = _cut(message.text, CAPTION_MAX) or None
    if message.kind is MessageKind.PHOTO:
        return [SendPhoto(message.file_id, caption=caption)]
    return [SendDocument(file_id=message.file_id, caption=caption)]


async def _ask_note(ctx: Context, item_id: int, status: ItemStatus) -> list[Action]:
    item = await open_item(ctx.uow, ctx.user, item_id)
    if item.status is not ItemStatus.OPEN:
        return [Send(ctx.t("This item was already handled."))]
    ensure_closable(item)
    await ctx.set_state(NOTE_STATE, {"item": item_id, "status": status.value})
    return [Send(ctx.t("Type a note for the audit log: what you did and why. "
                       "Send /cancel to stop."))]


async def _entry_what(ctx: Context, entry: AuditEntry, target: str) -> str:
    """What an audit row did, on which object, worded now in the reader's language."""
    if entry.action in ITEM_ACTIONS and entry.item_id is not None:
        item = await ctx.uow.support.get_item(entry.item_id)
        kind = ctx.t(ITEM_KINDS[item.kind]) if item is not None else "—"
        return ctx.t(ITEM_ACTIONS[entry.action], item=entry.item_id, kind=kind, target=target)
    if entry.action is AuditAction.RESOLVE_DISPUTE:
        milestone_id = entry.milestone_id
        released, refunded = entry.amount("released"), entry.amount("refunded")
        if milestone_id is None or released is None or refunded is None:  # an old, unread note
            return ctx.t(OLD_DISPUTE, item=entry.item_id or "—", target=target)
        milestone = await ctx.uow.milestones.get(milestone_id)
        return ctx.t(DISPUTE_DECIDED, milestone=milestone_id, target=target,
                     title=short(milestone.title, 40) if milestone else "—",
                     released=released, refunded=refunded)
    return f"{ctx.t(ACTIONS[entry.action])} {target}".rstrip()


async def _entry_line(ctx: Context, entry: AuditEntry) -> str:
    """One audit row: when (the reader's format, UTC), who, what on which object, and why."""
    target = await _name(ctx, entry.target_id) if entry.target_id else ""
    what = await _entry_what(ctx, entry, target)
    why = f" — {entry.reason}" if entry.reason else ""
    when = moment(entry.created_at, ctx.language)
    return _cut(f"[{when}] {await _name(ctx, entry.actor_id)}: {what}{why}", AUDIT_LINE_MAX)


async def _audit(incoming: Incoming, ctx: Context, target_id: int | None,
                 page: int) -> list[Action]:
    found = await audit_log(ctx.uow, ctx.user, target_id, page, AUDIT_PER_PAGE)
    title = (ctx.t("Audit log of {user}:", user=await _name(ctx, target_id)) if target_id
             else ctx.t("Audit log:"))
    lines = [title, ""]
    for entry in found.items:
        lines.append(await _entry_line(ctx, entry))
    if not found.items:
        lines.append(ctx.t("No support actions recorded."))
    key = target_id or 0
    nav = [Button(ctx.t("Newer ›"), data=f"sup:a:{key}:{page - 1}")] if page else []
    if found.has_more:
        nav.append(Button(ctx.t("‹ Older"), data=f"sup:a:{key}:{page + 1}"))
    return [_reply(incoming, "\n".join(lines), [nav])]


@router.command("queue", admin=True)
async def command_queue(incoming: Incoming, ctx: Context) -> list[Action]:
    """Open reports and flags, oldest first (staff only)."""
    return await _queue(incoming, ctx, 0)


@router.command("audit", admin=True)
async def command_audit(incoming: Incoming, ctx: Context) -> list[Action]:
    """The audit log, newest first; ``/audit <user>`` only the actions about that user."""
    ensure_staff(ctx.user)
    who = getattr(incoming.event, "args", "").strip()
    target = await find_user(ctx.uow, who) if who else None
    return await _audit(incoming, ctx, target.id if target else None, 0)


@router.callback("sup")
async def queue_button(incoming: Incoming, ctx: Context) -> list[Action]:
    """``sup:q``, ``sup:i``, ``sup:c`` and ``sup:a`` (see the module docstring)."""
    parts = incoming.event.data.split(":") if isinstance(incoming.event, Callback) else []
    match parts:
        case ["sup", "c", raw, ("r" | "d") as how] if (ids := callback_ints([raw])):
            return await _ask_note(ctx, ids[0], CLOSE[how])
    match parts[:2], callback_ints(parts[2:]):
        case ["sup", "q"], [page] if page < MAX_PAGE:
            return await _queue(incoming, ctx, page)
        case ["sup", "i"], [item_id]:
            return await _item(incoming, ctx, item_id)
        case ["sup", "f"], [item_id]:
            return await _item_file(ctx, item_id)
        case ["sup", "a"], [target_id, page] if page < MAX_PAGE:
            return await _audit(incoming, ctx, target_id or None, page)
    return stale(ctx)


@router.state(NOTE_STATE)
async def process_note(incoming: Incoming, ctx: Context) -> list[Action]:
    """Closes the item with the typed note (audited) and leaves the dialog."""
    text = typed_text(incoming)
    item_id, status = ctx.draft.get("item"), ctx.draft.get("status")
    if text is None or not isinstance(item_id, int) or status not in ("resolved", "dismissed"):
        return [Send(ctx.t("Please type the note, or send /cancel."))]
    back = keyboard([Button(ctx.t("Back to the queue"), data="sup:q:0")])
    if (await open_item(ctx.uow, ctx.user, item_id)).status is not ItemStatus.OPEN:
        await ctx.clear_state()  # another agent closed it meanwhile: the note has no item
        return [Send(ctx.t("This item was already handled."), keyboard=back)]
    item = await close_item(ctx.uow, ctx.user, item_id, ItemStatus(status), text, ctx.now(),
                            ctx.settings.admin_ids)
    await ctx.clear_state()
    done = N_("Item #{id} resolved.") if item.status is ItemStatus.RESOLVED else N_(
        "Item #{id} dismissed.")
    replies: list[Action] = [Send(ctx.t(done, id=item.id), keyboard=back)]
    if item.kind is ItemKind.APPEAL:
        replies += await _answer_appeal(ctx, item)
    return replies


async def _answer_appeal(ctx: Context, item: QueueItem) -> list[Action]:
    """Tell the appealing user what support decided; a reinstated user gets their menu back."""
    subject = await ctx.uow.users.get(item.subject_id)
    if subject is None:
        return []
    if item.status is ItemStatus.RESOLVED:
        await notify(ctx.uow, subject.id, N_("Support accepted your appeal and your account is "
                                             "active again. Note: {note}"), note=item.note or "")
        return [user_menu(subject, ctx.settings.default_language)]
    await notify(ctx.uow, subject.id, N_("Support reviewed your appeal and kept the suspension. "
                                         "Note: {note}"), note=item.note or "")
    return []

