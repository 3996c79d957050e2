"""Application use cases: apply, withdraw, shortlist, choose (which sends an offer).

Permission rules, in one place:

- Only a freelancer (ACC-01 role ``expert``) applies, to a published project that is not
  their own; one application per project (a withdrawn one may be sent again).
- An application is seen by its freelancer and by the project's owner; for anyone else it is
  :class:`NotFound`, as is an unknown id. Its freelancer alone withdraws it; the owner alone
  lists applicants, shortlists and chooses.
- RAT-01: +1 point for each project applied to, for the first 100 projects; +5 to the
  freelancer each time they are chosen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.accounts import Role, User, ensure_can_act, pick_language
from core.applications import (
    APPLICATION_POINTS_LIMIT,
    Application,
    ApplicationStatus,
    application_award,
    chosen_award,
    validate_cover_letter,
)
from core.contracts import Contract, validate_milestone_title, validate_weekly_limit
from core.errors import N_, Conflict, Forbidden, InvalidInput, NotFound
from core.milestone_terms import DEFAULT_POLICY
from core.money import Money
from core.ports import UnitOfWork
from core.projects import Page, Project, ProjectKind, amount_max
from core.services.market import PAGE_SIZE, ensure_employer, own_project, visible_project
from core.services.screening import flag_user_text, readable, readable_all

__all__ = [
    "read_application",
    "APPLICATION_NOT_FOUND",
    "OfferTerms",
    "applicants",
    "apply",
    "check_can_apply",
    "choose",
    "my_applications",
    "offer_candidate",
    "shortlist",
    "visible_application",
    "withdraw",
]

APPLICATION_NOT_FOUND = N_("That application does not exist or is not available to you.")


@dataclass(frozen=True, slots=True)
class OfferTerms:
    """What the employer fixes when choosing: hourly limit, or the first milestone."""

    weekly_limit: int | None = None
    milestone_title: str | None = None
    milestone_amount: int | None = None


def ensure_expert(user: User) -> None:
    """ACC-01: applying needs the freelancer role; ACC-02: not while suspended."""
    ensure_can_act(user)
    if not user.is_onboarded:  # no role chosen yet: /profile says the same
        raise Forbidden(N_("You have not signed up yet. Send /start to begin."))
    if Role.EXPERT not in user.roles:
        raise Forbidden(N_("Only freelancers can do that. Add the freelancer role in /profile."))


def _check_amount(amount: int, currency: str) -> int:
    if amount <= 0:
        raise InvalidInput(N_("The amount must be more than zero."))
    if amount > amount_max(currency).minor:
        raise InvalidInput(N_("The amount is too large."))
    return amount


async def check_can_apply(uow: UnitOfWork, actor: User, project_id: int) -> Project:
    """The project, if the actor may apply to it now (before asking for the letter)."""
    ensure_expert(actor)
    project = await visible_project(uow, actor, project_id)
    if project.owner_id == actor.id:
        raise Forbidden(N_("You cannot apply to your own project."))
    if not project.is_open:
        raise Conflict(N_("This project no longer accepts applications."))
    existing = await uow.market.applications.find(project_id, actor.id)
    if existing is not None and existing.status is not ApplicationStatus.WITHDRAWN:
        raise Conflict(N_("You have already applied to this project."))
    return project


async def apply(uow: UnitOfWork, actor: User, project_id: int, cover_letter: str, amount: int,
                now: datetime) -> Application:
    """Apply to a published project (or send a withdrawn application again)."""
    project = await check_can_apply(uow, actor, project_id)
    letter = validate_cover_letter(cover_letter)
    _check_amount(amount, project.currency)
    repo = uow.market.applications
    application = await repo.find(project_id, actor.id)
    if application is not None:
        application.resubmit(letter, amount, now)
        await repo.save(application)
        await flag_user_text(uow, actor, application, now, reader_id=project.owner_id)
        return application
    application = await repo.add(Application(
        project_id=project_id, freelancer_id=actor.id, cover_letter=letter, amount=amount,
        currency=project.currency, created_at=now, updated_at=now))
    if await repo.count_by_freelancer(actor.id) <= APPLICATION_POINTS_LIMIT:
        await uow.points.award(actor.id, application_award(project_id), now)
    await flag_user_text(uow, actor, application, now, reader_id=project.owner_id)  # MSG-03
    return application


async def read_application(uow: UnitOfWork, actor: User,
                           application_id: int) -> tuple[Application, Project]:
    """An application and its project as the actor reads them: the other side's texts with
    contact details masked until an accepted contract joins them (MSG-03)."""
    application, project = await visible_application(uow, actor, application_id)
    return await readable(uow, actor, application), await readable(uow, actor, project)


async def visible_application(uow: UnitOfWork, actor: User,
                              application_id: int) -> tuple[Application, Project]:
    """An application seen by its freelancer or the project's owner; NotFound for others."""
    application = await uow.market.applications.get(application_id)
    if application is not None:
        project = await uow.market.projects.get(application.project_id)
        if project is not None and actor.id in (application.freelancer_id, project.owner_id):
            return application, project
    raise NotFound(APPLICATION_NOT_FOUND)


