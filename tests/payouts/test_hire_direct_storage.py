"""PAY-06 storage on both backends: the Hire Direct fee once into the platform fee account,
the pair marks either way round, Bring-a-Client joins once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.accounts import Role, User
from core.errors import Conflict
from core.money import Money
from core.payouts import direct
from core.services.ledger import Leg, fees_account, gateway_account, transfer, wallet_account
from storage import Database
from tests.payouts.kit import EXPERT, SUPPORT, as_user, seed

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CLIENT, OTHER = 401, 402


async def _people(db: Database) -> None:
    await seed(db, AT)
    async with db.uow() as uow:
        for user_id in (CLIENT, OTHER):
            await uow.users.add(User(id=user_id, first_name="Cleo", roles={Role.CLIENT},
                                     created_at=AT, last_seen_at=AT))
        await transfer(uow, key="seed", kind="seed", at=AT, legs=Leg(
            gateway_account("USD"), wallet_account(CLIENT, "USD"), Money.of("6000", "USD")))
        await uow.commit()


async def _exempt(db: Database, a: int, b: int) -> bool:
    async with db.uow() as uow:
        return await direct.pair_exempt(uow, a, b)


async def test_pay_06_fee_01_a_paid_hire_marks_the_pair_and_the_fee_is_kept_once(
        database: Database) -> None:
    await _people(database)
    async with database.uow() as uow:
        hire = await uow.payouts.add_hire(direct.DirectHire(
            id=None, client_id=CLIENT, expert_id=EXPERT, requested_at=AT))
        await uow.commit()
    assert hire.id is not None
    offered = await as_user(database, SUPPORT, direct.offer_salary, hire.id,
                            Money.of("40000", "USD"), AT)
    assert offered.fee == Money.of("5400.00", "USD")
    assert not await _exempt(database, CLIENT, EXPERT)
    await as_user(database, CLIENT, direct.pay_hire, hire.id, AT)
    with pytest.raises(Conflict):
        await as_user(database, CLIENT, direct.pay_hire, hire.id, AT)
    async with database.uow() as uow:
        assert await uow.ledger.balance(fees_account("USD")) == Money.of("5400.00", "USD")
        assert await uow.ledger.balance(wallet_account(CLIENT, "USD")) == Money.of("600", "USD")
    assert await _exempt(database, CLIENT, EXPERT) and await _exempt(database, EXPERT, CLIENT)
    assert not await _exempt(database, OTHER, EXPERT)


async def test_pay_06_bring_a_client_joins_once_through_a_stable_token(
        database: Database) -> None:
    await _people(database)
    async with database.uow() as uow:
        expert = await uow.users.get(EXPERT)
        client = await uow.users.get(CLIENT)
        assert expert is not None and client is not None
        token = await direct.bac_token(uow, expert, "a1b2c3", AT)
        assert await direct.bac_token(uow, expert, "ffffff", AT) == token == "a1b2c3"
        assert await direct.join_through(uow, expert, token, AT) is None  # their own link
        assert await direct.join_through(uow, client, "nope", AT) is None
        assert await direct.join_through(uow, client, token, AT) == EXPERT
        assert await direct.join_through(uow, client, token, AT) is None  # once
        await uow.commit()
    assert await _exempt(database, EXPERT, CLIENT)
    assert not await _exempt(database, EXPERT, OTHER)
