"""Marketplace profiles: the freelancer's (expert's) public profile and the employer's.

A freelancer profile says who the expert is (ACC-01: a professional or a studio), a headline,
skills, categories from :mod:`core.categories`, an hourly rate (integer minor units plus a
currency) and a country (ISO 3166-1 alpha-2; payout rules read it later), plus portfolio items
(a title and a Telegram file or a link). Each portfolio item earns RAT-01's +1, at most 100:
the award is keyed by the item's slot (the number of items once it was added), so deleting and
re-adding items never earns twice. An employer profile is a name and an optional company.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cache

from babel import Locale

from core.errors import N_, InvalidInput
from core.rating import Award

__all__ = [
    "PORTFOLIO_LIMIT",
    "AccountType",
    "EmployerProfile",
    "FreelancerProfile",
    "PortfolioItem",
    "country_name",
    "parse_skills",
    "portfolio_award",
    "validate_company",
    "validate_country",
    "validate_headline",
    "validate_link",
    "validate_portfolio_title",
]

PORTFOLIO_LIMIT = 100
HEADLINE_MIN, HEADLINE_MAX = 5, 120
SKILLS_MAX, SKILL_MAX_CHARS = 20, 40
TITLE_MIN, TITLE_MAX = 3, 100
LINK_MAX = 500
COMPANY_MAX = 100
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})
_LINK = re.compile(r"^https?://[^\s/$.?#][^\s]*\.[^\s]{2,}$", re.IGNORECASE)


class AccountType(StrEnum):
    """ACC-01: an expert works alone (professional) or as a team (studio)."""

    PROFESSIONAL = "professional"
    STUDIO = "studio"


@dataclass(slots=True)
class FreelancerProfile:
    """An expert's public profile."""

    user_id: int
    account_type: AccountType
    headline: str
    created_at: datetime
    skills: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    hourly_rate: int | None = None
    currency: str = "USD"
    country: str | None = None
    updated_at: datetime | None = None


@dataclass(slots=True)
class PortfolioItem:
    """A piece of past work: a title and a Telegram file (a document or a photo) or a link."""

    owner_id: int
    title: str
    created_at: datetime
    file_id: str | None = None
    link: str | None = None
    id: int | None = None
    file_kind: str | None = None  # "document" or "photo" when file_id is set

    def __post_init__(self) -> None:
        if (self.file_id is None) == (self.link is None):
            raise InvalidInput(N_("A portfolio item needs a file or a link."))
        if self.file_id is not None and self.file_kind is None:
            self.file_kind = "document"


@dataclass(slots=True)
class EmployerProfile:
    """How an employer appears to freelancers."""

    user_id: int
    name: str
    created_at: datetime
    company: str | None = None
    updated_at: datetime | None = None


def validate_headline(value: str) -> str:
    """A headline: one line, 5 to 120 characters, such as "Mechanical engineer, SolidWorks"."""
    text = " ".join(value.split())
    if not HEADLINE_MIN <= len(text) <= HEADLINE_MAX or text.startswith("/"):
        raise InvalidInput(N_("The headline must be {low} to {high} characters."),
                           low=HEADLINE_MIN, high=HEADLINE_MAX)
    return text


def parse_skills(value: str) -> tuple[str, ...]:
    """Comma-separated skills: 1 to 20, each at most 40 characters, repeats dropped."""
    seen: dict[str, str] = {}
    for part in re.split(r"[,;\n]", value):
        skill = " ".join(part.split())
        if not skill:
            continue
        if len(skill) > SKILL_MAX_CHARS:
            raise InvalidInput(N_("A skill is at most {limit} characters: {skill}"),
                               limit=SKILL_MAX_CHARS, skill=skill[:SKILL_MAX_CHARS] + "…")
        seen.setdefault(skill.casefold(), skill)
    if not seen or value.strip().startswith("/"):
        raise InvalidInput(N_("List your skills separated by commas, for example: AutoCAD, 3D"))
    if len(seen) > SKILLS_MAX:
        raise InvalidInput(N_("At most {limit} skills, please."), limit=SKILLS_MAX)
    return tuple(seen.values())


@cache
def _territories(language: str) -> dict[str, str]:
    names = Locale.parse(language).territories
    return {code: name for code, name in names.items()
            if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES}


def validate_country(value: str, language: str = "en") -> str:
    """An ISO 3166-1 alpha-2 code from a code or a country name (in ``language`` or English)."""
    text = " ".join(value.split())
    if len(text) == 2 and text.upper() in _territories("en"):
        return text.upper()
    wanted = text.casefold()
    for lang in dict.fromkeys((language, "en")):
        for code, name in _territories(lang).items():
            if name.casefold() == wanted:
                return code
    raise InvalidInput(
        N_("I don't know that country. Type its two-letter code, such as DE or UA.")
    )


def country_name(code: str, language: str) -> str:
    """The name of the country ``code`` in ``language`` (the code itself if unknown)."""
    return _territories(language).get(code, code)


def validate_portfolio_title(value: str) -> str:
    """A portfolio item's title: one line, 3 to 100 characters."""
    text = " ".join(value.split())
    if not TITLE_MIN <= len(text) <= TITLE_MAX or text.startswith("/"):
        raise InvalidInput(N_("The title must be {low} to {high} characters."),
                           low=TITLE_MIN, high=TITLE_MAX)
    return text


def validate_link(value: str) -> str:
    """An http(s) link of at most 500 characters."""
    link = value.strip()
    if len(link) > LINK_MAX or not _LINK.match(link):
        raise InvalidInput(N_("Send a link starting with https://, or a file."))
    return link


def validate_company(value: str) -> str:
    """A company name: one line, at most 100 characters."""
    text = " ".join(value.split())
    if not text or len(text) > COMPANY_MAX or text.startswith("/"):
        raise InvalidInput(N_("The company name must be 1 to {limit} characters."),
                           limit=COMPANY_MAX)
    return text


def portfolio_award(slot: int) -> Award:
    """RAT-01: +1 for the ``slot``-th portfolio item (slots above 100 earn nothing)."""
    return Award(f"portfolio:{slot}", 1, "RAT-01: portfolio item")
