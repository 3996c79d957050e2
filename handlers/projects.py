"""Project cards, the owner's actions on them, ``/myprojects`` and ``t.me/<bot>?start=p<id>``.

Callback data (every id is loaded through :mod:`core.services.market`, which answers
"not found" for someone else's draft and for the owner's actions asked by anyone else)::

    pj:v:<id>             open a project card (anyone who may see it)
    pj:pub:<id>           publish a draft                       (owner)
    pj:cl:<id>            ask to close / discard; pj:clok:<id> closes (owner)
    pj:ed:<id>            the edit menu; pj:ef:<id>:<field> edits one field (owner)
    pj:ec:<id>:<code>     new category; pj:ek:<id>:<kind> new kind; pj:nd:<id> no deadline
    pj:my:<page>          the owner's projects

Editing a typed field (title, description, budget, deadline) awaits ``pj.edit`` with
``{"id", "field"}`` in the draft; ``/cancel`` keeps the old value.
"""

from __future__ import annotations

from core.accounts import Role
from core.applications import ApplicationStatus
from core.bookmarks import BookmarkKind
from core.categories import CATEGORIES
from core.errors import N_, DomainError, InvalidInput, NotFound
from core.ids import require_id
from core.projects import (
    Project,
    ProjectKind,
    ProjectStatus,
    parse_deadline,
    parse_range,
    validate_description,
    validate_title,
)
from core.services.market import (
    close_project,
    edit_project,
    my_projects,
    own_project,
    publish_project,
    read_project,
)
from handlers.context import Context
from handlers.contract import (
    Action,
    AnswerCallback,
    Button,
    Callback,
    Edit,
    Incoming,
    Keyboard,
    Send,
    keyboard,
)
from handlers.keyboards import NO_TEXT, stale, typed_text
from handlers.market_format import (
    KIND_NAMES,
    category_name,
    day,
    nav_row,
    number,
    page_number,
    parts,
    price,
    short,
)
from handlers.router import Router

__all__ = ["category_rows", "open_payload", "project_card", "reply", "router"]

router = Router()

NOT_AN_EMPLOYER = N_("Employers post projects. Add the employer role in /profile to post one.")

EDIT_STATE = "pj.edit"
STATUS_NAMES = {
    ProjectStatus.DRAFT: N_("draft (only you can see it)"),
    ProjectStatus.PUBLISHED: N_("published"),
    ProjectStatus.CLOSED: N_("closed"),
}
EDIT_PROMPTS = {
    "title": N_("Type the new title (5 to 100 characters)."),
    "description": N_("Type the new description (20 to 3000 characters)."),
    "deadline": N_("Type the new deadline as YYYY-MM-DD or DD.MM.YYYY."),
}
BUDGET_PROMPTS = {
    ProjectKind.HOURLY: N_("Type the hourly rate range in {currency}, for example 20-40."),
    ProjectKind.FIXED: N_("Type the budget range in {currency}, for example 500-1000."),
}


def reply(incoming: Incoming, text: str, buttons: Keyboard | None = None) -> Action:
    """Edit the message whose button was pressed, or send a new one for a command or text."""
    if isinstance(incoming.event, Callback):
        return Edit(text, keyboard=buttons)
    return Send(text, keyboard=buttons)


def category_rows(ctx: Context, data: str) -> list[list[Button]]:
    """One button per category, two per row; ``data`` gets ``{code}`` filled in."""
    buttons = [Button(ctx.t(c.name), data=data.format(code=c.code)) for c in CATEGORIES]
    return [buttons[i:i + 2] for i in range(0, len(buttons), 2)]


def project_text(ctx: Context, project: Project) -> str:
    """The card's text: title, category, kind, budget, deadline, status, description."""
    lines = [f"📌 {project.title}",
             f"{category_name(ctx, project.category)} · {ctx.t(KIND_NAMES[project.kind])}",
             ctx.t("Budget: {budget}", budget=price(ctx, project.budget_min, project.budget_max,
                                                     project.currency, project.kind))]
    if project.deadline is not None:
        lines.append(ctx.t("Deadline: {date}", date=day(ctx, project.deadline)))
    if project.owner_id == ctx.user.id or project.status is not ProjectStatus.PUBLISHED:
        lines.append(ctx.t("Status: {status}", status=ctx.t(STATUS_NAMES[project.status])))
    lines += ["", project.description, ""]
    if project.published_at is not None:  # a draft was never posted: it says when it was made
        lines.append(ctx.t("Posted on {date}", date=day(ctx, project.published_at.date())))
    else:
        lines.append(ctx.t("Created on {date}", date=day(ctx, project.created_at.date())))
    if project.status is ProjectStatus.PUBLISHED:
        lines.append(ctx.t("Link: {link}", link=(
            f"https://t.me/{ctx.settings.bot_username}?start=p{project.id}")))
    return "\n".join(lines)


