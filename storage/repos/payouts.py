"""Payout profiles, methods and payouts: :class:`core.payouts.ports.PayoutsRepo`.

``save`` is a conditional UPDATE on ``version``: of two concurrent changes of one payout
(support marking it sent while its owner cancels) exactly one applies, on both backends.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.ledger import AccountKind
from core.money import Money
from core.payouts.methods import MethodKind, PayoutMethod
from core.payouts.model import Bonus, BonusKind, DirectHire, Payout, PayoutProfile
from core.payouts.states import PayoutState
from storage.tables.ledger import ledger_accounts as accounts
from storage.tables.ledger import ledger_postings as postings
from storage.tables.ledger import ledger_transactions as transactions
from storage.tables.market import contracts
from storage.tables.payouts import bac_clients, bac_invites, bonuses, direct_hires, payouts
from storage.tables.payouts import payout_methods as methods
from storage.tables.payouts import payout_profiles as profiles

__all__ = ["SqlPayoutsRepo"]


def _method(row: Any) -> PayoutMethod:
    return PayoutMethod(id=row.id, user_id=row.user_id, kind=MethodKind(row.kind),
                        holder=row.holder, details=row.details, created_at=row.created_at,
                        removed=bool(row.removed))


def _hire(row: Any) -> DirectHire:
    currency = row.currency
    return DirectHire(
        id=row.id, client_id=row.client_id, expert_id=row.expert_id,
        requested_at=row.requested_at,
        salary=Money(int(row.salary), currency) if row.salary is not None else None,
        fee=Money(int(row.fee), currency) if row.fee is not None else None,
        offered_by=row.offered_by, paid_at=row.paid_at, intent_id=row.intent_id)


def _payout(row: Any) -> Payout:
    return Payout(id=row.id, user_id=row.user_id, method_id=row.method_id,
                  method_kind=MethodKind(row.method_kind), method_masked=row.method_masked,
                  amount=Money(int(row.amount), row.currency),
                  fee=Money(int(row.fee), row.currency), state=PayoutState(row.state),
                  requested_at=row.requested_at, process_on=row.process_on,
                  updated_at=row.updated_at, reference=row.reference, reason=row.reason,
                  version=row.version)


def _values(payout: Payout) -> dict[str, Any]:
    return dict(user_id=payout.user_id, method_id=payout.method_id,
                method_kind=payout.method_kind.value, method_masked=payout.method_masked,
                amount=payout.amount.minor, fee=payout.fee.minor,
                currency=payout.amount.currency, state=payout.state.value,
                requested_at=payout.requested_at, process_on=payout.process_on,
                updated_at=payout.updated_at, reference=payout.reference, reason=payout.reason)


class SqlPayoutsRepo:
    """Payouts on SQLAlchemy Core."""

    def __init__(self, session: AsyncConnection) -> None:
        self._session = session

    async def profile(self, user_id: int) -> PayoutProfile:
        """The user's payout profile (an empty one if none is stored)."""
        row = (await self._session.execute(
            select(profiles).where(profiles.c.user_id == user_id))).first()
        if row is None:
            return PayoutProfile(user_id)
        return PayoutProfile(user_id, row.legal_name, row.hold_until)

    async def save_profile(self, profile: PayoutProfile) -> None:
        """Insert or update the profile."""
        values = dict(legal_name=profile.legal_name, hold_until=profile.hold_until)
        result = await self._session.execute(
            update(profiles).where(profiles.c.user_id == profile.user_id).values(**values))
        if not result.rowcount:
            await self._session.execute(
                insert(profiles).values(user_id=profile.user_id, **values))

    async def add_method(self, method: PayoutMethod) -> PayoutMethod:
        """Insert ``method``; return it with its id."""
        result = await self._session.execute(
            insert(methods).values(user_id=method.user_id, kind=method.kind.value,
                                   holder=method.holder, details=method.details,
                                   created_at=method.created_at, removed=method.removed)
            .returning(methods.c.id))
        return replace(method, id=int(result.scalar_one()))

    async def method(self, method_id: int) -> PayoutMethod | None:
        """The method with this id (removed ones too), if any."""
        row = (await self._session.execute(
            select(methods).where(methods.c.id == method_id))).first()
        return _method(row) if row else None

    async def methods_of(self, user_id: int) -> list[PayoutMethod]:
        """The user's live methods, oldest first."""
        rows = await self._session.execute(
            select(methods).where(methods.c.user_id == user_id, methods.c.removed.is_(False))
            .order_by(methods.c.id))
        return [_method(row) for row in rows]

    async def save_method(self, method: PayoutMethod) -> None:
        """Store the method's ``removed`` mark (details never change: a change is a new one)."""
        await self._session.execute(
            update(methods).where(methods.c.id == method.id).values(removed=method.removed))

    async def add(self, payout: Payout) -> Payout:
        """Insert ``payout`` (version 0); return it with its id."""
        result = await self._session.execute(
            insert(payouts).values(**_values(payout), version=0).returning(payouts.c.id))
        return replace(payout, id=int(result.scalar_one()), version=0, history=[])

    async def get(self, payout_id: int) -> Payout | None:
        """The payout with this id, if any."""
        row = (await self._session.execute(
            select(payouts).where(payouts.c.id == payout_id))).first()
        return _payout(row) if row else None

    async def save(self, payout: Payout) -> bool:
        """Store a change if the row still has ``payout.version``; False if it moved on."""
        result = await self._session.execute(
            update(payouts)
            .where(payouts.c.id == payout.id, payouts.c.version == payout.version)
            .values(**_values(payout), version=payout.version + 1))
        return bool(result.rowcount)

    async def of_user(self, user_id: int, limit: int = 20) -> list[Payout]:
        """The user's newest payouts first."""
        rows = await self._session.execute(
            select(payouts).where(payouts.c.user_id == user_id)
            .order_by(payouts.c.id.desc()).limit(limit))
        return [_payout(row) for row in rows]

    async def in_states(self, states: frozenset[PayoutState], *, due_on: date | None = None,
                        limit: int = 20) -> list[Payout]:
        """Payouts in ``states`` (processed on or before ``due_on``), oldest first."""
        query = select(payouts).where(payouts.c.state.in_(sorted(s.value for s in states)))
        if due_on is not None:
            query = query.where(payouts.c.process_on <= due_on)
        rows = await self._session.execute(query.order_by(payouts.c.id).limit(limit))
        return [_payout(row) for row in rows]

    async def fee_postings(self, since: datetime | None) -> list[tuple[datetime, Money]]:
        """Every movement of the platform's fee accounts (since ``since``), oldest first."""
        query = (select(transactions.c.created_at, postings.c.amount, postings.c.currency)
                 .join(postings, postings.c.transaction_id == transactions.c.id)
                 .join(accounts, accounts.c.id == postings.c.account_id)
                 .where(accounts.c.kind == AccountKind.PLATFORM_FEES.value))
        if since is not None:
            query = query.where(transactions.c.created_at >= since)
        rows = await self._session.execute(query.order_by(transactions.c.id))
        return [(row.created_at, Money(int(row.amount), row.currency)) for row in rows]

    async def add_bonus(self, bonus: Bonus) -> Bonus:
        """Insert ``bonus``; return it with its id."""
        result = await self._session.execute(
            insert(bonuses).values(
                contract_id=bonus.contract_id, client_id=bonus.client_id,
                expert_id=bonus.expert_id, kind=bonus.kind.value, amount=bonus.amount.minor,
                currency=bonus.amount.currency, note=bonus.note, created_at=bonus.created_at,
                paid_at=bonus.paid_at, intent_id=bonus.intent_id).returning(bonuses.c.id))
        return replace(bonus, id=int(result.scalar_one()))

    async def bonus_for_intent(self, intent_id: int) -> Bonus | None:
        """The bonus whose shortfall invoice is ``intent_id``, if any."""
        row = (await self._session.execute(
            select(bonuses).where(bonuses.c.intent_id == intent_id))).first()
        if row is None:
            return None
        return Bonus(id=row.id, contract_id=row.contract_id, client_id=row.client_id,
                     expert_id=row.expert_id, kind=BonusKind(row.kind),
                     amount=Money(int(row.amount), row.currency), note=row.note,
                     created_at=row.created_at, paid_at=row.paid_at, intent_id=row.intent_id)

    async def save_bonus(self, bonus: Bonus) -> None:
        """Store ``paid_at`` and ``intent_id``."""
        await self._session.execute(
            update(bonuses).where(bonuses.c.id == bonus.id)
            .values(paid_at=bonus.paid_at, intent_id=bonus.intent_id))

    async def add_hire(self, hire: DirectHire) -> DirectHire:
        """Insert ``hire``; return it with its id."""
        result = await self._session.execute(
            insert(direct_hires).values(
                client_id=hire.client_id, expert_id=hire.expert_id,
                requested_at=hire.requested_at).returning(direct_hires.c.id))
        return replace(hire, id=int(result.scalar_one()))

    async def _one_hire(self, *where: Any) -> DirectHire | None:
        row = (await self._session.execute(select(direct_hires).where(*where))).first()
        return _hire(row) if row is not None else None

    async def hire(self, hire_id: int) -> DirectHire | None:
        """The Hire Direct request ``hire_id``."""
        return await self._one_hire(direct_hires.c.id == hire_id)

    async def hire_between(self, client_id: int, expert_id: int) -> DirectHire | None:
        """The pair's request, if any."""
        return await self._one_hire(direct_hires.c.client_id == client_id,
                                    direct_hires.c.expert_id == expert_id)

    async def hire_for_intent(self, intent_id: int) -> DirectHire | None:
        """The request whose shortfall invoice is ``intent_id``."""
        return await self._one_hire(direct_hires.c.intent_id == intent_id)

    async def hires_waiting(self, limit: int = 20) -> list[DirectHire]:
        """Requests without a salary yet, oldest first."""
        rows = await self._session.execute(
            select(direct_hires).where(direct_hires.c.fee.is_(None))
            .order_by(direct_hires.c.id).limit(limit))
        return [_hire(row) for row in rows]

    async def save_hire(self, hire: DirectHire) -> None:
        """Store the salary, fee, ``offered_by``, ``paid_at`` and ``intent_id``."""
        await self._session.execute(
            update(direct_hires).where(direct_hires.c.id == hire.id).values(
                salary=hire.salary.minor if hire.salary else None,
                fee=hire.fee.minor if hire.fee else None,
                currency=hire.fee.currency if hire.fee else None,
                offered_by=hire.offered_by, paid_at=hire.paid_at, intent_id=hire.intent_id))

    async def bac_token(self, expert_id: int, fresh: str, now: datetime) -> str:
        """The freelancer's token; ``fresh`` is stored the first time."""
        query = select(bac_invites.c.token).where(bac_invites.c.expert_id == expert_id)
        token = (await self._session.execute(query)).scalar_one_or_none()
        if token is None:
            await self._session.execute(insert(bac_invites).values(
                expert_id=expert_id, token=fresh, created_at=now))
            return fresh
        return str(token)

    async def bac_expert(self, token: str) -> int | None:
        """Whose token ``token`` is."""
        found = (await self._session.execute(
            select(bac_invites.c.expert_id).where(bac_invites.c.token == token))
        ).scalar_one_or_none()
        return int(found) if found is not None else None

    async def add_bring_a_client(self, client_id: int, expert_id: int, now: datetime) -> None:
        """Record that ``client_id`` joined through ``expert_id``'s link."""
        await self._session.execute(insert(bac_clients).values(
            client_id=client_id, expert_id=expert_id, joined_at=now))

    async def bring_a_client_of(self, client_id: int) -> int | None:
        """The freelancer whose link ``client_id`` joined through."""
        found = (await self._session.execute(
            select(bac_clients.c.expert_id).where(bac_clients.c.client_id == client_id))
        ).scalar_one_or_none()
        return int(found) if found is not None else None

    async def pair_exempt(self, a: int, b: int) -> bool:
        """PAY-06: hired direct (paid) or Bring-a-Client, either way round."""
        hired = select(direct_hires.c.id).where(
            direct_hires.c.paid_at.is_not(None),
            or_(and_(direct_hires.c.client_id == a, direct_hires.c.expert_id == b),
                and_(direct_hires.c.client_id == b, direct_hires.c.expert_id == a)))
        brought = select(bac_clients.c.client_id).where(
            or_(and_(bac_clients.c.client_id == a, bac_clients.c.expert_id == b),
                and_(bac_clients.c.client_id == b, bac_clients.c.expert_id == a)))
        found = await self._session.execute(hired.union_all(brought).limit(1))
        return found.first() is not None

    async def managed_service(self, expert_id: int, currency: str) -> bool:
        """PAY-02: the freelancer has an accepted ``currency`` contract marked managed-service."""
        row = (await self._session.execute(select(contracts.c.id).where(
            contracts.c.expert_id == expert_id, contracts.c.currency == currency,
            contracts.c.managed_service.is_(True), contracts.c.accepted_at.is_not(None)
        ).limit(1))).first()
        return row is not None
