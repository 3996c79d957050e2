"""Rating points (RAT-01). A simple points record for now; the rating engine comes later.

Each award has a ``key`` unique per user, so awarding the same thing twice has no effect
(profile completion once, one point per visit day, one per application...).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Award", "PROFILE_COMPLETE", "EMAIL_VERIFIED", "visit_day"]


@dataclass(frozen=True, slots=True)
class Award:
    """Points to record once per ``key``."""

    key: str
    points: int
    reason: str


PROFILE_COMPLETE = Award("profile_complete", 50, "RAT-01: first and last name plus e-mail")
EMAIL_VERIFIED = Award("email_verified", 20, "RAT-01: e-mail verified")


def visit_day(day_iso: str) -> Award:
    """+1 for a day with any activity (RAT-01)."""
    return Award(f"visit:{day_iso}", 1, "RAT-01: daily visit")
