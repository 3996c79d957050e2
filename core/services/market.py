"""Project use cases: post a draft, publish, edit, close, browse and search.

Permission rules, in one place:

- Only an employer (ACC-01 role ``client``) posts projects; a suspended user changes nothing
  (ACC-02).
- A draft exists only for its owner: anyone else asking for it gets :class:`NotFound`, exactly
  as for an id that does not exist, so forged ids tell nothing.
- Only the owner edits, publishes or closes a project; for anyone else the project is
  :class:`NotFound` too (a published project is public, but its owner's actions are not).
- Search lists published projects only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import cast

from core.accounts import Role, User, ensure_can_act
from core.categories import category
from core.errors import N_, Forbidden, InvalidInput, NotFound
from core.ports import UnitOfWork
from core.projects import (
    Page,
    Project,
    ProjectKind,
    ProjectStatus,
    validate_budget,
    validate_category,
    validate_deadline,
    validate_description,
    validate_title,
)
from core.screening import TextField, masked
from core.services.screening import flag_user_text, readable, readable_all

__all__ = [
    "read_project",
    "KEYWORD_MAX",
    "PAGE_SIZE",
    "PROJECT_NOT_FOUND",
    "ProjectDraft",
    "close_project",
    "create_project",
    "edit_project",
    "my_projects",
    "own_project",
    "publish_project",
    "search_projects",
    "visible_project",
]

PAGE_SIZE = 5
KEYWORD_MAX = 50
PROJECT_NOT_FOUND = N_("That project does not exist or is not available to you.")
EDITABLE = frozenset({"title", "description", "category", "budget", "deadline", "kind"})


@dataclass(frozen=True, slots=True)
class ProjectDraft:
    """What the /post dialog collected, not yet validated."""

    title: str
    description: str
    category: str
    kind: str
    budget_min: int
    budget_max: int
    currency: str
    deadline: date | None = None


def ensure_employer(user: User) -> None:
    """ACC-01: posting and hiring need the employer role; ACC-02: not while suspended."""
    ensure_can_act(user)
    if not user.is_onboarded:  # no role chosen yet: /profile says the same
        raise Forbidden(N_("You have not signed up yet. Send /start to begin."))
    if Role.CLIENT not in user.roles:
        raise Forbidden(N_("Only employers can do that. Add the employer role in /profile."))


async def create_project(uow: UnitOfWork, actor: User, draft: ProjectDraft,
                         now: datetime) -> Project:
    """Validate ``draft`` and store it as the actor's new draft project."""
    ensure_employer(actor)
    try:
        kind = ProjectKind(draft.kind)
    except ValueError:
        raise InvalidInput(N_("Please choose hourly or fixed price.")) from None
    low, high = validate_budget(draft.budget_min, draft.budget_max)
    deadline = validate_deadline(draft.deadline, now.date()) if draft.deadline else None
    project = Project(owner_id=actor.id, title=validate_title(draft.title),
                      description=validate_description(draft.description),
                      category=validate_category(draft.category), kind=kind,
                      currency=draft.currency, budget_min=low, budget_max=high,
                      deadline=deadline, created_at=now, updated_at=now)
    project = await uow.market.projects.add(project)
    await flag_user_text(uow, actor, project, now)  # MSG-03: read by every freelancer
    return project


async def visible_project(uow: UnitOfWork, actor: User, project_id: int) -> Project:
    """A project the actor may see; :class:`NotFound` for others' drafts and unknown ids."""
    project = await uow.market.projects.get(project_id)
    if project is None or not project.visible_to(actor.id):
        raise NotFound(PROJECT_NOT_FOUND)
    return project


async def read_project(uow: UnitOfWork, actor: User, project_id: int) -> Project:
    """A project as the actor reads it: contact details masked unless they wrote it (MSG-03)."""
    return await readable(uow, actor, await visible_project(uow, actor, project_id))


