"""Milestone plan dialogs: propose or add, edit, change request (work dialogs: milestone_work).

The whole graph, one step per state (``/cancel`` leaves any of them; nothing is written to the
marketplace before the last step)::

    ms:new:<contract> | ms:ed:<milestone>
        milestones.title --text--> milestones.description --text | [Skip/Keep]-->
        milestones.amount --text | [Keep]--> milestones.due --text | [Keep]--> saved
    ms:chg:<milestone>
        milestones.change: [Title] [Description] [Amount] [Due date] --> milestones.change_value
            --text--> milestones.change (the values so far) ... [Send the request] --> sent

Dialog buttons are ``msx:<verb>``: ``k`` keep (or skip) the current value, ``cf:<t|d|a|u>``
pick a field to change, ``cs`` send the change request. Each start checks that this user may
take the action now (the state table), and the last step goes through the use case, which
checks everything again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Any

from core.accounts import ensure_can_act
from core.errors import N_, Conflict, DomainError, InvalidInput
from core.milestone_terms import (
    DEFAULT_POLICY,
    parse_due_date,
    validate_description,
    validate_title,
)
from core.milestones import Action, Actor, ActorRefused, WaitingProposals
from core.money import Money
from core.services import milestone_plan as plan
from core.services import milestones as ms
from handlers.context import Context
from handlers.contract import Action as Reply
from handlers.contract import Button, Incoming, Send, keyboard
from handlers.keyboards import stale, typed_text
from handlers.market_format import day, parts
from handlers.milestone_notices import tell
from handlers.milestone_views import change_lines, money
from handlers.router import Router

__all__ = ["STARTS", "again", "checked", "leave", "router"]

router = Router()

TITLE, DESCRIPTION, AMOUNT, DUE = ("milestones.title", "milestones.description",
                                   "milestones.amount", "milestones.due")
CHANGE, CHANGE_VALUE = "milestones.change", "milestones.change_value"
AGAIN = N_("Send it again, or /cancel to stop.")
PROMPTS = {
    TITLE: N_("What is the milestone's title? For example: Wireframes of every screen."),
    DESCRIPTION: N_("Describe what will be delivered, or press Skip."),
    AMOUNT: N_("The amount in {currency}? At least {minimum}."),
    DUE: N_("The due date? Send it as YYYY-MM-DD or DD.MM.YYYY, for example {example}."),
}
FIELDS = {"t": N_("Title"), "d": N_("Description"), "a": N_("Amount"), "u": N_("Due date")}
FIELD_PROMPTS = {"t": PROMPTS[TITLE], "d": N_("The new description?"),
                 "a": N_("The new amount in {currency}? It can only be higher than {minimum}."),
                 "u": PROMPTS[DUE]}


def _keep(ctx: Context, label: str = N_("Keep “{value}”"), value: str = "") -> Any:
    return keyboard([Button(ctx.t(label, value=value), data="msx:k")])


async def _ask(ctx: Context, step: str) -> list[Reply]:
    """The prompt of ``step`` (with a Keep button when editing, Skip for a description)."""
    draft, currency = ctx.draft, ctx.draft["currency"]
    current = draft.get("current", {})
    text = ctx.t(PROMPTS[step], currency=currency,
                 minimum=money(ctx, DEFAULT_POLICY.minimum(currency)),
                 example=(ctx.now().date() + timedelta(days=14)).isoformat())
    shown = {TITLE: current.get("title"), DESCRIPTION: current.get("description"),
             AMOUNT: money(ctx, Money(current["amount"], currency)) if current else None,
             DUE: day(ctx, date.fromisoformat(current["due"])) if current else None}[step]
    if shown:
        return [Send(text, keyboard=_keep(ctx, value=shown[:40]))]
    if step == DESCRIPTION:
        return [Send(text, keyboard=_keep(ctx, N_("Skip")))]
    return [Send(text)]


def _ensure(condition: bool, error: DomainError) -> None:
    if not condition:
        raise error


async def start_new(ctx: Context, contract_id: int) -> list[Reply]:
    """``ms:new``: the expert proposes, the client adds a milestone (MS-02, MS-07)."""
    board = await plan.board(ctx.uow, ctx.user, contract_id, ctx.now())
    _ensure(board.actor in (Actor.EXPERT, Actor.CLIENT),
            ActorRefused(Action.PROPOSE, board.actor, None))
    ensure_can_act(ctx.user)
    _ensure(board.active, Conflict(ms.CONTRACT_CLOSED))
    _ensure(board.actor is Actor.EXPERT or not board.proposals_wait, WaitingProposals())
    await ctx.set_state(TITLE, {"contract": contract_id, "currency": board.contract.currency})
    return await _ask(ctx, TITLE)


async def checked(ctx: Context, milestone_id: int, action: Action) -> Any:
    """The milestone, contract and side, if ``action`` may be taken now (else the refusal)."""
    return await ms.prepare(ctx.uow, ctx.user, milestone_id, action, lock=False)


async def start_edit(ctx: Context, milestone_id: int) -> list[Reply]:
    """``ms:ed``: edit an unanswered proposal (expert) or an unfunded milestone (client)."""
    _m, _c, actor = await ms.load(ctx.uow, ctx.user, milestone_id, lock=False)
    action = Action.EDIT_PROPOSAL if actor is Actor.EXPERT else Action.CLIENT_EDIT
    milestone, contract, _actor = await checked(ctx, milestone_id, action)
    current = {"title": milestone.title, "description": milestone.description,
               "amount": milestone.amount.minor, "due": milestone.due_date.isoformat()}
    await ctx.set_state(TITLE, {"contract": contract.id, "milestone": milestone_id,
                                "currency": milestone.currency, "current": current})
    return await _ask(ctx, TITLE)


async def start_change(ctx: Context, milestone_id: int) -> list[Reply]:
    """``ms:chg``: the expert picks what to change (MS-04)."""
    await checked(ctx, milestone_id, Action.PROPOSE_CHANGE)
    await ctx.set_state(CHANGE, {"milestone": milestone_id, "changes": {}})
    return await _change_menu(ctx)


STARTS: dict[str, Callable[[Context, int], Awaitable[list[Reply]]]] = {
    "new": start_new, "ed": start_edit, "chg": start_change,
}


def again(ctx: Context, refusal: InvalidInput) -> list[Reply]:
    """Say what is wrong with the input and stay in the step."""
    return [Send(ctx.t(refusal.message, **refusal.params) + "\n" + ctx.t(AGAIN))]


async def leave(ctx: Context, refusal: DomainError) -> list[Reply]:
    """The milestone moved on meanwhile: say why and leave the dialog."""
    await ctx.clear_state()
    return [Send(ctx.t(refusal.message, **refusal.params))]


async def _next(ctx: Context, step: str, value: Any) -> list[Reply]:
    """Keep ``value`` for ``step`` and ask the next step, or finish."""
    order = [TITLE, DESCRIPTION, AMOUNT, DUE]
    ctx.draft[{TITLE: "title", DESCRIPTION: "description", AMOUNT: "amount",
               DUE: "due"}[step]] = value
    if step != DUE:
        following = order[order.index(step) + 1]
        await ctx.set_state(following, ctx.draft)
        return await _ask(ctx, following)
    draft = ctx.draft
    terms = plan.Terms(draft["title"], draft["description"],
                       Money(draft["amount"], draft["currency"]), date.fromisoformat(draft["due"]))
    try:
        if draft.get("milestone"):
            outcome = await plan.edit(ctx.uow, ctx.user, draft["milestone"], terms, ctx.now(),
                                      locale=ctx.language)
        else:
            outcome = await plan.create(ctx.uow, ctx.user, draft["contract"], terms, ctx.now(),
                                        locale=ctx.language)
    except InvalidInput as refusal:
        return again(ctx, refusal)
    except DomainError as refusal:  # refused before anything was written: leave the dialog
        return await leave(ctx, refusal)
    await ctx.clear_state()
    await tell(ctx.uow, outcome)
    done = {Action.PROPOSE: N_("Proposed: the client is asked to approve “{title}”."),
            Action.CLIENT_ADD: N_("Added: “{title}” is approved and waits to be funded."),
            Action.EDIT_PROPOSAL: N_("Saved: “{title}”."),
            Action.CLIENT_EDIT: N_("Saved: “{title}”.")}[outcome.action]
    return [Send(ctx.t(done, title=outcome.milestone.title), keyboard=keyboard(
        [Button(ctx.t("Open the milestone"), data=f"ms:v:{outcome.milestone.id}")]))]


def _parse(ctx: Context, step: str, text: str) -> Any:
    currency = ctx.draft["currency"]
    if step == TITLE:
        return validate_title(text)
    if step == DESCRIPTION:
        return validate_description(text)
    if step == AMOUNT:
        return DEFAULT_POLICY.parse_amount(text, currency, ctx.language).minor
    return parse_due_date(text, ctx.now()).isoformat()


@router.state(TITLE, DESCRIPTION, AMOUNT, DUE)
async def process_terms(incoming: Incoming, ctx: Context) -> list[Reply]:
    """Stores the typed title, description, amount or due date and asks the next."""
    text, step = typed_text(incoming), ctx.state or ""
    if text is None:
        return [Send(ctx.t("Please type your answer as a text message."))]
    try:
        value = _parse(ctx, step, text)
    except InvalidInput as refusal:
        return again(ctx, refusal)
    return await _next(ctx, step, value)


async def _change_menu(ctx: Context) -> list[Reply]:
    changes: dict[str, Any] = ctx.draft["changes"]
    milestone, _contract, _actor = await ms.load(ctx.uow, ctx.user, ctx.draft["milestone"],
                                                 lock=False)
    lines = [ctx.t("What should change in “{title}”? Pick a field, type the new value, then "
                   "send the request.", title=milestone.title)]
    for code, value in changes.items():
        shown = (money(ctx, Money(value, milestone.currency)) if code == "a" else
                 day(ctx, date.fromisoformat(value)) if code == "u" else value or "—")
        lines.append(f"• {ctx.t(FIELDS[code])}: {shown}")
    rows = [[Button(ctx.t(FIELDS[c]), data=f"msx:cf:{c}") for c in "td"],
            [Button(ctx.t(FIELDS[c]), data=f"msx:cf:{c}") for c in "au"]]
    if changes:
        rows.append([Button(ctx.t("Send the request"), data="msx:cs")])
    await ctx.set_state(CHANGE, ctx.draft)
    return [Send("\n".join(lines), keyboard=keyboard(*rows))]


@router.state(CHANGE_VALUE)
async def process_change_value(incoming: Incoming, ctx: Context) -> list[Reply]:
    """Stores the typed new value of the picked field and shows the change so far."""
    text, field = typed_text(incoming), ctx.draft.get("field")
    if text is None or field not in FIELDS:
        return [Send(ctx.t("Please type your answer as a text message."))]
    milestone, _contract, _actor = await ms.load(ctx.uow, ctx.user, ctx.draft["milestone"],
                                                 lock=False)
    try:
        if field == "a":
            value: Any = DEFAULT_POLICY.parse_amount(text, milestone.currency,
                                                     ctx.language).minor
        elif field == "u":
            value = parse_due_date(text, ctx.now()).isoformat()
        else:
            value = (validate_title if field == "t" else validate_description)(text)
        ctx.draft["changes"][field] = value
    except InvalidInput as refusal:
        return again(ctx, refusal)
    return await _change_menu(ctx)


@router.state(CHANGE)
async def process_change_menu(incoming: Incoming, ctx: Context) -> list[Reply]:
    """Text while the change menu is shown: points at its buttons."""
    return [Send(ctx.t("Pick a field with the buttons above, or /cancel to stop."))]


async def _send_change(ctx: Context) -> list[Reply]:
    """``msx:cs``: the expert sends the change request (MS-04)."""
    changes, mid = ctx.draft["changes"], int(ctx.draft.get("milestone") or 0)
    milestone, _c, _a = await ms.load(ctx.uow, ctx.user, mid, lock=False)
    outcome = await plan.propose_change(
        ctx.uow, ctx.user, mid, ctx.now(), title=changes.get("t"),
        description=changes.get("d"),
        amount=Money(changes["a"], milestone.currency) if "a" in changes else None,
        due_date=date.fromisoformat(changes["u"]) if "u" in changes else None,
        locale=ctx.language)
    request = outcome.milestone.request
    assert request is not None
    await ctx.clear_state()
    await tell(ctx.uow, outcome)
    return [Send("\n".join([ctx.t("The client is asked to approve the change:"),
                            *change_lines(ctx, request)]))]


@router.callback("msx")
async def dialog_button(incoming: Incoming, ctx: Context) -> list[Reply]:
    """The buttons of the milestone dialogs; each works only in its own step."""
    data = parts(incoming)
    if data is None or ctx.state is None or not ctx.state.startswith("milestones."):
        return stale(ctx)
    if data[1:] == ["k"] and ctx.state in (TITLE, DESCRIPTION, AMOUNT, DUE):
        current = ctx.draft.get("current")
        key = {TITLE: "title", DESCRIPTION: "description", AMOUNT: "amount",
               DUE: "due"}[ctx.state]
        if current is None and ctx.state != DESCRIPTION:
            return stale(ctx)
        return await _next(ctx, ctx.state, current[key] if current else "")
    if len(data) == 3 and data[1] == "cf" and data[2] in FIELDS and ctx.state in (
            CHANGE, CHANGE_VALUE):
        milestone, _c, _a = await ms.load(ctx.uow, ctx.user, ctx.draft["milestone"],
                                          lock=False)
        ctx.draft["field"] = data[2]
        await ctx.set_state(CHANGE_VALUE, ctx.draft)
        return [Send(ctx.t(FIELD_PROMPTS[data[2]], currency=milestone.currency,
                           minimum=money(ctx, milestone.amount),
                           example=milestone.due_date.isoformat()))]
    if data[1:] == ["cs"] and ctx.state == CHANGE and ctx.draft.get("changes"):
        try:
            return await _send_change(ctx)
        except InvalidInput as refusal:
            return again(ctx, refusal)
        except DomainError as refusal:  # refused before anything was written
            return await leave(ctx, refusal)
    return stale(ctx)
