"""``/post``: an employer writes a project, step by step, and gets a draft to publish.

Dialog graph (the draft lives in the dialog state until the last step stores the project)::

    /post -> post.title        text
          -> post.description  text
          -> post.category     [pp:cat:<code>]
          -> post.kind         [pp:kind:hourly|fixed]
          -> post.budget       text: "500-1000" or "800" (a rate per hour when hourly)
          -> post.deadline     text: a date, or [pp:nodl]
          -> the draft project's card: [Publish] [Edit] [Discard the draft]

An invalid answer is re-asked with the reason; ``/cancel`` drops the unfinished draft.
Buttons of this dialog work only at their own step (otherwise "no longer valid").
"""

from __future__ import annotations

from datetime import date
from typing import Any

from core.errors import N_, InvalidInput
from core.projects import (
    ProjectKind,
    parse_deadline,
    parse_range,
    validate_category,
    validate_description,
    validate_title,
)
from core.services.market import ProjectDraft, create_project, ensure_employer
from handlers.context import Context
from handlers.contract import Action, Button, Edit, Incoming, Send, keyboard
from handlers.keyboards import NO_TEXT, stale, typed_text
from handlers.market_format import KIND_NAMES, category_name, parts
from handlers.projects import BUDGET_PROMPTS, category_rows, project_card
from handlers.router import Router

__all__ = ["command_post", "router"]

router = Router()

PROMPTS = {
    "post.title": N_("Let's post a project. What is its title? (5 to 100 characters; "
                     "/cancel stops)"),
    "post.description": N_("Describe the work: what you need, what you have, what the result "
                           "should be (20 to 3000 characters)."),
    "post.category": N_("Choose the category:"),
    "post.kind": N_("Is it paid by the hour or a fixed price?"),
    "post.deadline": N_("Is there a deadline? Type a date (YYYY-MM-DD or DD.MM.YYYY) or press "
                        "the button."),
}
USE_BUTTONS = N_("Please choose with the buttons, or send /cancel.")


def _prompt(ctx: Context, state: str) -> Send:
    """The question of ``state`` with its buttons."""
    if state == "post.category":
        return Send(ctx.t(PROMPTS[state]), keyboard=keyboard(*category_rows(ctx, "pp:cat:{code}")))
    if state == "post.kind":
        return Send(ctx.t(PROMPTS[state]), keyboard=keyboard(
            [Button(ctx.t(KIND_NAMES[k]), data=f"pp:kind:{k}") for k in KIND_NAMES]))
    if state == "post.budget":
        kind = ProjectKind(ctx.draft.get("kind", ProjectKind.FIXED))
        return Send(ctx.t(BUDGET_PROMPTS[kind], currency=ctx.settings.currency))
    if state == "post.deadline":
        return Send(ctx.t(PROMPTS[state]),
                    keyboard=keyboard([Button(ctx.t("No deadline"), data="pp:nodl")]))
    return Send(ctx.t(PROMPTS[state]))


async def _ask(ctx: Context, state: str, changes: dict[str, Any] | None = None,
               lead: str | None = None) -> list[Action]:
    """Stores ``changes`` in the draft, awaits ``state`` and asks its question."""
    await ctx.set_state(state, {**ctx.draft, **(changes or {})})
    question = _prompt(ctx, state)
    if lead:
        question = Send(f"{lead}\n{question.text}", keyboard=question.keyboard)
    return [question]


@router.command("post")
async def command_post(incoming: Incoming, ctx: Context) -> list[Action]:
    """Starts the dialog (employers only) with an empty draft."""
    ensure_employer(ctx.user)
    ctx.draft = {}
    return await _ask(ctx, "post.title")


async def _finish(ctx: Context, deadline: date | None) -> list[Action]:
    """Stores the draft project and shows its card."""
    draft = ctx.draft
    project = await create_project(ctx.uow, ctx.user, ProjectDraft(
        title=draft["title"], description=draft["description"], category=draft["category"],
        kind=draft["kind"], budget_min=draft["low"], budget_max=draft["high"],
        currency=draft["currency"], deadline=deadline), ctx.now())
    await ctx.clear_state()
    text, buttons = await project_card(ctx, project)
    lead = ctx.t("Here is your draft. Publish it when it reads well.")
    return [Send(f"{lead}\n\n{text}", keyboard=buttons)]


@router.state("post.title", "post.description", "post.budget", "post.deadline")
async def process_text(incoming: Incoming, ctx: Context) -> list[Action]:
    """Validates the typed answer of the current step, stores it and asks the next one."""
    state = ctx.state or "post.title"
    text = typed_text(incoming)
    if text is None:
        return await _ask(ctx, state, lead=ctx.t(NO_TEXT))
    try:
        if state == "post.title":
            return await _ask(ctx, "post.description", {"title": validate_title(text)})
        if state == "post.description":
            return await _ask(ctx, "post.category",
                              {"description": validate_description(text)})
        if state == "post.budget":
            currency = ctx.settings.currency
            low, high = parse_range(text, currency, ctx.language)
            return await _ask(ctx, "post.deadline", {"low": low, "high": high,
                                                     "currency": currency})
        return await _finish(ctx, parse_deadline(text, ctx.now().date()))
    except InvalidInput as err:
        return await _ask(ctx, state, lead=ctx.t(err.message, **err.params))


@router.state("post.category", "post.kind")
async def expect_button(incoming: Incoming, ctx: Context) -> list[Action]:
    """Text where a button is awaited: asks again with the buttons."""
    return await _ask(ctx, ctx.state or "post.category", lead=ctx.t(USE_BUTTONS))


@router.callback("pp")
async def post_button(incoming: Incoming, ctx: Context) -> list[Action]:
    """Category, kind and "no deadline" buttons, each only at its own step."""
    data = parts(incoming)
    if data == ["pp", "nodl"] and ctx.state == "post.deadline":
        return [Edit(ctx.t("No deadline.")), *await _finish(ctx, None)]
    if data is None or len(data) != 3:
        return stale(ctx)
    if data[1] == "cat" and ctx.state == "post.category":
        try:
            code = validate_category(data[2])
        except InvalidInput:
            return stale(ctx)
        return [Edit(ctx.t("Category: {name}", name=category_name(ctx, code))),
                *await _ask(ctx, "post.kind", {"category": code})]
    if data[1] == "kind" and ctx.state == "post.kind" and data[2] in KIND_NAMES:
        kind = ProjectKind(data[2])
        return [Edit(ctx.t(KIND_NAMES[kind])), *await _ask(ctx, "post.budget",
                                                           {"kind": kind.value})]
    return stale(ctx)
