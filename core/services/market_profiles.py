"""Profile use cases: the freelancer's profile and portfolio, the employer's profile, and the
public profile card.

Permission rules, in one place:

- Each user edits only their own profiles: the freelancer profile and portfolio need the
  freelancer role, the employer profile the employer role (ACC-01); suspended users change
  nothing (ACC-02).
- A portfolio item is removed only by its owner; for anyone else it is :class:`NotFound`.
- The public card exists for users with a marketplace role; anyone may open it.
- RAT-01: +1 point per portfolio item, at most 100, keyed by slot (see :mod:`core.profiles`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from core.accounts import Role, User, ensure_can_act, validate_name
from core.bookmarks import BookmarkKind
from core.categories import validate_categories
from core.contracts import ContractStatus
from core.errors import N_, Conflict, InvalidInput, NotFound
from core.ports import UnitOfWork
from core.profiles import (
    PORTFOLIO_LIMIT,
    AccountType,
    EmployerProfile,
    FreelancerProfile,
    PortfolioItem,
    parse_skills,
    portfolio_award,
    validate_company,
    validate_country,
    validate_headline,
    validate_link,
    validate_portfolio_title,
)
from core.projects import amount_max
from core.screening import TextField
from core.services.market import ensure_employer
from core.services.market_applications import ensure_expert
from core.services.screening import flag_user_text, readable, readable_all

__all__ = [
    "PROFI_POINTS",
    "PROFILE_NOT_FOUND",
    "ProfileCard",
    "add_portfolio_item",
    "public_card",
    "remove_portfolio_item",
    "save_employer_profile",
    "update_freelancer_profile",
]

PROFI_POINTS = 500  # RAT-02
PROFILE_NOT_FOUND = N_("That profile does not exist.")
FREELANCER_FIELDS = frozenset({"account_type", "headline", "skills", "categories", "rate",
                               "country"})


@dataclass(frozen=True, slots=True)
class ProfileCard:
    """Everything the public profile card shows."""

    user: User
    freelancer: FreelancerProfile | None
    employer: EmployerProfile | None
    portfolio: tuple[PortfolioItem, ...]
    points: int
    active_contracts: int
    ended_contracts: int
    bookmarked: bool = False
    is_self: bool = False
    roles: frozenset[Role] = field(default_factory=frozenset)

    @property
    def profi(self) -> bool:
        """RAT-02: the PROFI badge from 500 points."""
        return self.points >= PROFI_POINTS


async def update_freelancer_profile(uow: UnitOfWork, actor: User, now: datetime,
                                    changes: dict[str, object], currency: str,
                                    language: str = "en") -> FreelancerProfile:
    """Create or change the actor's freelancer profile from typed values.

    ``changes`` maps field names (account_type, headline, skills, categories, rate, country) to
    what the user gave: strings, a list of category codes, or a rate in minor units.
    A new profile needs at least the account type and the headline.
    """
    ensure_expert(actor)
    unknown = set(changes) - FREELANCER_FIELDS
    if unknown:
        raise InvalidInput(N_("That cannot be changed."))
    profile = await uow.market.profiles.freelancer(actor.id)
    if profile is None:
        if "account_type" not in changes or "headline" not in changes:
            raise InvalidInput(N_("Start with your account type and a headline."))
        profile = FreelancerProfile(user_id=actor.id, account_type=AccountType.PROFESSIONAL,
                                    headline="", created_at=now, currency=currency)
    for name, value in changes.items():
        _apply(profile, name, value, language)
    profile.updated_at = now
    await uow.market.profiles.save_freelancer(profile)
    screened = {TextField.PROFILE_HEADLINE: "headline", TextField.PROFILE_SKILLS: "skills"}
    await flag_user_text(uow, actor, profile, now,  # MSG-03: the public card
                         only={field for field, name in screened.items() if name in changes})
    return profile


def _apply(profile: FreelancerProfile, name: str, value: object, language: str) -> None:
    """Validate and set one field of ``profile``."""
    if name == "account_type":
        try:
            profile.account_type = AccountType(str(value))
        except ValueError:
            raise InvalidInput(N_("Please choose professional or studio.")) from None
    elif name == "headline":
        profile.headline = validate_headline(str(value))
    elif name == "skills":
        profile.skills = parse_skills(str(value))
    elif name == "categories":
        profile.categories = validate_categories(list(value))  # type: ignore[call-overload]
    elif name == "rate":
        rate = int(value)  # type: ignore[call-overload]
        if rate <= 0 or rate > amount_max(profile.currency).minor:
            raise InvalidInput(N_("The amount must be more than zero."))
        profile.hourly_rate = rate
    else:
        profile.country = validate_country(str(value), language)


async def add_portfolio_item(uow: UnitOfWork, actor: User, now: datetime, title: str, *,
                             file_id: str | None = None, file_kind: str | None = None,
                             link: str | None = None) -> tuple[PortfolioItem, bool]:
    """Add a portfolio item; True when it earned RAT-01's +1 (the first 100 slots)."""
    ensure_expert(actor)
    if await uow.market.profiles.freelancer(actor.id) is None:
        raise Conflict(N_("Create your freelancer profile first."))
    items = await uow.market.profiles.portfolio(actor.id)
    if len(items) >= PORTFOLIO_LIMIT:
        raise Conflict(N_("Your portfolio is full ({limit} items); remove one first."),
                       limit=PORTFOLIO_LIMIT)
    item = PortfolioItem(owner_id=actor.id, title=validate_portfolio_title(title),
                         created_at=now, file_id=file_id,
                         file_kind=("photo" if file_kind == "photo" else "document")
                         if file_id is not None else None,
                         link=validate_link(link) if link is not None else None)
    item = await uow.market.profiles.add_portfolio(item)
    await flag_user_text(uow, actor, item, now)  # MSG-03: the public card
    slot = len(items) + 1
    awarded = await uow.points.award(actor.id, portfolio_award(slot), now)
    return item, awarded