async def project_buttons(ctx: Context, project: Project) -> Keyboard:
    """The actions this viewer may take on ``project``, and nothing else."""
    pid = require_id(project)
    if project.owner_id == ctx.user.id:
        if project.status is ProjectStatus.DRAFT:
            return keyboard([Button(ctx.t("Publish"), data=f"pj:pub:{pid}"),
                             Button(ctx.t("Edit"), data=f"pj:ed:{pid}")],
                            [Button(ctx.t("Discard the draft"), data=f"pj:cl:{pid}")])
        rows = [[Button(ctx.t("Applicants"), data=f"ap:ls:{pid}:0")]]
        if project.status is ProjectStatus.PUBLISHED:
            rows.append([Button(ctx.t("Edit"), data=f"pj:ed:{pid}"),
                         Button(ctx.t("Close the project"), data=f"pj:cl:{pid}")])
        return keyboard(*rows)
    if Role.EXPERT not in ctx.user.roles:
        return keyboard()
    row = []
    mine = await ctx.uow.market.applications.find(pid, ctx.user.id)
    if mine is not None and mine.status is not ApplicationStatus.WITHDRAWN:
        row.append(Button(ctx.t("My application"), data=f"ap:v:{mine.id}"))
    elif project.is_open:
        row.append(Button(ctx.t("Apply"), data=f"ap:new:{pid}"))
    kept = await ctx.uow.market.bookmarks.exists(ctx.user.id, BookmarkKind.PROJECT, pid)
    row.append(Button(ctx.t("★ Bookmarked") if kept else ctx.t("☆ Bookmark"),
                      data=f"bm:{'rp' if kept else 'ap'}:{pid}"))
    return keyboard(row)


async def project_card(ctx: Context, project: Project) -> tuple[str, Keyboard]:
    """The card of ``project`` as this viewer sees it."""
    return project_text(ctx, project), await project_buttons(ctx, project)


async def open_payload(ctx: Context, payload: str) -> list[Action] | None:
    """``/start p<id>`` (a deep link to a project): its card; None for other payloads.

    A project the user may not see (someone else's draft, an unknown id) gets the "not found"
    answer without raising, so the rest of ``/start`` (sign-up) is kept.
    """
    if not payload.startswith("p") or (project_id := number(payload[1:])) is None:
        return None
    try:
        project = await read_project(ctx.uow, ctx.user, project_id)
    except NotFound as err:
        return [Send(ctx.t(err.message, **err.params))]
    text, buttons = await project_card(ctx, project)
    return [Send(text, keyboard=buttons)]


async def _my_list(incoming: Incoming, ctx: Context, page: int) -> list[Action]:
    """The owner's projects, newest first, one button each."""
    found = await my_projects(ctx.uow, ctx.user, page)
    if not found.items and page == 0:  # never point at /post someone cannot use (ACC-01/02)
        empty = (NOT_AN_EMPLOYER if Role.CLIENT not in ctx.user.roles else
                 N_("You have no projects yet.") if ctx.user.is_suspended else
                 N_("You have no projects yet. Send /post to write one."))
        return [reply(incoming, ctx.t(empty))]
    lines = [ctx.t("Your projects:")]
    rows = []
    for project in found.items:
        lines.append(f"• {project.title} — {ctx.t(STATUS_NAMES[project.status])}")
        rows.append([Button(short(project.title), data=f"pj:v:{project.id}")])
    rows.append(nav_row(ctx, page, found.has_more, lambda p: f"pj:my:{p}"))
    return [reply(incoming, "\n".join(lines), keyboard(*rows))]


@router.command("myprojects")
async def command_my_projects(incoming: Incoming, ctx: Context) -> list[Action]:
    """Lists the user's own projects (drafts, published and closed)."""
    return await _my_list(incoming, ctx, 0)


def _edit_menu(ctx: Context, project: Project) -> Keyboard:
    pid = project.id
    rows = [[Button(ctx.t("Title"), data=f"pj:ef:{pid}:title"),
             Button(ctx.t("Description"), data=f"pj:ef:{pid}:description")],
            [Button(ctx.t("Category"), data=f"pj:ef:{pid}:category"),
             Button(ctx.t("Budget"), data=f"pj:ef:{pid}:budget")],
            [Button(ctx.t("Deadline"), data=f"pj:ef:{pid}:deadline")]]
    if project.status is ProjectStatus.DRAFT:
        rows[2].append(Button(ctx.t("Hourly or fixed"), data=f"pj:ef:{pid}:kind"))
    rows.append([Button(ctx.t("Done"), data=f"pj:v:{pid}")])
    return keyboard(*rows)


