"""The support queue and the audit log: :class:`core.ports.SupportRepo` on SQLAlchemy Core."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from sqlalchemy import insert, null, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from core.projects import Page
from core.support import AuditAction, AuditEntry, ItemKind, ItemStatus, QueueItem
from storage.repos.base import fetch_page
from storage.tables.support import support_audit, support_items

__all__ = ["SqlSupportRepo"]


def _values(item: QueueItem) -> dict[str, Any]:
    return {
        "kind": item.kind.value, "subject_id": item.subject_id, "reporter_id": item.reporter_id,
        "message_id": item.message_id, "thread_id": item.thread_id, "reason": item.reason,
        "status": item.status.value, "created_at": item.created_at,
        "handled_by": item.handled_by, "handled_at": item.handled_at, "note": item.note,
        "field": item.field, "excerpt": item.excerpt,
    }


def _item(row: RowMapping) -> QueueItem:
    return QueueItem(
        kind=ItemKind(row["kind"]), subject_id=row["subject_id"], reason=row["reason"],
        created_at=row["created_at"], reporter_id=row["reporter_id"],
        message_id=row["message_id"], thread_id=row["thread_id"],
        status=ItemStatus(row["status"]), handled_by=row["handled_by"],
        handled_at=row["handled_at"], note=row["note"], id=row["id"], field=row["field"],
        excerpt=row["excerpt"])


def _entry(row: RowMapping) -> AuditEntry:
    return AuditEntry(actor_id=row["actor_id"], action=AuditAction(row["action"]),
                      created_at=row["created_at"], reason=row["reason"],
                      target_id=row["target_id"], item_id=row["item_id"], id=row["id"],
                      details=MappingProxyType(dict(row["details"] or {})))


class SqlSupportRepo:
    """Queue items (flags, reports, fraud reports) and the append-only audit log."""

    def __init__(self, session: AsyncConnection) -> None:
        self.session = session

    async def add_item(self, item: QueueItem) -> QueueItem:
        """Store a new item; returns it with its id."""
        result = await self.session.execute(
            insert(support_items).values(**_values(item)).returning(support_items.c.id))
        item.id = int(result.scalar_one())
        return item

    async def get_item(self, item_id: int) -> QueueItem | None:
        """The item with this id, or None."""
        result = await self.session.execute(
            select(support_items).where(support_items.c.id == item_id))
        row = result.mappings().first()
        return _item(row) if row is not None else None

    async def save_item(self, item: QueueItem) -> None:
        """Persist an item's status, handler and note."""
        await self.session.execute(
            update(support_items).where(support_items.c.id == item.id).values(**_values(item)))

    async def open_items(self, page: int, page_size: int) -> Page[QueueItem]:
        """Open items, oldest first."""
        query = (select(support_items).where(support_items.c.status == ItemStatus.OPEN.value)
                 .order_by(support_items.c.id))
        return await fetch_page(self.session, query, page, page_size, _item)

    async def reported(self, reporter_id: int, message_id: int) -> bool:
        """Whether ``reporter_id`` already reported ``message_id``."""
        result = await self.session.execute(
            select(support_items.c.id).where(support_items.c.reporter_id == reporter_id,
                                             support_items.c.message_id == message_id).limit(1))
        return result.first() is not None

    async def open_item_of(self, kind: ItemKind, subject_id: int) -> QueueItem | None:
        """The oldest open item of ``kind`` about ``subject_id``, if any."""
        result = await self.session.execute(
            select(support_items).where(support_items.c.kind == kind.value,
                                        support_items.c.subject_id == subject_id,
                                        support_items.c.status == ItemStatus.OPEN.value)
            .order_by(support_items.c.id).limit(1))
        row = result.mappings().first()
        return _item(row) if row is not None else None

    async def add_audit(self, entry: AuditEntry) -> None:
        """Append one audit row."""
        await self.session.execute(insert(support_audit).values(
            actor_id=entry.actor_id, action=entry.action.value, target_id=entry.target_id,
            item_id=entry.item_id, reason=entry.reason, created_at=entry.created_at,
            details=dict(entry.details) if entry.details else null()))

    async def audit(self, target_id: int | None, page: int,
                    page_size: int) -> Page[AuditEntry]:
        """Audit rows, newest first; only those about ``target_id`` when given."""
        query = select(support_audit)
        if target_id is not None:
            query = query.where(support_audit.c.target_id == target_id)
        return await fetch_page(self.session, query.order_by(support_audit.c.id.desc()), page,
                                page_size, _entry)
