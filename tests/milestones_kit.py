"""Shared set-up for the milestone tests: users, a running fixed-price contract, money.

The marketplace's own flows (post, apply, offer, accept) have their tests; milestone tests
start from a contract written straight into the database, as those flows leave it.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime
from typing import Any

from core.accounts import Role, User
from core.applications import Application
from core.contracts import Contract, ContractStatus
from core.ledger import AccountRef
from core.money import Money
from core.projects import Project, ProjectKind, ProjectStatus
from core.services.ledger import (
    available_account,
    escrow_account,
    pending_account,
    top_up,
    wallet_account,
)
from storage import Database

__all__ = ["CLIENT", "EXPERT", "STRANGER", "SUPPORT", "act_as", "balances", "fixed_contract",
           "fund_wallet", "seed_users", "usd"]

CLIENT, EXPERT, STRANGER, SUPPORT = 101, 202, 303, 404
_charges = itertools.count(1)


def usd(amount: str) -> Money:
    """US dollars from a decimal string."""
    return Money.of(amount, "USD")


async def seed_users(database: Database, at: datetime,
                     languages: dict[int, str] | None = None) -> None:
    """The client, the expert, a stranger and a support member (each in their language)."""
    languages = languages or {}
    roles = {CLIENT: {Role.CLIENT}, EXPERT: {Role.EXPERT}, STRANGER: {Role.EXPERT, Role.CLIENT},
             SUPPORT: {Role.SUPPORT}}
    async with database.uow() as uow:
        for uid, held in roles.items():
            if await uow.users.get(uid) is None:
                await uow.users.add(User(id=uid, first_name=f"User{uid}", last_name="Test",
                                         roles=held, language=languages.get(uid, "en"),
                                         created_at=at, last_seen_at=at))
        await uow.commit()


async def fixed_contract(database: Database, at: datetime, *, client: int = CLIENT,
                         expert: int = EXPERT, first_amount: int = 100_00,
                         first_title: str = "First draft",
                         status: ContractStatus = ContractStatus.ACTIVE) -> Contract:
    """A fixed-price contract between ``client`` and ``expert``, accepted at ``at``."""
    async with database.uow() as uow:
        project = await uow.market.projects.add(Project(
            owner_id=client, title="Gearbox housing", description="Cast aluminium, STEP files.",
            category="cad", kind=ProjectKind.FIXED, currency="USD", budget_min=100_00,
            budget_max=500_00, created_at=at, deadline=date(2026, 6, 1),
            status=ProjectStatus.PUBLISHED, published_at=at))
        assert project.id is not None
        application = await uow.market.applications.add(Application(
            project_id=project.id, freelancer_id=expert, cover_letter="I fit this well.",
            amount=first_amount, currency="USD", created_at=at))
        assert application.id is not None
        contract = await uow.market.contracts.add(Contract(
            project_id=project.id, application_id=application.id, client_id=client,
            expert_id=expert, kind=ProjectKind.FIXED, currency="USD", created_at=at,
            milestone_title=first_title, milestone_amount=first_amount, status=status,
            accepted_at=at if status is not ContractStatus.OFFERED else None))
        await uow.commit()
    return contract


async def fund_wallet(database: Database, user_id: int, amount: Money, at: datetime) -> None:
    """Credit ``user_id``'s wallet as a gateway payment would."""
    async with database.uow() as uow:
        await top_up(uow, user_id=user_id, amount=amount, charge_id=f"kit-{next(_charges)}",
                     at=at)
        await uow.commit()


async def balances(database: Database, milestone_id: int, client: int = CLIENT,
                   expert: int = EXPERT) -> dict[str, Money]:
    """The balances a milestone's money touches: wallet, escrow, pending, available."""
    refs: dict[str, AccountRef] = {
        "wallet": wallet_account(client, "USD"), "escrow": escrow_account(milestone_id, "USD"),
        "pending": pending_account(expert, "USD"), "available": available_account(expert, "USD"),
    }
    async with database.uow() as uow:
        return {name: await uow.ledger.balance(ref) for name, ref in refs.items()}


async def act_as(db: Database, user_id: int, call: Any, *args: Any, **kwargs: Any) -> Any:
    """Run the service ``call(uow, user, ...)`` as ``user_id`` in one committed unit of work."""
    async with db.uow() as uow:
        user: User | None = await uow.users.get(user_id)
        assert user is not None
        result = await call(uow, user, *args, **kwargs)
        await uow.commit()
    return result
