"""Projects that employers post: a draft, then published for freelancers to find, then closed.

A project has an owner (the employer), a title, a description, a category from
:mod:`core.categories`, a kind (``hourly``: a rate range per hour; ``fixed``: a budget range for
the whole job), an optional deadline and a status::

    draft --publish--> published --close--> closed
      \\-------------------close-------------/

Only the owner sees a draft. Published and closed projects are public (closed ones cannot be
applied to). Amounts are integer minor units of ``currency``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Generic, TypeVar

from core.categories import category
from core.errors import N_, Conflict, InvalidInput
from core.money import Money, currency_exponent, parse_amount

__all__ = [
    "DESCRIPTION_MAX",
    "DESCRIPTION_MIN",
    "Page",
    "Project",
    "ProjectKind",
    "ProjectPage",
    "ProjectStatus",
    "TITLE_MAX",
    "TITLE_MIN",
    "amount_max",
    "parse_deadline",
    "parse_price",
    "parse_range",
    "validate_budget",
    "validate_category",
    "validate_deadline",
    "validate_description",
    "validate_title",
]

TITLE_MIN, TITLE_MAX = 5, 100
DESCRIPTION_MIN, DESCRIPTION_MAX = 20, 3000
T = TypeVar("T")
DEADLINE_HORIZON = timedelta(days=730)
AMOUNT_MAX_MAJOR = 10_000_000
_RANGE = re.compile(r"^\s*([^\-–—]+?)\s*(?:-|–|—|\.\.)\s*([^\-–—]+?)\s*$")


class ProjectKind(StrEnum):
    """How the work is paid: by the hour or a fixed price."""

    HOURLY = "hourly"
    FIXED = "fixed"


class ProjectStatus(StrEnum):
    """Where a project is in its life."""

    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"


@dataclass(slots=True)
class Project:
    """A job an employer offers; ``id`` is ``None`` until stored."""

    owner_id: int
    title: str
    description: str
    category: str
    kind: ProjectKind
    currency: str
    budget_min: int
    budget_max: int
    created_at: datetime
    deadline: date | None = None
    status: ProjectStatus = ProjectStatus.DRAFT
    id: int | None = None
    published_at: datetime | None = None
    closed_at: datetime | None = None
    updated_at: datetime | None = None

    def visible_to(self, user_id: int) -> bool:
        """Drafts are the owner's secret; published and closed projects are public."""
        return self.status is not ProjectStatus.DRAFT or user_id == self.owner_id

    @property
    def is_open(self) -> bool:
        """Whether freelancers may apply now."""
        return self.status is ProjectStatus.PUBLISHED

    def publish(self, now: datetime) -> None:
        """Make a draft public."""
        if self.status is not ProjectStatus.DRAFT:
            raise Conflict(N_("This project is already published or closed."))
        self.status = ProjectStatus.PUBLISHED
        self.published_at = self.updated_at = now

    def close(self, now: datetime) -> None:
        """Stop accepting applications (a draft may be closed too, to discard it)."""
        if self.status is ProjectStatus.CLOSED:
            raise Conflict(N_("This project is already closed."))
        self.status = ProjectStatus.CLOSED
        self.closed_at = self.updated_at = now

    def ensure_editable(self) -> None:
        """A closed project is final."""
        if self.status is ProjectStatus.CLOSED:
            raise Conflict(N_("A closed project cannot be changed."))


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list (pages count from 0) and whether another follows."""

    items: tuple[T, ...]
    page: int
    has_more: bool


ProjectPage = Page[Project]


def validate_title(value: str) -> str:
    """A title: one line, 5 to 100 characters."""
    title = " ".join(value.split())
    if len(title) < TITLE_MIN:
        raise InvalidInput(N_("The title is too short (at least {limit} characters)."),
                           limit=TITLE_MIN)
    if len(title) > TITLE_MAX:
        raise InvalidInput(N_("The title is too long (at most {limit} characters)."),
                           limit=TITLE_MAX)
    if title.startswith("/"):
        raise InvalidInput(N_("Please type a title, not a command."))
    return title


def validate_description(value: str) -> str:
    """A description: 20 to 3000 characters; line breaks are kept."""
    text = "\n".join(line.rstrip() for line in value.strip().splitlines())
    if len(text) < DESCRIPTION_MIN:
        raise InvalidInput(N_("Please describe the work in at least {limit} characters."),
                           limit=DESCRIPTION_MIN)
    if len(text) > DESCRIPTION_MAX:
        raise InvalidInput(N_("The description is too long (at most {limit} characters)."),
                           limit=DESCRIPTION_MAX)
    return text


def validate_category(code: str) -> str:
    """A category code from the fixed list."""
    return category(code).code


def validate_budget(low: int, high: int) -> tuple[int, int]:
    """A budget or rate range in minor units: positive, low not above high."""
    if low <= 0 or high <= 0:
        raise InvalidInput(N_("The amount must be more than zero."))
    if low > high:
        raise InvalidInput(N_("The first amount of a range must not exceed the second."))
    return low, high


def validate_deadline(value: date, today: date) -> date:
    """A deadline: after today and within two years."""
    if value <= today:
        raise InvalidInput(N_("The deadline must be in the future."))
    if value > today + DEADLINE_HORIZON:
        raise InvalidInput(N_("The deadline must be within two years."))
    return value


def parse_deadline(text: str, today: date) -> date:
    """Parse ``YYYY-MM-DD`` or ``DD.MM.YYYY`` into a validated deadline."""
    raw = text.strip()
    try:
        if "." in raw:
            day, month, year = (int(p) for p in raw.split("."))
            value = date(year, month, day)
        else:
            value = date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(
            N_("Please type the date as YYYY-MM-DD or DD.MM.YYYY, for example 2026-12-31.")
        ) from None
    return validate_deadline(value, today)


def amount_max(currency: str) -> Money:
    """The largest budget, rate or price anyone may type (10 million in major units)."""
    return Money(AMOUNT_MAX_MAJOR * 10 ** currency_exponent(currency), currency)


def parse_price(text: str, currency: str, language: str) -> int:
    """One positive amount typed by a reader of ``language``, in minor units."""
    return parse_amount(text, currency, language, maximum=amount_max(currency)).minor


def parse_range(text: str, currency: str, language: str) -> tuple[int, int]:
    """``"500-1000"`` (or one amount, meaning both ends) as a (low, high) pair of minor units."""
    match = _RANGE.match(text)
    if match is None:
        amount = parse_price(text, currency, language)
        return amount, amount
    return validate_budget(parse_price(match.group(1), currency, language),
                           parse_price(match.group(2), currency, language))