async def remove_portfolio_item(uow: UnitOfWork, actor: User, item_id: int) -> PortfolioItem:
    """Remove one of the actor's portfolio items (points already earned stay)."""
    item = await uow.market.profiles.portfolio_item(item_id)
    if item is None or item.owner_id != actor.id:
        raise NotFound(N_("That portfolio item does not exist."))
    ensure_can_act(actor)
    await uow.market.profiles.remove_portfolio(item_id)
    return item


async def save_employer_profile(uow: UnitOfWork, actor: User, now: datetime, *,
                                name: str | None = None,
                                company: str | None = None,
                                clear_company: bool = False) -> EmployerProfile:
    """Create or change the actor's employer profile (a name and an optional company)."""
    ensure_employer(actor)
    profile = await uow.market.profiles.employer(actor.id)
    if profile is None:
        if name is None:
            raise InvalidInput(N_("Start with the name freelancers will see."))
        profile = EmployerProfile(user_id=actor.id, name="", created_at=now)
    if name is not None:
        profile.name = validate_name(name)
    if clear_company:
        profile.company = None
    elif company is not None:
        profile.company = validate_company(company)
    profile.updated_at = now
    await uow.market.profiles.save_employer(profile)
    changed = {TextField.EMPLOYER_NAME} if name is not None else set()
    if company is not None and not clear_company:
        changed.add(TextField.EMPLOYER_COMPANY)
    await flag_user_text(uow, actor, profile, now, only=changed)  # MSG-03: the public card
    return profile


async def public_card(uow: UnitOfWork, viewer: User, user_id: int) -> ProfileCard:
    """The public card of a user with a marketplace role; NotFound for anyone else."""
    user = await uow.users.get(user_id)
    if user is None or not user.roles & {Role.EXPERT, Role.CLIENT}:
        raise NotFound(PROFILE_NOT_FOUND)
    market = uow.market
    freelancer = await market.profiles.freelancer(user_id) if Role.EXPERT in user.roles else None
    employer = await market.profiles.employer(user_id)
    portfolio = await market.profiles.portfolio(user_id) if freelancer else []
    return ProfileCard(  # MSG-03: the viewer reads contact details masked
        user=user, freelancer=await readable(uow, viewer, freelancer) if freelancer else None,
        employer=await readable(uow, viewer, employer) if employer else None,
        portfolio=tuple(await readable_all(uow, viewer, portfolio)),
        points=await uow.points.total(user_id),
        active_contracts=await market.contracts.count_for(user_id, ContractStatus.ACTIVE),
        ended_contracts=await market.contracts.count_for(user_id, ContractStatus.ENDED),
        bookmarked=await market.bookmarks.exists(viewer.id, BookmarkKind.EXPERT, user_id),
        is_self=viewer.id == user_id, roles=frozenset(user.roles))
