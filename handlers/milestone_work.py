"""Milestone work dialogs: submit work (MS-06), ask for a revision, open a dispute (MS-08).

The graph (``/cancel`` leaves any step; nothing is written before the last one)::

    ms:sub:<milestone>
        milestones.submit --text (the message) and files--> [Submit the work] --> submitted
    ms:rev:<milestone>
        milestones.revision --text (the comment)--> revision requested
    ms:dsp:<milestone>
        milestones.dispute --text (the reason) and files--> [Open the dispute] --> in dispute

Buttons: ``msw:ss`` submits the work, ``msw:ds`` opens the dispute; each works only in its own
step. Texts and captions sent during a step are joined in order; at most ten files.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from core.errors import N_, DomainError, InvalidInput
from core.milestone_events import FILES_MAX, Attachment, validate_note
from core.milestones import Action
from core.services import milestones as ms
from core.services.milestone_disputes import open_dispute
from handlers.context import Context
from handlers.contract import Action as Reply
from handlers.contract import Button, FileUpload, Incoming, Send, keyboard
from handlers.keyboards import stale, typed_text
from handlers.market_format import parts
from handlers.milestone_dialogs import again, checked, leave
from handlers.milestone_notices import tell
from handlers.router import Router

__all__ = ["STARTS", "router"]

router = Router()

SUBMIT, REVISION, DISPUTE = "milestones.submit", "milestones.revision", "milestones.dispute"
SEND = {SUBMIT: (N_("Submit the work"), "msw:ss"), DISPUTE: (N_("Open the dispute"), "msw:ds")}


async def _dialog(ctx: Context, milestone_id: int, action: Action, state: str,
                  prompt: str) -> list[Reply]:
    """Enter ``state`` for ``milestone_id`` if ``action`` may be taken now; ask ``prompt``."""
    milestone, _contract, _actor = await checked(ctx, milestone_id, action)
    await ctx.set_state(state, {"milestone": milestone_id, "currency": milestone.currency,
                                "files": [], "text": ""})
    send = SEND.get(state)
    buttons = keyboard([Button(ctx.t(send[0]), data=send[1])]) if send else None
    return [Send(ctx.t(prompt, title=milestone.title), keyboard=buttons)]


async def start_submit(ctx: Context, milestone_id: int) -> list[Reply]:
    """``ms:sub``: the expert describes the work and attaches files (MS-06)."""
    return await _dialog(ctx, milestone_id, Action.SUBMIT, SUBMIT, N_(
        "Describe the work you deliver for “{title}” and send the files (up to 10), then "
        "press Submit the work."))


async def start_revision(ctx: Context, milestone_id: int) -> list[Reply]:
    """``ms:rev``: the client says what to revise (MS-06)."""
    return await _dialog(ctx, milestone_id, Action.REQUEST_REVISION, REVISION, N_(
        "What should the freelancer revise in “{title}”? Type your comment."))


async def start_dispute(ctx: Context, milestone_id: int) -> list[Reply]:
    """``ms:dsp``: either side gives the reason and evidence of a dispute (MS-08)."""
    return await _dialog(ctx, milestone_id, Action.OPEN_DISPUTE, DISPUTE, N_(
        "Why do you dispute “{title}”? Type the reason and send any evidence files, then press "
        "Open the dispute. Support will read both sides' history and decide."))


STARTS: dict[str, Callable[[Context, int], Awaitable[list[Reply]]]] = {
    "sub": start_submit, "rev": start_revision, "dsp": start_dispute,
}


def _add_text(ctx: Context, text: str | None) -> None:
    """Messages and captions sent during the step make one text, in order.

    Raises:
        InvalidInput: the text would grow too long; what was noted before stays as it was.
    """
    if text and text.strip():
        joined = "\n".join(filter(None, [ctx.draft.get("text", ""), text.strip()]))
        ctx.draft["text"] = validate_note(joined, required=False)


@router.state(SUBMIT, DISPUTE)
async def process_work(incoming: Incoming, ctx: Context) -> list[Reply]:
    """Collects the message (or reason) and the files of a submission or a dispute."""
    event = incoming.event
    if isinstance(event, FileUpload):
        files = ctx.draft["files"]
        if len(files) >= FILES_MAX:
            return [Send(ctx.t("At most {limit} files, please.", limit=FILES_MAX))]
        try:
            _add_text(ctx, event.caption)
        except InvalidInput as refusal:
            return again(ctx, refusal)
        files.append({"kind": event.kind, "file_id": event.file_id, "name": event.file_name})
        await ctx.set_state(ctx.state or SUBMIT, ctx.draft)
        return [Send(ctx.tn("{n} file received.", "{n} files received.", len(files)))]
    text = typed_text(incoming)
    if text is None:
        return [Send(ctx.t("Please send text or files."))]
    try:
        _add_text(ctx, text)
    except InvalidInput as refusal:
        return again(ctx, refusal)
    await ctx.set_state(ctx.state or SUBMIT, ctx.draft)
    label, data = SEND[ctx.state if ctx.state in SEND else SUBMIT]
    return [Send(ctx.t("Noted. Send more files, or press the button when you are done."),
                 keyboard=keyboard([Button(ctx.t(label), data=data)]))]


@router.state(REVISION)
async def process_revision(incoming: Incoming, ctx: Context) -> list[Reply]:
    """Sends the work back with the typed comment (MS-06)."""
    text = typed_text(incoming)
    if text is None:
        return [Send(ctx.t("Please type your answer as a text message."))]
    try:
        outcome = await ms.request_revision(ctx.uow, ctx.user, ctx.draft["milestone"], text,
                                            ctx.now())
    except InvalidInput as refusal:
        return again(ctx, refusal)
    await ctx.clear_state()
    await tell(ctx.uow, outcome)
    return [Send(ctx.t("The freelancer is asked to revise “{title}”.",
                       title=outcome.milestone.title))]


def _attachments(ctx: Context) -> tuple[Attachment, ...]:
    return tuple(Attachment(f["kind"], f["file_id"], f.get("name"))
                 for f in ctx.draft.get("files", []))


async def _finish(ctx: Context, verb: str) -> list[Reply]:
    """``msw:ss`` and ``msw:ds``: submit the work, or open the dispute."""
    draft, mid = ctx.draft, int(ctx.draft.get("milestone") or 0)
    if verb == "ss" and ctx.state == SUBMIT:
        outcome = await ms.submit(ctx.uow, ctx.user, mid, draft["text"], _attachments(ctx),
                                  ctx.now())
        done = N_("Submitted: the client reviews “{title}”.")
    elif verb == "ds" and ctx.state == DISPUTE:
        outcome = await open_dispute(ctx.uow, ctx.user, mid, draft["text"], _attachments(ctx),
                                     ctx.now())
        done = N_("The dispute about “{title}” is with support now. Both sides will be told "
                  "of the decision.")
    else:
        return stale(ctx)
    await ctx.clear_state()
    await tell(ctx.uow, outcome)
    return [Send(ctx.t(done, title=outcome.milestone.title))]


@router.callback("msw")
async def work_button(incoming: Incoming, ctx: Context) -> list[Reply]:
    """``msw:ss`` and ``msw:ds``, only in their own step."""
    data = parts(incoming, 2)
    if data is None or data[1] not in ("ss", "ds") or ctx.state not in (SUBMIT, DISPUTE):
        return stale(ctx)
    try:
        return await _finish(ctx, data[1])
    except InvalidInput as refusal:
        return again(ctx, refusal)
    except DomainError as refusal:  # refused before anything was written
        return await leave(ctx, refusal)