async def _begin_edit(ctx: Context, project: Project, field: str) -> list[Action]:
    """Asks for the new value of ``field`` (buttons for category and kind)."""
    pid = project.id
    if field == "category":
        return [Send(ctx.t("Choose the category:"),
                     keyboard=keyboard(*category_rows(ctx, f"pj:ec:{pid}:{{code}}")))]
    if field == "kind":
        return [Send(ctx.t("Is it paid by the hour or a fixed price?"), keyboard=keyboard(
            [Button(ctx.t(KIND_NAMES[k]), data=f"pj:ek:{pid}:{k}") for k in KIND_NAMES]))]
    await ctx.set_state(EDIT_STATE, {"id": pid, "field": field})
    if field == "budget":
        return [Send(ctx.t(BUDGET_PROMPTS[project.kind], currency=project.currency))]
    buttons = keyboard([Button(ctx.t("No deadline"), data=f"pj:nd:{pid}")]) if (
        field == "deadline") else None
    return [Send(ctx.t(EDIT_PROMPTS[field]), keyboard=buttons)]


async def _changed(ctx: Context, project: Project) -> list[Action]:
    text, buttons = await project_card(ctx, project)
    return [Send(ctx.t("Saved.") + "\n\n" + text, keyboard=buttons)]


@router.callback("pj")
async def project_button(incoming: Incoming, ctx: Context) -> list[Action]:
    """Every ``pj:`` button; the service loads the project and checks this user may act."""
    data = parts(incoming)
    if data is None or len(data) < 3:
        return stale(ctx)
    verb, object_id = data[1], number(data[2])
    if verb == "my" and len(data) == 3:
        page = page_number(data[2])
        return stale(ctx) if page is None else await _my_list(incoming, ctx, page)
    if object_id is None:
        return stale(ctx)
    if verb == "v" and len(data) == 3:
        project = await read_project(ctx.uow, ctx.user, object_id)
        text, buttons = await project_card(ctx, project)
        return [Send(text, keyboard=buttons)]
    if verb in ("pub", "clok") and len(data) == 3:
        action = publish_project if verb == "pub" else close_project
        project = await action(ctx.uow, ctx.user, object_id, ctx.now())
        text, buttons = await project_card(ctx, project)
        note = ctx.t("Published.") if verb == "pub" else ctx.t("Closed.")
        return [AnswerCallback(note), Edit(text, keyboard=buttons)]
    project = await own_project(ctx.uow, ctx.user, object_id)
    if verb == "cl" and len(data) == 3:
        project.ensure_editable()
        return [Send(ctx.t("Close “{title}”? Nobody will be able to apply any more.",
                           title=project.title), keyboard=keyboard(
            [Button(ctx.t("Yes, close it"), data=f"pj:clok:{object_id}"),
             Button(ctx.t("Keep it"), data=f"pj:v:{object_id}")]))]
    if verb == "ed" and len(data) == 3:
        project.ensure_editable()
        return [Edit(project_text(ctx, project) + "\n\n" + ctx.t("What do you want to change?"),
                     keyboard=_edit_menu(ctx, project))]
    if verb == "ef" and len(data) == 4 and data[3] in (*EDIT_PROMPTS, "budget", "category",
                                                        "kind"):
        project.ensure_editable()
        return await _begin_edit(ctx, project, data[3])
    if verb in ("ec", "ek", "nd"):
        field, value = {"ec": ("category", data[-1]), "ek": ("kind", data[-1]),
                        "nd": ("deadline", None)}[verb]
        if (verb == "nd") != (len(data) == 3):
            return stale(ctx)
        project = await edit_project(ctx.uow, ctx.user, object_id, ctx.now(), field=field,
                                     value=value)
        await ctx.clear_state()
        return await _changed(ctx, project)
    return stale(ctx)


@router.state(EDIT_STATE)
async def process_edit(incoming: Incoming, ctx: Context) -> list[Action]:
    """Saves the typed title, description, budget or deadline; re-asks with the reason."""
    text = typed_text(incoming)
    project_id, field = ctx.draft.get("id"), ctx.draft.get("field")
    if not isinstance(project_id, int) or field not in ("title", "description", "budget",
                                                        "deadline"):
        await ctx.clear_state()
        return [Send(ctx.t(NO_TEXT))]
    if text is None:
        return [Send(ctx.t(NO_TEXT))]
    project = await own_project(ctx.uow, ctx.user, project_id)
    try:
        value: object
        if field == "budget":
            value = parse_range(text, project.currency, ctx.language)
        elif field == "deadline":
            value = parse_deadline(text, ctx.now().date())
        else:
            value = (validate_title if field == "title" else validate_description)(text)
        project = await edit_project(ctx.uow, ctx.user, project_id, ctx.now(), field=field,
                                     value=value)
    except InvalidInput as err:
        return [Send(ctx.t(err.message, **err.params))]
    except DomainError as err:  # the project was closed meanwhile: this edit is over
        await ctx.clear_state()
        return [Send(ctx.t(err.message, **err.params))]
    await ctx.clear_state()
    return await _changed(ctx, project)
