"""Bookmark use cases (BM-01): employers keep experts, experts keep projects.

Permission rules, in one place:

- Bookmarking an expert needs the employer role; the target must be a freelancer other than
  the actor. Bookmarking a project needs the freelancer role; the project must be one the
  actor may see (never someone else's draft) and not their own.
- Bookmarks are private: each user lists and removes only their own, so removing is keyed by
  the owner and a forged target id can only remove the actor's own bookmark.
- At most 500 bookmarks per user.
"""

from __future__ import annotations

from datetime import datetime

from core.accounts import Role, User, ensure_can_act
from core.bookmarks import BOOKMARKS_LIMIT, Bookmark, BookmarkKind
from core.errors import N_, Conflict, Forbidden, NotFound
from core.ports import UnitOfWork
from core.projects import Page
from core.services.market import PAGE_SIZE, ensure_employer, visible_project
from core.services.market_applications import ensure_expert

__all__ = [
    "EXPERT_NOT_FOUND",
    "bookmark_expert",
    "bookmark_project",
    "is_bookmarked",
    "list_bookmarks",
    "remove_bookmark",
]

EXPERT_NOT_FOUND = N_("That freelancer does not exist.")


async def _keep(uow: UnitOfWork, bookmark: Bookmark) -> bool:
    if await uow.market.bookmarks.exists(bookmark.owner_id, bookmark.kind, bookmark.target_id):
        return False
    if await uow.market.bookmarks.count(bookmark.owner_id) >= BOOKMARKS_LIMIT:
        raise Conflict(N_("You have {limit} bookmarks; remove some first."),
                       limit=BOOKMARKS_LIMIT)
    return await uow.market.bookmarks.add(bookmark)


async def bookmark_expert(uow: UnitOfWork, actor: User, expert_id: int, now: datetime) -> bool:
    """BM-01: an employer bookmarks a freelancer; False if it was already bookmarked."""
    ensure_employer(actor)
    expert = await uow.users.get(expert_id)
    if expert is None or Role.EXPERT not in expert.roles:
        raise NotFound(EXPERT_NOT_FOUND)
    if expert.id == actor.id:
        raise Forbidden(N_("You cannot bookmark yourself."))
    return await _keep(uow, Bookmark(actor.id, BookmarkKind.EXPERT, expert_id, now))


async def bookmark_project(uow: UnitOfWork, actor: User, project_id: int, now: datetime) -> bool:
    """BM-01: a freelancer bookmarks a project; False if it was already bookmarked."""
    ensure_expert(actor)
    project = await visible_project(uow, actor, project_id)
    if project.owner_id == actor.id:
        raise Forbidden(N_("You cannot bookmark your own project."))
    return await _keep(uow, Bookmark(actor.id, BookmarkKind.PROJECT, project_id, now))


async def remove_bookmark(uow: UnitOfWork, actor: User, kind: str, target_id: int) -> bool:
    """BM-01: remove one of the actor's own bookmarks; False if there was none (ACC-02)."""
    ensure_can_act(actor)
    try:
        bookmark_kind = BookmarkKind(kind)
    except ValueError:
        raise NotFound(N_("That bookmark does not exist.")) from None
    return await uow.market.bookmarks.remove(actor.id, bookmark_kind, target_id)


async def is_bookmarked(uow: UnitOfWork, actor: User, kind: BookmarkKind,
                        target_id: int) -> bool:
    """Whether the actor keeps this target (for the button's label)."""
    return await uow.market.bookmarks.exists(actor.id, kind, target_id)


async def list_bookmarks(uow: UnitOfWork, actor: User, kind: BookmarkKind,
                         page: int) -> Page[Bookmark]:
    """BM-01: the actor's own bookmarks of ``kind``, newest first."""
    return await uow.market.bookmarks.list(actor.id, kind, max(page, 0), PAGE_SIZE)
