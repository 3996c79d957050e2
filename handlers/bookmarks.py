"""Bookmarks (BM-01): ``/bookmarks`` lists, opens and removes them; cards toggle them.

Callback data::

    bm:l:<p|e>:<page>        the user's bookmarked projects (p) or experts (e)
    bm:ap:<project>          bookmark a project from its card; bm:rp:<project> removes it
    bm:ae:<user>             bookmark an expert from their card; bm:re:<user> removes it
    bm:xp:<project>:<page>   remove from the list (and show the list again); bm:xe likewise

Adding goes through :mod:`core.services.market_bookmarks` (roles, visibility); removing is
keyed by the user, so a forged id can only ever remove the user's own bookmark.
"""

from __future__ import annotations

from core.accounts import Role
from core.bookmarks import BookmarkKind
from core.services.market import read_project
from core.services.market_bookmarks import (
    bookmark_expert,
    bookmark_project,
    list_bookmarks,
    remove_bookmark,
)
from core.services.market_profiles import public_card
from core.services.screening import readable
from handlers.context import Context
from handlers.contract import Action, AnswerCallback, Button, Edit, Incoming, keyboard
from handlers.keyboards import stale
from handlers.market_format import nav_row, number, page_number, parts, price, short
from handlers.profiles import profile_card
from handlers.projects import project_card, reply
from handlers.router import Router

__all__ = ["command_bookmarks", "router"]

router = Router()

KINDS = {"p": BookmarkKind.PROJECT, "e": BookmarkKind.EXPERT}


def _default_tab(ctx: Context) -> str:
    """Experts bookmark projects, employers bookmark experts (BM-01)."""
    return "p" if Role.EXPERT in ctx.user.roles or Role.CLIENT not in ctx.user.roles else "e"


async def _list(incoming: Incoming, ctx: Context, tab: str, page: int) -> list[Action]:
    """One page of the user's bookmarks of one kind, each with open and remove buttons."""
    found = await list_bookmarks(ctx.uow, ctx.user, KINDS[tab], page)
    rows = []
    if tab == "p":
        lines = [ctx.t("Your bookmarked projects:")]
        projects = await ctx.uow.market.projects.get_many([b.target_id for b in found.items])
        for bookmark in found.items:
            project = projects.get(bookmark.target_id)
            if project is None:
                continue
            project = await readable(ctx.uow, ctx.user, project)  # MSG-03
            lines.append(f"• {project.title} — " + price(
                ctx, project.budget_min, project.budget_max, project.currency, project.kind))
            rows.append([Button(short(project.title, 32), data=f"pj:v:{project.id}"),
                         Button("✕", data=f"bm:xp:{project.id}:{page}")])
    else:
        lines = [ctx.t("Your bookmarked freelancers:")]
        for bookmark in found.items:
            user = await ctx.uow.users.get(bookmark.target_id)
            if user is None:
                continue
            profile = await ctx.uow.market.profiles.freelancer(user.id)
            profile = await readable(ctx.uow, ctx.user, profile) if profile else None  # MSG-03
            lines.append(f"• {user.display_name}" + (f" — {profile.headline}" if profile else ""))
            rows.append([Button(short(user.display_name, 32), data=f"pf:v:{user.id}"),
                         Button("✕", data=f"bm:xe:{user.id}:{page}")])
    if not found.items:
        lines.append(ctx.t("No bookmarks yet. Use ☆ Bookmark on a card."))
    rows.append(nav_row(ctx, page, found.has_more, lambda p: f"bm:l:{tab}:{p}"))
    if {Role.EXPERT, Role.CLIENT} <= ctx.user.roles:
        rows.append([Button(ctx.t("Projects"), data="bm:l:p:0"),
                     Button(ctx.t("Freelancers"), data="bm:l:e:0")])
    return [reply(incoming, "\n".join(lines), keyboard(*rows))]


@router.command("bookmarks")
async def command_bookmarks(incoming: Incoming, ctx: Context) -> list[Action]:
    """BM-01: the user's bookmarks (projects for freelancers, freelancers for employers)."""
    return await _list(incoming, ctx, _default_tab(ctx), 0)


@router.callback("bm")
async def bookmark_button(incoming: Incoming, ctx: Context) -> list[Action]:
    """Lists, adds and removes bookmarks; a card is shown again with its new button."""
    data = parts(incoming)
    if data is None or len(data) < 3:
        return stale(ctx)
    verb = data[1]
    if verb == "l" and len(data) == 4 and data[2] in KINDS and (
            page := page_number(data[3])) is not None:
        return await _list(incoming, ctx, data[2], page)
    target = number(data[2])
    if target is None:
        return stale(ctx)
    if verb in ("xp", "xe") and len(data) == 4 and (page := page_number(data[3])) is not None:
        await remove_bookmark(ctx.uow, ctx.user, KINDS[verb[1]].value, target)
        return [AnswerCallback(ctx.t("Removed from bookmarks.")),
                *await _list(incoming, ctx, verb[1], page)]
    if len(data) != 3 or verb not in ("ap", "rp", "ae", "re"):
        return stale(ctx)
    if verb == "ap":
        await bookmark_project(ctx.uow, ctx.user, target, ctx.now())
    elif verb == "ae":
        await bookmark_expert(ctx.uow, ctx.user, target, ctx.now())
    else:
        await remove_bookmark(ctx.uow, ctx.user, KINDS[verb[1]].value, target)
    note = ctx.t("Bookmarked.") if verb.startswith("a") else ctx.t("Removed from bookmarks.")
    if verb[1] == "p":
        text, buttons = await project_card(ctx, await read_project(ctx.uow, ctx.user, target))
    else:
        text, buttons = await profile_card(ctx, await public_card(ctx.uow, ctx.user, target))
    return [AnswerCallback(note), Edit(text, keyboard=buttons)]