async def own_project(uow: UnitOfWork, actor: User, project_id: int) -> Project:
    """One of the actor's own projects; :class:`NotFound` for everyone else's."""
    project = await uow.market.projects.get(project_id)
    if project is None or project.owner_id != actor.id:
        raise NotFound(PROJECT_NOT_FOUND)
    return project


async def publish_project(uow: UnitOfWork, actor: User, project_id: int,
                          now: datetime) -> Project:
    """The owner publishes a draft."""
    project = await own_project(uow, actor, project_id)
    ensure_employer(actor)
    project.publish(now)
    await uow.market.projects.save(project)
    return project


async def close_project(uow: UnitOfWork, actor: User, project_id: int, now: datetime) -> Project:
    """The owner closes a project (or discards a draft)."""
    project = await own_project(uow, actor, project_id)
    ensure_can_act(actor)
    project.close(now)
    await uow.market.projects.save(project)
    return project


async def edit_project(uow: UnitOfWork, actor: User, project_id: int, now: datetime, *,
                       field: str, value: object) -> Project:
    """The owner changes one field; the kind only while the project is a draft.

    ``value`` is a string for title, description, category and kind, a (low, high) pair of
    minor units for budget, and a date (or ``None``) for deadline.
    """
    project = await own_project(uow, actor, project_id)
    ensure_can_act(actor)
    project.ensure_editable()
    if field not in EDITABLE:
        raise InvalidInput(N_("That cannot be changed."))
    if field == "title":
        project.title = validate_title(str(value))
    elif field == "description":
        project.description = validate_description(str(value))
    elif field == "category":
        project.category = validate_category(str(value))
    elif field == "budget":
        low, high = cast(tuple[int, int], value)
        project.budget_min, project.budget_max = validate_budget(int(low), int(high))
    elif field == "deadline":
        project.deadline = None if value is None else validate_deadline(value, now.date())  # type: ignore[arg-type]
    else:
        if project.status is not ProjectStatus.DRAFT:
            raise InvalidInput(N_("Hourly or fixed can be changed only before publishing."))
        try:
            project.kind = ProjectKind(str(value))
        except ValueError:
            raise InvalidInput(N_("Please choose hourly or fixed price.")) from None
    project.updated_at = now
    await uow.market.projects.save(project)
    if field in _SCREENED:
        await flag_user_text(uow, actor, project, now, only={_SCREENED[field]})
    return project


_SCREENED = {"title": TextField.PROJECT_TITLE, "description": TextField.PROJECT_DESCRIPTION}


async def my_projects(uow: UnitOfWork, actor: User, page: int) -> Page[Project]:
    """The actor's projects of every status, newest first."""
    return await uow.market.projects.by_owner(actor.id, max(page, 0), PAGE_SIZE)


def normalise_keyword(keyword: str | None) -> str | None:
    """Collapse spaces and cut the keyword to 50 characters; empty means no keyword."""
    if keyword is None:
        return None
    text = " ".join(keyword.split())[:KEYWORD_MAX]
    return text or None


async def search_projects(uow: UnitOfWork, *, category_code: str | None = None,
                          keyword: str | None = None, kind: str | None = None, page: int = 0,
                          page_size: int = PAGE_SIZE, viewer: User | None = None,
                          ) -> Page[Project]:
    """Published projects by category, keyword and kind, newest first, as ``viewer`` reads
    them (contact details masked, MSG-03; for everyone when no viewer is given)."""
    code = category(category_code).code if category_code else None
    try:
        project_kind = ProjectKind(kind) if kind else None
    except ValueError:
        raise InvalidInput(N_("Please choose hourly or fixed price.")) from None
    found = await uow.market.projects.search(code, normalise_keyword(keyword), project_kind,
                                             max(page, 0), page_size)
    items = (await readable_all(uow, viewer, found.items) if viewer is not None
             else [masked(project) for project in found.items])
    return Page(tuple(items), found.page, found.has_more)
