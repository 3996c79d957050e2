"""Milestones, their history and funding invoices: :class:`core.ports.MilestonesRepo`.

``get(..., lock=True)`` reads the row ``FOR UPDATE`` on PostgreSQL, so two updates acting on one
milestone at once are serialised (SQLite serialises every write transaction anyway: the unit
of work begins ``IMMEDIATE``). The ledger's idempotency keys make a repeated money movement
harmless; the lock keeps the state and the money in step.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from core.milestone_events import Attachment, MilestoneEvent, MilestoneInvoice
from core.milestones import (
    ESCROW_STATES,
    Action,
    Actor,
    ChangeRequest,
    Milestone,
    MilestoneState,
    RequestKind,
)
from core.money import Money
from storage.tables.market import contracts
from storage.tables.milestones import milestone_events, milestone_invoices, milestones

__all__ = ["SqlMilestonesRepo"]


def _request_json(request: ChangeRequest | None) -> dict[str, Any] | None:
    if request is None:
        return None
    return {
        "kind": request.kind.value, "number": request.number,
        "requested_at": request.requested_at.isoformat(), "title": request.title,
        "description": request.description,
        "amount": request.amount.minor if request.amount else None,
        "due_date": request.due_date.isoformat() if request.due_date else None,
    }


def _request(data: dict[str, Any] | None, currency: str) -> ChangeRequest | None:
    if not data:
        return None
    return ChangeRequest(
        kind=RequestKind(data["kind"]), number=int(data["number"]),
        requested_at=datetime.fromisoformat(data["requested_at"]), title=data.get("title"),
        description=data.get("description"),
        amount=Money(int(data["amount"]), currency) if data.get("amount") is not None else None,
        due_date=date.fromisoformat(data["due_date"]) if data.get("due_date") else None)


def _values(m: Milestone) -> dict[str, Any]:
    assert m.funded is not None and m.released is not None and m.refunded is not None
    return {
        "contract_id": m.contract_id, "title": m.title, "description": m.description,
        "currency": m.currency, "amount": m.amount.minor, "due_date": m.due_date,
        "state": m.state.value, "author": m.author.value, "from_offer": m.from_offer,
        "created_at": m.created_at, "updated_at": m.updated_at or m.created_at,
        "funded": m.funded.minor, "released": m.released.minor, "refunded": m.refunded.minor,
        "submitted_at": m.submitted_at, "submissions": m.submissions,
        "reminders_sent": m.reminders_sent, "request": _request_json(m.request),
        "requests_made": m.requests_made, "dispute_item_id": m.dispute_item_id,
    }


def _milestone(row: RowMapping) -> Milestone:
    currency = row["currency"]
    return Milestone(
        contract_id=row["contract_id"], title=row["title"], description=row["description"],
        amount=Money(int(row["amount"]), currency), due_date=row["due_date"],
        author=Actor(row["author"]), created_at=row["created_at"],
        state=MilestoneState(row["state"]), id=row["id"], updated_at=row["updated_at"],
        funded=Money(int(row["funded"]), currency),
        released=Money(int(row["released"]), currency),
        refunded=Money(int(row["refunded"]), currency), submitted_at=row["submitted_at"],
        submissions=row["submissions"], reminders_sent=row["reminders_sent"],
        request=_request(row["request"], currency), requests_made=row["requests_made"],
        dispute_item_id=row["dispute_item_id"], from_offer=bool(row["from_offer"]))


def _event(row: RowMapping, currency: str) -> MilestoneEvent:
    files = tuple(Attachment(f["kind"], f["file_id"], f.get("file_name"))
                  for f in row["files"] or ())
    amount = Money(int(row["amount"]), currency) if row["amount"] is not None else None
    return MilestoneEvent(milestone_id=row["milestone_id"], action=Action(row["action"]),
                          actor=Actor(row["actor"]), at=row["at"], actor_id=row["actor_id"],
                          text=row["text"], files=files, amount=amount, id=row["id"])


class SqlMilestonesRepo:
    """Milestones on SQLAlchemy Core."""

    def __init__(self, session: AsyncConnection) -> None:
        self.session = session

    async def add(self, milestone: Milestone) -> Milestone:
        """Insert ``milestone``; returns it with its new id."""
        result = await self.session.execute(
            insert(milestones).values(**_values(milestone)).returning(milestones.c.id))
        milestone.id = int(result.scalar_one())
        return milestone

    async def get(self, milestone_id: int, *, lock: bool = False) -> Milestone | None:
        """The milestone, or None; ``lock`` holds its row until the unit of work ends."""
        query = select(milestones).where(milestones.c.id == milestone_id)
        if lock:
            query = query.with_for_update()
        row = (await self.session.execute(query)).mappings().first()
        return _milestone(row) if row is not None else None

    async def save(self, milestone: Milestone) -> None:
        """Write every changing field of a stored milestone."""
        values = _values(milestone)
        for fixed in ("contract_id", "currency", "author", "from_offer", "created_at"):
            del values[fixed]
        await self.session.execute(
            update(milestones).where(milestones.c.id == milestone.id).values(**values))

    async def for_contract(self, contract_id: int) -> list[Milestone]:
        """The contract's milestones, oldest first."""
        rows = await self.session.execute(
            select(milestones).where(milestones.c.contract_id == contract_id)
            .order_by(milestones.c.id))
        return [_milestone(row) for row in rows.mappings()]

    async def submitted_between(self, after: datetime, until: datetime,
                                reminders_below: int | None, limit: int) -> list[Milestone]:
        """Submitted milestones with ``after < submitted_at <= until``, oldest first.

        ``reminders_below`` keeps only those with fewer reminders sent (MS-09).
        """
        query = select(milestones).where(milestones.c.state == MilestoneState.SUBMITTED.value,
                                         milestones.c.submitted_at > after,
                                         milestones.c.submitted_at <= until)
        if reminders_below is not None:
            query = query.where(milestones.c.reminders_sent < reminders_below)
        rows = await self.session.execute(
            query.order_by(milestones.c.submitted_at, milestones.c.id).limit(limit))
        return [_milestone(row) for row in rows.mappings()]

    async def after_contract_end(self, at: datetime, ended_before: datetime,
                                 limit: int) -> list[Milestone]:
        """What ended contracts left due at ``at`` (MS-10), by the contract's end, oldest first.

        Funded milestones of a contract ended by ``at``, and those still open (in progress,
        revision requested, or submitted after the end) of a contract ended by
        ``ended_before``. Work submitted by the end is MS-09's to release, so it is not here.
        """
        S = MilestoneState
        state = milestones.c.state
        still_open = or_(state.in_([S.IN_PROGRESS.value, S.REVISION_REQUESTED.value]),
                         and_(state == S.SUBMITTED.value,
                              milestones.c.submitted_at > contracts.c.ended_at))
        query = (
            select(milestones)
            .join(contracts, contracts.c.id == milestones.c.contract_id)
            .where(contracts.c.status == "ended", contracts.c.ended_at <= at,
                   or_(state == S.FUNDED.value,
                       and_(contracts.c.ended_at <= ended_before, still_open)))
            .order_by(contracts.c.ended_at, milestones.c.id).limit(limit))
        rows = await self.session.execute(query)
        return [_milestone(row) for row in rows.mappings()]

    async def contracts_to_settle(self, user_id: int, limit: int) -> list[int]:
        """Ended contracts of ``user_id`` with a milestone still holding money (MS-10)."""
        rows = await self.session.execute(
            select(contracts.c.id).distinct()
            .join(milestones, milestones.c.contract_id == contracts.c.id)
            .where(contracts.c.status == "ended",
                   or_(contracts.c.client_id == user_id, contracts.c.expert_id == user_id),
                   milestones.c.state.in_([s.value for s in ESCROW_STATES]))
            .order_by(contracts.c.id.desc()).limit(limit))
        return [int(contract_id) for contract_id in rows.scalars()]

    async def by_dispute_item(self, item_id: int) -> Milestone | None:
        """The milestone whose dispute is the support queue item ``item_id``."""
        row = (await self.session.execute(
            select(milestones).where(milestones.c.dispute_item_id == item_id))
        ).mappings().first()
        return _milestone(row) if row is not None else None

    async def add_event(self, event: MilestoneEvent) -> MilestoneEvent:
        """Append one history entry; returns it with its id."""
        files = [{"kind": f.kind, "file_id": f.file_id, "file_name": f.file_name}
                 for f in event.files] or None
        result = await self.session.execute(insert(milestone_events).values(
            milestone_id=event.milestone_id, action=event.action.value,
            actor=event.actor.value, actor_id=event.actor_id, at=event.at, text=event.text,
            files=files, amount=event.amount.minor if event.amount else None,
        ).returning(milestone_events.c.id))
        return replace(event, id=int(result.scalar_one()))

    async def events(self, milestone_id: int, limit: int = 100) -> list[MilestoneEvent]:
        """The milestone's latest ``limit`` history entries, oldest first."""
        rows = await self.session.execute(
            select(milestone_events, milestones.c.currency)
            .join(milestones, milestones.c.id == milestone_events.c.milestone_id)
            .where(milestone_events.c.milestone_id == milestone_id)
            .order_by(milestone_events.c.id.desc()).limit(limit))
        return [_event(row, row["currency"]) for row in reversed(list(rows.mappings()))]

    async def add_invoice(self, invoice: MilestoneInvoice) -> None:
        """Remember which milestone (or change) a payment intent funds."""
        await self.session.execute(insert(milestone_invoices).values(
            intent_id=invoice.intent_id, milestone_id=invoice.milestone_id,
            request_number=invoice.request_number))

    async def invoice(self, intent_id: int) -> MilestoneInvoice | None:
        """The milestone funding a payment intent pays, if it is one."""
        row = (await self.session.execute(select(milestone_invoices).where(
            milestone_invoices.c.intent_id == intent_id))).mappings().first()
        if row is None:
            return None
        return MilestoneInvoice(intent_id=row["intent_id"], milestone_id=row["milestone_id"],
                                request_number=row["request_number"])
