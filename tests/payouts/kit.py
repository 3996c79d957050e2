"""Helpers for the payout tests: users, available money, methods, a policy per test."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from core.accounts import Role, User
from core.ledger import Owner
from core.money import Money
from core.payouts import policy
from core.payouts.methods import MethodKind, PayoutMethod
from core.payouts.provider import ManualProvider
from core.payouts.services import add_method, set_legal_name
from core.profiles import AccountType, FreelancerProfile
from core.services.ledger import (
    Leg,
    available_account,
    fees_account,
    gateway_account,
    payout_account,
    transfer,
)
from handlers.payouts.ticks import use_provider
from storage import Database

EXPERT, SUPPORT = 301, 302


@pytest.fixture(autouse=True)
def default_policy() -> Iterator[None]:
    """Every test starts (and ends) with the default policy and the manual provider."""
    policy.reset()
    use_provider(ManualProvider())
    yield
    policy.reset()
    use_provider(ManualProvider())


async def seed(db: Database, at: datetime, country: str | None = "DE") -> None:
    """The expert (with a freelancer profile in ``country``) and a support agent."""
    async with db.uow() as uow:
        await uow.users.add(User(id=EXPERT, first_name="Boris", last_name="Ivanov",
                                 roles={Role.EXPERT}, created_at=at, last_seen_at=at))
        await uow.users.add(User(id=SUPPORT, first_name="Sam", roles={Role.SUPPORT},
                                 created_at=at, last_seen_at=at))
        await uow.market.profiles.save_freelancer(FreelancerProfile(
            user_id=EXPERT, account_type=AccountType.PROFESSIONAL, headline="Engineer",
            created_at=at, country=country))
        await uow.commit()


async def make_available(db: Database, amount: Money, at: datetime, key: str = "seed") -> None:
    """Put ``amount`` straight into the expert's available balance (as cleared earnings)."""
    async with db.uow() as uow:
        await transfer(uow, key=key, kind="seed", at=at,
                       legs=Leg(gateway_account(amount.currency),
                                available_account(EXPERT, amount.currency), amount))
        await uow.commit()


async def as_user(db: Database, user_id: int, call: Any, *args: Any, **kwargs: Any) -> Any:
    """Run ``call(uow, user, ...)`` as ``user_id`` in one committed unit of work."""
    async with db.uow() as uow:
        user = await uow.users.get(user_id)
        assert user is not None
        result = await call(uow, user, *args, **kwargs)
        await uow.commit()
    return result


async def paypal(db: Database, at: datetime, holder: str = "Boris Ivanov",
                 legal: str | None = "Boris Ivanov") -> PayoutMethod:
    """The expert's legal name and a PayPal method (both start HOLD-02 at ``at``)."""
    if legal is not None:
        await as_user(db, EXPERT, set_legal_name, legal, at)
    method: PayoutMethod = await as_user(db, EXPERT, add_method, MethodKind.PAYPAL, holder,
                                         "boris@example.com", at)
    return method


async def money(db: Database, currency: str = "USD") -> dict[str, Money]:
    """The expert's available and in-flight money, the platform's fees, the outside world."""
    async with db.uow() as uow:
        ledger = uow.ledger
        return {"available": await ledger.balance(available_account(EXPERT, currency)),
                "in_flight": await ledger.balance(payout_account(EXPERT, currency)),
                "fees": await ledger.balance(fees_account(currency)),
                "outside": await ledger.balance(gateway_account(currency))}


__all__ = ["EXPERT", "SUPPORT", "Owner", "as_user", "make_available", "money", "paypal", "seed"]
