"""MSG-03 for every text one user writes for another to read: the declared list of fields.

Relayed messages are not the only way to pass an e-mail address or a phone number: cover
letters, project titles and descriptions, profile headlines and skills, portfolio captions and
links, the employer's name and company, the offer's first milestone, milestone titles and
descriptions all reach another user. Each such attribute of each entity is declared ONCE in
:data:`USER_TEXT` with its :class:`TextField`; every other text attribute of those entities is
declared in :data:`NOT_USER_TEXT` with the reason it is not one (a test holds both lists
against the entities' fields, so a new field cannot slip past).

What happens to them (:mod:`core.services.screening`, the one place services call):

- when stored, the text is scanned (:func:`core.circumvention.scan`); contact details or
  payment handles written before an accepted contract joins the author and the reader are
  flagged to support (a ``flag`` item naming the field, with the text);
- when read by anyone but its author (and support), the text is masked (:func:`masked`)
  unless an accepted contract joins the reader and the author.

The stored text is never changed: its author keeps seeing what they wrote.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from enum import StrEnum
from typing import Any, TypeVar

from core.applications import Application
from core.circumvention import Finding, mask, scan
from core.contracts import Contract
from core.milestone_events import MilestoneEvent
from core.milestones import ChangeRequest, Milestone
from core.profiles import EmployerProfile, FreelancerProfile, PortfolioItem
from core.projects import Project

__all__ = ["AUTHOR", "NOT_USER_TEXT", "USER_TEXT", "TextField", "findings_of", "masked",
           "texts_of"]

E = TypeVar("E")


class TextField(StrEnum):
    """A kind of text one user writes for another to read (support sees it on a flag)."""

    COVER_LETTER = "cover_letter"
    PROJECT_TITLE = "project_title"
    PROJECT_DESCRIPTION = "project_description"
    PROFILE_HEADLINE = "profile_headline"
    PROFILE_SKILLS = "profile_skills"
    PORTFOLIO_CAPTION = "portfolio_caption"
    PORTFOLIO_LINK = "portfolio_link"
    EMPLOYER_NAME = "employer_name"
    EMPLOYER_COMPANY = "employer_company"
    OFFER_MILESTONE = "offer_milestone"
    MILESTONE_TITLE = "milestone_title"
    MILESTONE_DESCRIPTION = "milestone_description"
    MILESTONE_NOTE = "milestone_note"  # submissions, revision comments, dispute reasons


#: THE list: entity type -> attribute -> field. Reviews and recommendations join it when
#: they are built.
USER_TEXT: dict[type, dict[str, TextField]] = {
    Application: {"cover_letter": TextField.COVER_LETTER},
    Project: {"title": TextField.PROJECT_TITLE, "description": TextField.PROJECT_DESCRIPTION},
    FreelancerProfile: {"headline": TextField.PROFILE_HEADLINE,
                        "skills": TextField.PROFILE_SKILLS},
    PortfolioItem: {"title": TextField.PORTFOLIO_CAPTION, "link": TextField.PORTFOLIO_LINK},
    EmployerProfile: {"name": TextField.EMPLOYER_NAME, "company": TextField.EMPLOYER_COMPANY},
    Contract: {"milestone_title": TextField.OFFER_MILESTONE},
    Milestone: {"title": TextField.MILESTONE_TITLE,
                "description": TextField.MILESTONE_DESCRIPTION},
    ChangeRequest: {"title": TextField.MILESTONE_TITLE,
                    "description": TextField.MILESTONE_DESCRIPTION},
    MilestoneEvent: {"text": TextField.MILESTONE_NOTE},
}

#: The other text attributes of those entities, and why they are not user text for others.
NOT_USER_TEXT: dict[type, dict[str, str]] = {
    Application: {"currency": "an ISO currency code"},
    Project: {"category": "a category code from a fixed list", "currency": "an ISO code"},
    FreelancerProfile: {"categories": "category codes from a fixed list",
                        "currency": "an ISO code", "country": "an ISO country code"},
    PortfolioItem: {"file_id": "a Telegram file id", "file_kind": "document or photo"},
    EmployerProfile: {},
    Contract: {"currency": "an ISO code"},
    Milestone: {},
    ChangeRequest: {},
    MilestoneEvent: {},
}

#: Who wrote an entity's texts (None: only parties of one contract read them).
AUTHOR: dict[type, Callable[[Any], int | None]] = {
    Application: lambda a: a.freelancer_id,
    Project: lambda p: p.owner_id,
    FreelancerProfile: lambda p: p.user_id,
    PortfolioItem: lambda i: i.owner_id,
    EmployerProfile: lambda p: p.user_id,
    Contract: lambda c: c.client_id,  # the offer's first milestone
    Milestone: lambda m: None,  # read only by the parties of its (accepted) contract
    ChangeRequest: lambda r: None,
    MilestoneEvent: lambda e: None,
}


def _as_text(value: object) -> str:
    if isinstance(value, tuple):
        return ", ".join(str(part) for part in value)
    return "" if value is None else str(value)


def texts_of(entity: object) -> list[tuple[TextField, str]]:
    """The entity's user-written texts, by field (empty ones left out)."""
    fields = USER_TEXT.get(type(entity))
    if fields is None:
        raise TypeError(f"{type(entity).__name__} is not declared in core.screening")
    return [(field, text) for attr, field in fields.items()
            if (text := _as_text(getattr(entity, attr)))]


def findings_of(entity: object,
                only: frozenset[TextField] | None = None) -> list[tuple[TextField, str,
                                                                        list[Finding]]]:
    """Every declared text of ``entity`` (or the ``only`` ones) that carries contact details."""
    found = []
    for field, text in texts_of(entity):
        if only is not None and field not in only:
            continue
        findings = scan(text)
        if findings:
            found.append((field, text, findings))
    return found


def _masked_value(value: object) -> object:
    if isinstance(value, tuple):
        return tuple(mask(str(part), scan(str(part))) for part in value)
    if isinstance(value, str):
        return mask(value, scan(value))
    return value


def masked(entity: E) -> E:
    """A copy of ``entity`` whose declared texts show :data:`~core.circumvention.MASK` in
    place of contact details (for a reader no accepted contract joins to the author)."""
    fields = USER_TEXT.get(type(entity))
    if fields is None:
        raise TypeError(f"{type(entity).__name__} is not declared in core.screening")
    return replace(entity, **{attr: _masked_value(getattr(entity, attr))  # type: ignore[type-var]
                              for attr in fields})
