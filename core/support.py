"""Support basics (ACC-02..04): the queue of reports and flags, and the audit log.

- The queue holds :class:`QueueItem` values of three kinds: a relayed message flagged
  automatically because it carried contact details or payment handles before a contract
  (MSG-03), a relayed message a participant reported with a reason (MSG-02), and a fraud report
  about a user from anyone (ACC-04), and a milestone dispute (MS-08, resolved with
  ``/resolve``, :mod:`core.services.milestones`), and a suspended user's appeal (ACC-02:
  resolving it reinstates them, dismissing it keeps the suspension). Support closes an item as
  resolved or dismissed, with a note.
- Every support action writes an :class:`AuditEntry`: who, when, what and why (ACC-03). What
  it acted on is stored as data, never as a sentence: the user (``target_id``), the queue item
  (``item_id``) and, in ``details``, the milestone and the amounts in minor units with their
  currency (:func:`dispute_details`). The audit screen words each line at read time in the
  reader's language and number format.
- Staff are users with the support or admin role; admins come from the configuration
  (``ADMIN_IDS``) and alone grant or revoke the support role.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType

from core.accounts import Role, User
from core.errors import N_, Conflict, Forbidden, InvalidInput
from core.money import Money

__all__ = [
    "NOTE_MAX",
    "REASON_MAX",
    "AuditAction",
    "AuditEntry",
    "ItemKind",
    "ItemStatus",
    "QueueItem",
    "dispute_details",
    "ensure_admin",
    "ensure_staff",
    "is_staff",
    "validate_reason",
]

REASON_MAX = 500
NOTE_MAX = 500


class ItemKind(StrEnum):
    """Why an item is in the queue."""

    FLAG = "flag"  # MSG-03: found automatically
    REPORT = "report"  # MSG-02: a participant reported a message
    FRAUD = "fraud"  # ACC-04: a user reported another user
    DISPUTE = "dispute"  # MS-08: a side of a fixed-price contract disputes a milestone
    APPEAL = "appeal"  # ACC-02: a suspended user asks support to review the suspension


class ItemStatus(StrEnum):
    """Where a queue item is."""

    OPEN = "open"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"


class AuditAction(StrEnum):
    """What a support action did (ACC-03)."""

    GRANT_SUPPORT = "grant_support"
    REVOKE_SUPPORT = "revoke_support"
    SUSPEND = "suspend"
    REINSTATE = "reinstate"
    RESOLVE = "resolve"
    DISMISS = "dismiss"
    RESOLVE_DISPUTE = "resolve_dispute"  # MS-08: release, partial release or refund
    APPEAL = "appeal"  # ACC-02: the suspended user (the actor) appealed; the item is the appeal
    PAYOUT = "payout"  # PAY-03, PAY-07: a payout confirmed, refused, sent or failed by hand
    HIRE_DIRECT = "hire_direct"  # PAY-06: a salary set, a Hire Direct fee paid
    BRING_A_CLIENT = "bring_a_client"  # PAY-06: a client joined through an invitation link
    MANAGED_SERVICE = "managed_service"  # PAY-02: a contract marked or unmarked managed-service


@dataclass(slots=True)
class QueueItem:
    """A report or flag waiting for support; ``subject_id`` is the user it is about."""

    kind: ItemKind
    subject_id: int
    reason: str
    created_at: datetime
    reporter_id: int | None = None
    message_id: int | None = None
    thread_id: int | None = None
    status: ItemStatus = ItemStatus.OPEN
    handled_by: int | None = None
    handled_at: datetime | None = None
    note: str | None = None
    id: int | None = None
    field: str | None = None  # MSG-03 on a stored text: its field (core.screening.TextField)
    excerpt: str | None = None  # ... and the text as written

    def close(self, actor_id: int, status: ItemStatus, note: str, now: datetime) -> None:
        """Resolve or dismiss the item; a closed item cannot be closed again."""
        if status is ItemStatus.OPEN:
            raise ValueError("closing needs resolved or dismissed")
        if self.status is not ItemStatus.OPEN:
            raise Conflict(N_("This item was already handled."))
        self.status, self.handled_by, self.handled_at = status, actor_id, now
        self.note = validate_reason(note, limit=NOTE_MAX)


AuditDetails = Mapping[str, int | str]


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One support action: who (``actor_id``), when, what (``action`` on whom) and why.

    ``reason`` is the why as the staff member typed it; ``details`` what the action acted on
    beyond the user and the queue item (for a dispute: :func:`dispute_details`). Rows written
    before details existed have none; they are shown with their stored reason.
    """

    actor_id: int
    action: AuditAction
    created_at: datetime
    reason: str
    target_id: int | None = None
    item_id: int | None = None
    id: int | None = None
    details: AuditDetails = field(default_factory=lambda: MappingProxyType({}))

    @property
    def milestone_id(self) -> int | None:
        """The milestone a dispute decision was about, if recorded."""
        value = self.details.get("milestone")
        return value if isinstance(value, int) else None

    def amount(self, name: str) -> Money | None:
        """An amount of ``details`` (minor units under ``name``, in its ``currency``)."""
        minor, currency = self.details.get(name), self.details.get("currency")
        if not isinstance(minor, int) or not isinstance(currency, str):
            return None
        return Money(minor, currency)


def dispute_details(milestone_id: int, resolution: str, released: Money,
                    refunded: Money) -> AuditDetails:
    """MS-08: what a dispute decision acted on: the milestone, and where the money went."""
    return MappingProxyType({"milestone": milestone_id, "resolution": resolution,
                             "released": released.minor, "refunded": refunded.minor,
                             "currency": released.currency})


def is_staff(user: User) -> bool:
    """Support or admin."""
    return bool(user.roles & {Role.SUPPORT, Role.ADMIN})


def ensure_staff(user: User) -> None:
    """Refuse anyone who is not support or admin."""
    if not is_staff(user):
        raise Forbidden(N_("Only support can do this."))


def ensure_admin(user: User) -> None:
    """Refuse anyone who is not an admin."""
    if Role.ADMIN not in user.roles:
        raise Forbidden(N_("Only an administrator can do this."))


def validate_reason(value: str, limit: int = REASON_MAX) -> str:
    """A reason or note: 3 to ``limit`` characters of text, whitespace collapsed."""
    text = " ".join(value.split())
    if len(text) < 3:
        raise InvalidInput(N_("Please give a reason (at least 3 characters)."))
    if len(text) > limit:
        raise InvalidInput(N_("The reason is too long (at most {limit} characters)."),
                           limit=limit)
    return text
