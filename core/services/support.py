"""Support use cases (ACC-02..04): roles, suspension, the queue, fraud reports, the audit log.

The rules, in one place:

- Only admins grant or revoke the support role; only staff (support or admin) suspend,
  reinstate, read the queue, close its items and read the audit log. Anyone else is refused,
  whatever the command arguments or callback data say.
- Nobody suspends themselves or an admin; only an admin suspends a support member. A
  suspension needs a reason, which the suspended user is shown on every action they try
  (ACC-02: :func:`core.accounts.ensure_can_act`).
- Every support action writes an :class:`~core.support.AuditEntry` in the same unit of work
  (ACC-03), so an action and its audit row exist together or not at all.
- Any user can report another user for fraud (ACC-04); it reaches the queue. A suspended
  user may too (decided: reporting fraud and appealing are the two things a suspended user
  still does, ACC-02), and only they may appeal: one open appeal at a time, as its own queue
  item, audited. Resolving an appeal reinstates the user; dismissing it keeps the suspension;
  ``/reinstate`` closes an open appeal as resolved.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import TYPE_CHECKING

from core.accounts import Role, User, ensure_can_act
from core.errors import N_, Conflict, Forbidden, InvalidInput, NotFound
from core.projects import Page
from core.support import (
    AuditAction,
    AuditEntry,
    ItemKind,
    ItemStatus,
    QueueItem,
    ensure_admin,
    ensure_staff,
    validate_reason,
)

if TYPE_CHECKING:
    from core.ports import UnitOfWork

__all__ = [
    "DISPUTE_BY_RESOLVE",
    "appeal",
    "audit_log",
    "ensure_may_appeal",
    "close_item",
    "ensure_closable",
    "find_user",
    "grant_support",
    "open_item",
    "queue",
    "reinstate",
    "report_user",
    "revoke_support",
    "suspend",
]

NO_SUCH_USER = N_("There is no user {who}: give a numeric id or an @username.")
DISPUTE_BY_RESOLVE = N_("A milestone dispute is decided with /resolve, which also closes "
                        "its queue item.")
ITEM_NOT_FOUND = N_("There is no such item in the queue.")


async def find_user(uow: UnitOfWork, who: str) -> User:
    """The user named by a numeric Telegram id or an @username."""
    ref = who.strip()
    user: User | None = None
    if ref.isascii() and ref.isdigit() and len(ref) <= 18:
        user = await uow.users.get(int(ref))
    elif ref:
        user = await uow.users.by_username(ref)
    if user is None:
        raise NotFound(NO_SUCH_USER, who=ref or "?")
    return user


async def _audit(uow: UnitOfWork, actor: User, action: AuditAction, now: datetime, reason: str,
                 target: User | None = None, item_id: int | None = None) -> None:
    await uow.support.add_audit(AuditEntry(
        actor_id=actor.id, action=action, created_at=now, reason=reason,
        target_id=target.id if target else None, item_id=item_id))


def _optional_reason(reason: str) -> str:
    """A reason where one is optional: empty, or a valid reason."""
    return validate_reason(reason) if reason.strip() else ""


async def grant_support(uow: UnitOfWork, actor: User, target: User, reason: str,
                        now: datetime) -> None:
    """An admin gives ``target`` the support role."""
    ensure_admin(actor)
    ensure_can_act(actor)
    if Role.ADMIN in target.roles:  # the role would outlive their removal from the admins
        raise Conflict(N_("{name} is an administrator and can already do everything support "
                          "does."), name=target.display_name)
    if Role.SUPPORT in target.roles:
        raise Conflict(N_("{name} already has the support role."), name=target.display_name)
    why = _optional_reason(reason)
    target.roles.add(Role.SUPPORT)
    await uow.users.save(target)
    await _audit(uow, actor, AuditAction.GRANT_SUPPORT, now, why, target)


async def revoke_support(uow: UnitOfWork, actor: User, target: User, reason: str,
                         now: datetime) -> None:
    """An admin takes the support role away from ``target``."""
    ensure_admin(actor)
    ensure_can_act(actor)
    if Role.SUPPORT not in target.roles:
        raise Conflict(N_("{name} does not have the support role."), name=target.display_name)
    why = _optional_reason(reason)
    target.roles.discard(Role.SUPPORT)
    await uow.users.save(target)
    await _audit(uow, actor, AuditAction.REVOKE_SUPPORT, now, why, target)


def _ensure_may_moderate(actor: User, target: User, admin_ids: Collection[int]) -> None:
    """Staff moderate ordinary users; only admins moderate support; nobody an admin or self."""
    ensure_staff(actor)
    ensure_can_act(actor)
    if target.id == actor.id:
        raise Forbidden(N_("You cannot do this to your own account."))
    if Role.ADMIN in target.roles or target.id in admin_ids:
        raise Forbidden(N_("An administrator's account cannot be suspended or reinstated."))
    if Role.SUPPORT in target.roles and Role.ADMIN not in actor.roles:
        raise Forbidden(N_("Only an administrator can suspend or reinstate support staff."))


async def suspend(uow: UnitOfWork, actor: User, target: User, reason: str, now: datetime,
                  admin_ids: Collection[int] = ()) -> None:
    """ACC-02: ``target`` keeps reading but every action answers with ``reason``."""
    _ensure_may_moderate(actor, target, admin_ids)
    why = validate_reason(reason)
    if target.is_suspended:
        raise Conflict(N_("{name} is already suspended: {reason}"), name=target.display_name,
                       reason=target.suspended_reason)
    target.suspended_reason = why
    await uow.users.save(target)
    await _audit(uow, actor, AuditAction.SUSPEND, now, why, target)


async def reinstate(uow: UnitOfWork, actor: User, target: User, reason: str, now: datetime,
                    admin_ids: Collection[int] = ()) -> None:
    """Lift a suspension; an open appeal of ``target`` is closed as resolved with it."""
    _ensure_may_moderate(actor, target, admin_ids)
    if not target.is_suspended:
        raise Conflict(N_("{name} is not suspended."), name=target.display_name)
    why = _optional_reason(reason)
    target.suspended_reason = None
    await uow.users.save(target)
    await _audit(uow, actor, AuditAction.REINSTATE, now, why, target)
    pending = await uow.support.open_item_of(ItemKind.APPEAL, target.id)
    if pending is not None and pending.id is not None:
        pending.close(actor.id, ItemStatus.RESOLVED, why or "/reinstate", now)
        await uow.support.save_item(pending)
        await _audit(uow, actor, AuditAction.RESOLVE, now, pending.note or "", target,
                     pending.id)


async def ensure_may_appeal(uow: UnitOfWork, user: User) -> None:
    """Only a suspended user appeals, and one appeal at a time."""
    if not user.is_suspended:
        raise Conflict(N_("Your account is not suspended, so there is nothing to appeal."))
    if await uow.support.open_item_of(ItemKind.APPEAL, user.id) is not None:
        raise Conflict(N_("Your appeal is already with support; they will answer you here."))


async def appeal(uow: UnitOfWork, user: User, text: str, now: datetime) -> QueueItem:
    """ACC-02: a suspended user asks support to review the suspension (audited)."""
    await ensure_may_appeal(uow, user)
    item = await uow.support.add_item(QueueItem(
        kind=ItemKind.APPEAL, subject_id=user.id, reason=validate_reason(text),
        created_at=now, reporter_id=user.id))
    await _audit(uow, user, AuditAction.APPEAL, now, item.reason, user, item.id)
    return item


async def report_user(uow: UnitOfWork, reporter: User, target: User, reason: str,
                      now: datetime) -> QueueItem:
    """ACC-04: anyone (also a suspended user) reports a user for fraud; it reaches the queue."""
    if target.id == reporter.id:
        raise InvalidInput(N_("You cannot report yourself."))
    return await uow.support.add_item(QueueItem(
        kind=ItemKind.FRAUD, subject_id=target.id, reason=validate_reason(reason),
        created_at=now, reporter_id=reporter.id))


async def queue(uow: UnitOfWork, actor: User, page: int, size: int) -> Page[QueueItem]:
    """Open items, oldest first (staff only)."""
    ensure_staff(actor)
    return await uow.support.open_items(max(0, page), size)


async def open_item(uow: UnitOfWork, actor: User, item_id: int) -> QueueItem:
    """One queue item with its context (staff only)."""
    ensure_staff(actor)
    item = await uow.support.get_item(item_id)
    if item is None:
        raise NotFound(ITEM_NOT_FOUND)
    return item


def ensure_closable(item: QueueItem) -> None:
    """MS-08: a milestone dispute is closed by deciding it (/resolve), never on its own.

    Closing the item alone would take it off the queue while the money stays in escrow.
    """
    if item.kind is ItemKind.DISPUTE:
        raise Conflict(DISPUTE_BY_RESOLVE)


async def close_item(uow: UnitOfWork, actor: User, item_id: int, status: ItemStatus, note: str,
                     now: datetime, admin_ids: Collection[int] = ()) -> QueueItem:
    """Resolve or dismiss an open item with a note, and audit it (not a milestone dispute).

    Resolving an appeal reinstates its user (audited as a reinstatement too, with the note);
    dismissing it keeps the suspension.
    """
    ensure_can_act(actor)
    item = await open_item(uow, actor, item_id)
    ensure_closable(item)
    subject = await uow.users.get(item.subject_id)
    if item.kind is ItemKind.APPEAL and status is ItemStatus.RESOLVED and subject is not None:
        _ensure_may_moderate(actor, subject, admin_ids)
    item.close(actor.id, status, note, now)
    await uow.support.save_item(item)
    action = AuditAction.RESOLVE if status is ItemStatus.RESOLVED else AuditAction.DISMISS
    await _audit(uow, actor, action, now, item.note or "", subject, item.id)
    if (item.kind is ItemKind.APPEAL and status is ItemStatus.RESOLVED and subject is not None
            and subject.is_suspended):
        subject.suspended_reason = None
        await uow.users.save(subject)
        await _audit(uow, actor, AuditAction.REINSTATE, now, item.note or "", subject)
    return item


async def audit_log(uow: UnitOfWork, actor: User, target_id: int | None, page: int,
                    size: int) -> Page[AuditEntry]:
    """ACC-03: support actions, newest first, all or those about ``target_id`` (staff only)."""
    ensure_staff(actor)
    return await uow.support.audit(target_id, max(0, page), size)

