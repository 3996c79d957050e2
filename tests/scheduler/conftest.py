"""Helpers for the scheduler's tests: experts with money on hold until given instants."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from core.accounts import User
from core.ledger import Hold
from core.money import Money
from core.services.ledger import Leg, gateway_account, pending_account, transfer
from storage import Database
from storage.tables.outbox import outbox
from tests.conftest import START


async def add_expert(database: Database, user_id: int, language: str = "en") -> None:
    """A user the ticks may notify."""
    async with database.uow() as uow:
        await uow.users.add(User(id=user_id, first_name=f"Expert {user_id}", language=language,
                                 created_at=START, last_seen_at=START))
        await uow.commit()


async def hold_until(database: Database, expert_id: int, amount: str, clears_at: datetime,
                     key: str) -> Hold:
    """Credit ``amount`` USD to the expert's pending account until ``clears_at``."""
    money = Money.of(amount, "USD")
    async with database.uow() as uow:
        posted = await transfer(uow, key=key, kind="release", at=START,
                                legs=Leg(gateway_account("USD"),
                                         pending_account(expert_id, "USD"), money,
                                         clears_at=clears_at))
        await uow.commit()
    [hold] = posted.holds
    return hold


async def outbox_texts(database: Database) -> list[tuple[int, str, str | None]]:
    """(recipient, text, dedupe key) of every outbox row, oldest first."""
    async with database.engine.connect() as connection:
        result = await connection.execute(
            select(outbox.c.user_id, outbox.c.text, outbox.c.dedupe_key).order_by(outbox.c.id))
        return [tuple(row) for row in result]


async def outbox_count(database: Database) -> int:
    """How many notifications were ever written."""
    async with database.engine.connect() as connection:
        return int((await connection.execute(
            select(func.count()).select_from(outbox))).scalar_one())
