"""Audit rows keep what they acted on as data (``support_audit.details``), not as a sentence.

Until now a dispute decision stored an English note as its reason ("milestone #4: partial
40.00 USD / refund 50.00 USD: <why>"). The upgrade adds ``details`` and moves what such a note
says into it (the milestone id, the resolution, the amounts in minor units, the currency),
leaving the staff member's own words as the reason. A note it cannot read is left as it was
and shown as stored. The downgrade writes the notes back.

Revision ID: 0008_audit_details
Revises: 0007_milestones
Create Date: 2026-12-04
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from core.currencies import EXPONENTS
from storage.types import JsonDocument

revision: str = "0008_audit_details"
down_revision: str | None = "0007_milestones"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The note ``core.services.milestone_disputes.resolve`` wrote before this revision.
OLD_NOTE = re.compile(r"milestone #(?P<milestone>\d+): (?P<resolution>release|partial|refund) "
                      r"(?P<released>\d+(?:\.\d+)?) (?P<currency>[A-Z]{3}) / refund "
                      r"(?P<refunded>\d+(?:\.\d+)?) (?P=currency): (?P<why>.*)", re.DOTALL)

_audit = sa.table("support_audit", sa.column("id", sa.BigInteger()),
                  sa.column("action", sa.String(32)), sa.column("reason", sa.Text()),
                  sa.column("details", JsonDocument))


def _minor(text: str) -> int:
    """Minor units of an amount written as ``Money.__str__`` did ("40.00" -> 4000)."""
    return int(text.replace(".", ""))


def _major(minor: int, currency: str) -> str:
    """The inverse of :func:`_minor`: ``minor`` with the decimals of ``currency``."""
    digits = EXPONENTS.get(currency, 2)
    if not digits:
        return str(minor)
    whole, part = divmod(minor, 10**digits)
    return f"{whole}.{part:0{digits}d}"


def details_of(reason: str) -> tuple[dict[str, Any], str] | None:
    """(details, why) read from an old dispute note, or None if it is not one."""
    found = OLD_NOTE.fullmatch(reason)
    if found is None:
        return None
    return ({"milestone": int(found["milestone"]), "resolution": found["resolution"],
             "released": _minor(found["released"]), "refunded": _minor(found["refunded"]),
             "currency": found["currency"]}, found["why"])


def upgrade() -> None:
    """Add ``details``; move old dispute notes into it."""
    op.add_column("support_audit", sa.Column("details", JsonDocument, nullable=True))
    connection = op.get_bind()
    rows = connection.execute(sa.select(_audit.c.id, _audit.c.reason).where(
        _audit.c.action == "resolve_dispute", _audit.c.details.is_(None))).all()
    for row_id, reason in rows:
        read = details_of(reason)
        if read is not None:
            details, why = read
            connection.execute(sa.update(_audit).where(_audit.c.id == row_id).values(
                details=details, reason=why))


def downgrade() -> None:
    """Write dispute notes back into the reason; drop ``details``."""
    connection = op.get_bind()
    rows = connection.execute(sa.select(_audit.c.id, _audit.c.reason, _audit.c.details).where(
        _audit.c.action == "resolve_dispute", _audit.c.details.is_not(None))).all()
    for row_id, why, details in rows:
        if not isinstance(details, dict) or not {
                "milestone", "resolution", "released", "refunded", "currency"} <= set(details):
            continue
        code = details["currency"]
        note = (f"milestone #{details['milestone']}: {details['resolution']} "
                f"{_major(details['released'], code)} {code} / refund "
                f"{_major(details['refunded'], code)} {code}: {why}")
        connection.execute(sa.update(_audit).where(_audit.c.id == row_id).values(reason=note))
    op.drop_column("support_audit", "details")  # SQLite 3.35+ drops a plain column in place