async def _owners_application(uow: UnitOfWork, actor: User,
                              application_id: int) -> tuple[Application, Project]:
    application, project = await visible_application(uow, actor, application_id)
    if project.owner_id != actor.id:
        raise NotFound(APPLICATION_NOT_FOUND)
    return application, project


async def withdraw(uow: UnitOfWork, actor: User, application_id: int,
                   now: datetime) -> Application:
    """The freelancer withdraws their own application."""
    application, _ = await visible_application(uow, actor, application_id)
    if application.freelancer_id != actor.id:
        raise NotFound(APPLICATION_NOT_FOUND)
    ensure_can_act(actor)
    application.withdraw(now)
    await uow.market.applications.save(application)
    return application


async def shortlist(uow: UnitOfWork, actor: User, application_id: int, on: bool,
                    now: datetime) -> Application:
    """The owner puts an applicant on (or off) the shortlist."""
    application, _ = await _owners_application(uow, actor, application_id)
    ensure_can_act(actor)
    application.shortlist(on, now)
    await uow.market.applications.save(application)
    return application


async def applicants(uow: UnitOfWork, actor: User, project_id: int,
                     page: int) -> tuple[Project, Page[Application]]:
    """The owner's view of a project's applicants (withdrawn ones left out)."""
    project = await own_project(uow, actor, project_id)
    found = await uow.market.applications.for_project(project_id, max(page, 0), PAGE_SIZE)
    return project, type(found)(tuple(await readable_all(uow, actor, found.items)), found.page,
                                found.has_more)


async def my_applications(uow: UnitOfWork, actor: User, page: int) -> Page[Application]:
    """The freelancer's own applications, newest first."""
    return await uow.market.applications.by_freelancer(actor.id, max(page, 0), PAGE_SIZE)


async def offer_candidate(uow: UnitOfWork, actor: User,
                          application_id: int) -> tuple[Application, Project]:
    """An application the actor (its project's owner) may choose now, with its project."""
    application, project = await _owners_application(uow, actor, application_id)
    ensure_employer(actor)
    if not project.is_open:
        raise Conflict(N_("This project is closed, so nobody can be chosen for it."))
    if not application.is_active:
        raise Conflict(N_("This application is no longer waiting for an answer."))
    return application, project


async def choose(uow: UnitOfWork, actor: User, application_id: int, terms: OfferTerms,
                 now: datetime) -> Contract:
    """The owner chooses an applicant: the application is chosen and an offer is sent.

    Hourly offers carry the proposed rate and an optional weekly hour limit; fixed offers
    carry their first milestone (title, and an amount that defaults to the proposed price).
    The chosen freelancer earns RAT-01's +5.
    """
    application, project = await offer_candidate(uow, actor, application_id)
    application.choose(now)
    common = dict(project_id=project.id, application_id=application.id,
                  client_id=project.owner_id, expert_id=application.freelancer_id,
                  kind=project.kind, currency=project.currency, created_at=now)
    if project.kind is ProjectKind.HOURLY:
        contract = Contract(**common, hourly_rate=application.amount,  # type: ignore[arg-type]
                            weekly_limit=validate_weekly_limit(terms.weekly_limit))
    else:
        amount = _check_amount(terms.milestone_amount or application.amount, project.currency)
        DEFAULT_POLICY.check_amount(Money(amount, project.currency),  # MS-01 at offer time
                                    pick_language(actor.language, actor.telegram_language))
        title = validate_milestone_title(terms.milestone_title or "")
        contract = Contract(**common, milestone_title=title,  # type: ignore[arg-type]
                            milestone_amount=amount)
    await uow.market.applications.save(application)
    contract = await uow.market.contracts.add(contract)
    await flag_user_text(uow, actor, contract, now, reader_id=contract.expert_id)  # MSG-03
    assert application.id is not None  # a stored application has an id
    await uow.points.award(application.freelancer_id, chosen_award(application.id), now)
    return contract
