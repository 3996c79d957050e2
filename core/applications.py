"""Applications: a freelancer's answer to a published project.

One application per freelancer per project (a withdrawn one may be sent again, which reuses
it). The freelancer writes a cover letter and proposes a rate (hourly projects, per hour) or a
price (fixed projects), in the project's currency. The owner shortlists applications and
chooses one, which sends the freelancer a contract offer::

    submitted <--shortlist/unshortlist--> shortlisted
        |  \\__________withdraw__________/  |
        |              v                   |
        |          withdrawn --apply again--> submitted
        \\------------choose----------------/--> chosen --offer declined--> declined

RAT-01: +1 point per application (at most 100 in all), +5 each time chosen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from core.errors import N_, Conflict, InvalidInput
from core.rating import Award

__all__ = [
    "APPLICATION_POINTS_LIMIT",
    "COVER_MAX",
    "COVER_MIN",
    "Application",
    "ApplicationStatus",
    "application_award",
    "chosen_award",
    "validate_cover_letter",
]

COVER_MIN, COVER_MAX = 20, 3000
APPLICATION_POINTS_LIMIT = 100


class ApplicationStatus(StrEnum):
    """Where an application is."""

    SUBMITTED = "submitted"
    SHORTLISTED = "shortlisted"
    WITHDRAWN = "withdrawn"
    CHOSEN = "chosen"
    DECLINED = "declined"


ACTIVE = frozenset({ApplicationStatus.SUBMITTED, ApplicationStatus.SHORTLISTED})


@dataclass(slots=True)
class Application:
    """A freelancer's application to a project; ``id`` is ``None`` until stored."""

    project_id: int
    freelancer_id: int
    cover_letter: str
    amount: int
    currency: str
    created_at: datetime
    status: ApplicationStatus = ApplicationStatus.SUBMITTED
    id: int | None = None
    updated_at: datetime | None = None

    @property
    def is_active(self) -> bool:
        """Submitted or shortlisted: waiting for the employer."""
        return self.status in ACTIVE

    def withdraw(self, now: datetime) -> None:
        """The freelancer takes the application back."""
        if not self.is_active:
            raise Conflict(N_("This application can no longer be withdrawn."))
        self._move(ApplicationStatus.WITHDRAWN, now)

    def resubmit(self, cover_letter: str, amount: int, now: datetime) -> None:
        """Send a withdrawn application again with a new letter and amount."""
        if self.status is not ApplicationStatus.WITHDRAWN:
            raise Conflict(N_("You have already applied to this project."))
        self.cover_letter, self.amount = cover_letter, amount
        self._move(ApplicationStatus.SUBMITTED, now)

    def shortlist(self, on: bool, now: datetime) -> None:
        """The employer puts the application on (or off) the shortlist."""
        if not self.is_active:
            raise Conflict(N_("This application is no longer waiting for an answer."))
        self._move(ApplicationStatus.SHORTLISTED if on else ApplicationStatus.SUBMITTED, now)

    def choose(self, now: datetime) -> None:
        """The employer picks this freelancer (an offer follows)."""
        if not self.is_active:
            raise Conflict(N_("This application is no longer waiting for an answer."))
        self._move(ApplicationStatus.CHOSEN, now)

    def offer_declined(self, now: datetime) -> None:
        """The freelancer declined the offer that choosing sent."""
        if self.status is not ApplicationStatus.CHOSEN:
            raise Conflict(N_("This application has no open offer."))
        self._move(ApplicationStatus.DECLINED, now)

    def _move(self, status: ApplicationStatus, now: datetime) -> None:
        self.status, self.updated_at = status, now


def validate_cover_letter(value: str) -> str:
    """A cover letter: 20 to 3000 characters; line breaks are kept."""
    text = "\n".join(line.rstrip() for line in value.strip().splitlines())
    if len(text) < COVER_MIN:
        raise InvalidInput(N_("Please write at least {limit} characters about why you fit."),
                           limit=COVER_MIN)
    if len(text) > COVER_MAX:
        raise InvalidInput(N_("The cover letter is too long (at most {limit} characters)."),
                           limit=COVER_MAX)
    if text.startswith("/"):
        raise InvalidInput(N_("Please type your cover letter, not a command."))
    return text


def application_award(project_id: int) -> Award:
    """RAT-01: +1 for applying to a project (once per project; the caller caps at 100)."""
    return Award(f"application:{project_id}", 1, "RAT-01: application to a project")


def chosen_award(application_id: int) -> Award:
    """RAT-01: +5 each time the freelancer is chosen as the performer."""
    return Award(f"chosen:{application_id}", 5, "RAT-01: chosen as the performer")
