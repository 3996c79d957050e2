"""A button of another dialog never throws a draft away unasked.

A multi-step dialog keeps what the user typed so far in its draft (the dialog state row). Any
feature's button may start a dialog of its own or end the one in progress (``set_state`` or
``clear_state``), and an old button pressed mid-dialog used to discard the draft without a
word. The dispatcher runs every button press through :func:`guarded`: when a dialog with a
draft is in progress and the press changed it, and the button belongs to another feature (its
handler lives in another module than the handler of the awaited step) or started another
dialog (a state of another prefix), the whole update is rolled back (:class:`DraftAtRisk`)
and :func:`ask` asks instead::

    <a dialog step with a draft> --button of another feature--> "Discard your draft?"
        [Discard and go on] dg:go    -> the draft goes; the press is done as first meant
        [Keep my draft]     dg:keep  -> nothing changes; the dialog goes on where it was

The press waits in the draft (under :data:`PENDING`) until it is answered; anything else the
user sends meanwhile goes to the dialog as before. The dialog's own buttons, and other buttons
that leave the dialog alone (a screen, a list), never ask.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from core.errors import N_
from handlers.context import Context
from handlers.contract import Action, Button, Callback, Edit, Incoming, Send, keyboard
from handlers.router import Handler, Router

__all__ = ["DISCARDED", "KEPT", "PENDING", "PREFIX", "PROMPT", "DraftAtRisk", "answer", "ask",
           "guarded"]

PREFIX = "dg"
PENDING = "_press"
"""The draft key that holds a press waiting for the answer: callback data and message id."""

PROMPT = N_("You are in the middle of something: this button would discard what you have "
            "entered so far. Discard your draft and go on?")
GO = N_("Discard and go on")
KEEP = N_("Keep my draft")
KEPT = N_("Your draft is kept. Carry on where you left off.")
DISCARDED = N_("Draft discarded.")


class DraftAtRisk(Exception):
    """The press would discard a draft: roll the update back and ask (:func:`ask`)."""

    def __init__(self, data: str, message_id: int | None) -> None:
        super().__init__(data)
        self.data = data
        self.message_id = message_id


def _dialog(state: str) -> str:
    """The dialog a state belongs to: ``post`` of ``post.title``."""
    return state.split(".", 1)[0]


async def guarded(router: Router, handler: Handler, incoming: Incoming,
                  ctx: Context) -> list[Action]:
    """Run ``handler``; for a button press that discarded the draft of a dialog in progress
    (a button of another module, or one that started another dialog), raise
    :class:`DraftAtRisk` instead."""
    event, state, draft = incoming.event, ctx.state, dict(ctx.draft)
    actions = await handler(incoming, ctx)
    if not isinstance(event, Callback) or state is None or not draft:
        return actions
    if (ctx.state, ctx.draft) == (state, draft):
        return actions  # the dialog is untouched
    step = router.states.get(state)
    other_module = step is not None and step.__module__ != handler.__module__
    other_dialog = ctx.state is not None and _dialog(ctx.state) != _dialog(state)
    if other_module or other_dialog:
        raise DraftAtRisk(event.data, event.message_id)
    return actions


async def ask(ctx: Context, risk: DraftAtRisk) -> list[Action]:
    """Keep the press in the draft and ask whether to discard the draft for it."""
    if ctx.state is None:  # the dialog ended meanwhile: nothing left to ask about
        return []
    pending = {"data": risk.data, "message_id": risk.message_id}
    await ctx.set_state(ctx.state, {**ctx.draft, PENDING: pending})
    buttons = keyboard([Button(ctx.t(GO), f"{PREFIX}:go"), Button(ctx.t(KEEP), f"{PREFIX}:keep")])
    return [Send(ctx.t(PROMPT), keyboard=buttons)]


Route = Callable[[Incoming, Context], Awaitable[list[Action]]]


async def answer(incoming: Incoming, ctx: Context, pending: dict[str, Any] | None,
                 route: Route) -> list[Action] | None:
    """``dg:go`` or ``dg:keep``; ``None`` if no press waits (a stale or forged button)."""
    event = incoming.event
    if not isinstance(event, Callback) or ctx.state is None or not isinstance(pending, dict):
        return None
    verb = event.data.split(":", 1)[-1]
    if verb == "keep":
        await ctx.set_state(ctx.state, ctx.draft)  # without the waiting press
        return [Edit(ctx.t(KEPT))]
    if verb != "go" or not isinstance(pending.get("data"), str):
        return None
    await ctx.clear_state()
    origin = pending.get("message_id")
    replay = replace(incoming, event=replace(event, data=pending["data"], message_id=origin))
    actions = await route(replay, ctx)
    return [Edit(ctx.t(DISCARDED)), *(_onto(action, origin) for action in actions)]


def _onto(action: Action, message_id: Any) -> Action:
    """An edit of "the pressed message" aimed at the message first pressed."""
    if isinstance(action, Edit) and action.message_id is None and action.chat_id is None \
            and isinstance(message_id, int):
        return replace(action, message_id=message_id)
    return action
