"""The ledger in the database, on SQLite and PostgreSQL: idempotency, guards, holds, triggers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from core.holds import available_at, clear_due_holds, pending_holds
from core.ledger import (
    AccountKind,
    HoldNotOpen,
    IdempotencyConflict,
    InsufficientFunds,
    Owner,
)
from core.money import Money
from core.services.ledger import (
    Leg,
    available_account,
    escrow_account,
    fees_account,
    fund_escrow,
    gateway_account,
    pending_account,
    refund_escrow,
    release_escrow,
    top_up,
    transfer,
    wallet_account,
    wallet_view,
)
from core.services.ledger_check import check_ledger
from storage import Database
from storage.retry import is_retryable, run_in_uow

AT = datetime(2026, 6, 1, 10, 30, tzinfo=UTC)  # a Monday
CLIENT, EXPERT, MILESTONE = 1, 2, 7


def usd(amount: str) -> Money:
    return Money.of(amount, "USD")


async def _funded(database: Database, amount: str = "100") -> None:
    """Top up the client's wallet and put 60 of it in the milestone's escrow."""
    async with database.uow() as uow:
        await top_up(uow, user_id=CLIENT, amount=usd(amount), charge_id="ch-1", at=AT)
        await fund_escrow(uow, client_id=CLIENT, milestone_id=MILESTONE, amount=usd("60"),
                          key="fund-7", at=AT)
        await uow.commit()


async def _balance(database: Database, ref: Any) -> Money:
    async with database.uow() as uow:
        return await uow.ledger.balance(ref)


async def test_a_top_up_credits_the_wallet_once_per_charge(database: Database) -> None:
    async with database.uow() as uow:
        first = await top_up(uow, user_id=CLIENT, amount=usd("50"), charge_id="ch-1", at=AT)
        await uow.commit()
    async with database.uow() as uow:
        again = await top_up(uow, user_id=CLIENT, amount=usd("50"), charge_id="ch-1",
                             at=AT + timedelta(minutes=5))
        await uow.commit()
    assert again == first and again.replayed and not first.replayed
    assert again.created_at == AT  # the original's, not the retry's
    assert await _balance(database, wallet_account(CLIENT, "USD")) == usd("50")
    assert await _balance(database, gateway_account("USD")) == usd("-50")


async def test_the_same_key_with_other_content_is_refused_and_writes_nothing(
        database: Database) -> None:
    await _funded(database)
    with pytest.raises(IdempotencyConflict):
        async with database.uow() as uow:
            await top_up(uow, user_id=CLIENT, amount=usd("51"), charge_id="ch-1", at=AT)
    async with database.uow() as uow:
        report = await check_ledger(uow)
        assert report.audit.transactions == 2
    assert await _balance(database, wallet_account(CLIENT, "USD")) == usd("40")


async def test_a_guarded_account_never_goes_negative_and_nothing_is_half_written(
        database: Database) -> None:
    await _funded(database)
    async with database.uow() as uow:
        with pytest.raises(InsufficientFunds) as refusal:
            await fund_escrow(uow, client_id=CLIENT, milestone_id=8, amount=usd("40.01"),
                              key="fund-8", at=AT)
        assert refusal.value.balance == usd("40") and refusal.value.needed == usd("40.01")
        # the unit of work is still usable and the refused transaction left no trace
        assert await uow.ledger.get("fund-8") is None
        await fund_escrow(uow, client_id=CLIENT, milestone_id=8, amount=usd("40"),
                          key="fund-8b", at=AT)
        await uow.commit()
    assert await _balance(database, wallet_account(CLIENT, "USD")) == usd("0")
    async with database.uow() as uow:
        assert (await check_ledger(uow)).ok


async def test_the_database_refuses_a_negative_guarded_balance_too(database: Database) -> None:
    await _funded(database)
    with pytest.raises(DBAPIError):
        async with database.uow() as uow:
            await uow.session.execute(text(
                "UPDATE ledger_accounts SET balance = -1 WHERE kind = 'client_wallet'"))


async def test_hold_01_a_release_waits_in_pending_until_its_instant_then_clears_once(
        database: Database) -> None:
    await _funded(database)
    clears = available_at(AT)
    async with database.uow() as uow:
        posted = await release_escrow(uow, milestone_id=MILESTONE, expert_id=EXPERT,
                                      amount=usd("60"), fee=usd("6"), key="release-7", at=AT,
                                      clears_at=clears)
        await uow.commit()
    assert clears == datetime(2026, 6, 6, tzinfo=UTC)  # Monday -> Saturday 00:00
    [hold] = posted.holds
    assert (hold.amount, hold.clears_at, hold.owner_id) == (usd("54"), clears, EXPERT)
    async with database.uow() as uow:
        assert await clear_due_holds(uow, clears - timedelta(microseconds=1)) == []
        [cleared] = await clear_due_holds(uow, clears)
        assert cleared.user_id == EXPERT and cleared.transaction.key == f"hold-clear:{hold.id}"
        await uow.commit()
    async with database.uow() as uow:
        assert await clear_due_holds(uow, clears + timedelta(days=3)) == []  # a later tick
        assert await uow.ledger.balance(pending_account(EXPERT, "USD")) == usd("0")
        assert await uow.ledger.balance(available_account(EXPERT, "USD")) == usd("54")
        assert await uow.ledger.balance(fees_account("USD")) == usd("6")
        assert await uow.ledger.balance(escrow_account(MILESTONE, "USD")) == usd("0")
        settled = await uow.ledger.get_hold(hold.id)
        assert settled is not None and settled.settled_by == cleared.transaction.id
        assert (await check_ledger(uow)).ok


async def test_hold_01_holds_missed_during_downtime_all_clear_at_the_next_tick(
        database: Database) -> None:
    await _funded(database)
    async with database.uow() as uow:
        for day in range(3):
            at = AT + timedelta(days=day)
            await release_escrow(uow, milestone_id=MILESTONE, expert_id=EXPERT,
                                 amount=usd("10"), key=f"release-{day}", at=at,
                                 clears_at=available_at(at))
        await uow.commit()
    async with database.uow() as uow:
        cleared = await clear_due_holds(uow, AT + timedelta(days=30))
        await uow.commit()
    assert [c.hold.clears_at.day for c in cleared] == [6, 7, 8]
    assert await _balance(database, available_account(EXPERT, "USD")) == usd("30")


async def test_hold_04_every_pending_amount_shows_its_clearing_date(database: Database) -> None:
    await _funded(database)
    async with database.uow() as uow:
        for day, amount in ((2, "5"), (0, "7")):
            at = AT + timedelta(days=day)
            await release_escrow(uow, milestone_id=MILESTONE, expert_id=EXPERT,
                                 amount=usd(amount), key=f"release-{day}", at=at,
                                 clears_at=available_at(at))
        await uow.commit()
    async with database.uow() as uow:
        holds = await pending_holds(uow, EXPERT)
        assert await pending_holds(uow, CLIENT) == []
        assert await pending_holds(uow, EXPERT, "EUR") == []
    assert [(h.amount, h.clears_at) for h in holds] == [
        (usd("7"), datetime(2026, 6, 6, tzinfo=UTC)), (usd("5"), datetime(2026, 6, 8, tzinfo=UTC))]
    assert sum((h.amount for h in holds), usd("0")) == await _balance(
        database, pending_account(EXPERT, "USD"))
    assert not holds[0].is_overdue(AT) and holds[0].is_overdue(holds[0].clears_at)


async def test_money_leaves_pending_only_by_settling_a_whole_open_hold(
        database: Database) -> None:
    await _funded(database)
    async with database.uow() as uow:
        posted = await release_escrow(uow, milestone_id=MILESTONE, expert_id=EXPERT,
                                      amount=usd("10"), key="release", at=AT,
                                      clears_at=available_at(AT))
        hold = posted.holds[0]
        pending, available = pending_account(EXPERT, "USD"), available_account(EXPERT, "USD")
        with pytest.raises(HoldNotOpen):  # a part of it
            await transfer(uow, key="part", kind="test", at=AT,
                           legs=Leg(pending, available, usd("4"), hold_id=hold.id))
        with pytest.raises(HoldNotOpen):  # a hold that does not exist
            await transfer(uow, key="ghost", kind="test", at=AT,
                           legs=Leg(pending, available, usd("10"), hold_id=hold.id + 99))
        # a reversal (e.g. support refunds the client) settles the hold just as clearing does
        await transfer(uow, key="reverse", kind="reversal", at=AT,
                       legs=Leg(pending, wallet_account(CLIENT, "USD"), usd("10"),
                                hold_id=hold.id))
        with pytest.raises(HoldNotOpen):  # settled once only
            await transfer(uow, key="twice", kind="test", at=AT,
                           legs=Leg(pending, available, usd("10"), hold_id=hold.id))
        assert await clear_due_holds(uow, AT + timedelta(days=10)) == []
        await uow.commit()
    assert await _balance(database, wallet_account(CLIENT, "USD")) == usd("50")


async def test_a_release_retried_the_next_day_returns_the_original_with_its_hold_date(
        database: Database) -> None:
    await _funded(database)
    kwargs: dict[str, Any] = dict(milestone_id=MILESTONE, expert_id=EXPERT, amount=usd("60"),
                                  fee=usd("6"), key="release-7")
    async with database.uow() as uow:
        first = await release_escrow(uow, **kwargs, at=AT, clears_at=available_at(AT))
        await uow.commit()
    tomorrow = AT + timedelta(days=1)
    async with database.uow() as uow:
        again = await release_escrow(uow, **kwargs, at=tomorrow,
                                     clears_at=available_at(tomorrow))
        with pytest.raises(IdempotencyConflict):  # same key, another amount
            await release_escrow(uow, **{**kwargs, "amount": usd("59")}, at=tomorrow,
                                 clears_at=available_at(tomorrow))
    assert again == first and again.replayed
    assert again.holds[0].clears_at == available_at(AT) == datetime(2026, 6, 6, tzinfo=UTC)


async def test_a_refund_returns_escrow_to_the_wallet(database: Database) -> None:
    await _funded(database)
    async with database.uow() as uow:
        await refund_escrow(uow, milestone_id=MILESTONE, client_id=CLIENT, amount=usd("60"),
                            key="refund-7", at=AT)
        await uow.commit()
    assert await _balance(database, wallet_account(CLIENT, "USD")) == usd("100")


async def test_history_lists_the_accounts_transactions_newest_first_in_pages(
        database: Database) -> None:
    await _funded(database)
    wallet = wallet_account(CLIENT, "USD")
    async with database.uow() as uow:
        page = await uow.ledger.history(wallet, limit=1)
        older = await uow.ledger.history(wallet, limit=5, before_id=page[0].transaction_id)
        assert await uow.ledger.history(wallet_account(99, "USD")) == []
    assert [(line.kind, line.amount) for line in page + older] == [
        ("escrow_fund", usd("-60")), ("topup", usd("100"))]


async def test_accounts_are_opened_once_and_listed_by_owner(database: Database) -> None:
    await _funded(database)
    async with database.uow() as uow:
        first = await uow.ledger.accounts.get_or_open(AccountKind.CLIENT_WALLET,
                                                      Owner.user(CLIENT), "USD")
        again = await uow.ledger.accounts.get_or_open(AccountKind.CLIENT_WALLET,
                                                      Owner.user(CLIENT), "USD")
        eur = await uow.ledger.accounts.get_or_open(AccountKind.CLIENT_WALLET,
                                                    Owner.user(CLIENT), "EUR")
        mine = await uow.ledger.accounts.of_owner(Owner.user(CLIENT))
    assert first == again and first.balance == usd("40") and eur.balance == Money(0, "EUR")
    assert [a.ref.currency for a in mine] == ["EUR", "USD"]


@pytest.mark.parametrize("statement", [
    "UPDATE ledger_postings SET amount = amount + 1",
    "DELETE FROM ledger_postings",
    "UPDATE ledger_transactions SET memo = 'edited'",
    "DELETE FROM ledger_transactions",
])
async def test_postings_and_transactions_are_append_only(database: Database,
                                                         statement: str) -> None:
    await _funded(database)
    with pytest.raises(DBAPIError, match="append-only"):
        async with database.uow() as uow:
            await uow.session.execute(text(statement))
    async with database.uow() as uow:
        assert (await check_ledger(uow)).audit.postings == 4


@pytest.mark.parametrize("statement", [
    "UPDATE ledger_holds SET amount = amount + 1",
    "DELETE FROM ledger_holds",
    "UPDATE ledger_holds SET settled_at = clears_at",  # a settled hold stays as settled
])
async def test_a_hold_is_settled_once_and_never_deleted(database: Database,
                                                        statement: str) -> None:
    await _funded(database)
    async with database.uow() as uow:
        await release_escrow(uow, milestone_id=MILESTONE, expert_id=EXPERT, amount=usd("10"),
                             key="release", at=AT, clears_at=available_at(AT))
        await clear_due_holds(uow, AT + timedelta(days=5))
        await uow.commit()
    with pytest.raises(DBAPIError, match="hold"):
        async with database.uow() as uow:
            await uow.session.execute(text(statement))


async def test_the_operator_check_finds_a_drifted_balance_and_an_unbalanced_transaction(
        database: Database) -> None:
    await _funded(database)
    async with database.uow() as uow:
        assert (await check_ledger(uow)).ok
        await uow.session.execute(text(
            "UPDATE ledger_accounts SET balance = balance + 5 WHERE kind = 'gateway_clearing'"))
        report = await check_ledger(uow)
    assert not report.ok
    text_report = "\n".join(report.summary_lines())
    assert "gateway_clearing/platform/USD keeps balance -9995 but its postings sum to -10000" \
        in text_report
    assert "USD: balances sum to 5" in text_report


async def test_the_operator_check_finds_postings_that_do_not_sum_to_zero(
        database: Database) -> None:
    await _funded(database)
    async with database.uow() as uow:
        await uow.session.execute(text(
            "INSERT INTO ledger_postings (transaction_id, account_id, amount, currency) "
            "SELECT t.id, a.id, 3, 'USD' FROM ledger_transactions t, ledger_accounts a "
            "WHERE t.key = 'fund-7' AND a.kind = 'client_wallet'"))
        report = await check_ledger(uow)
    assert not report.ok
    assert any("(fund-7) sums to 3 USD" in line for line in report.problems)
    assert any("client_wallet/user:1/USD keeps balance 4000 but its postings sum to 4003"
               in line for line in report.problems)


async def test_run_in_uow_retries_serialization_failures_and_commits_once(
        database: Database) -> None:
    class SerializationFailure(Exception):
        sqlstate = "40001"

    attempts = []

    async def work(uow: Any) -> str:
        attempts.append(1)
        await top_up(uow, user_id=CLIENT, amount=usd("5"), charge_id=f"try-{len(attempts)}",
                     at=AT)
        if len(attempts) < 3:
            raise DBAPIError("COMMIT", None, SerializationFailure("could not serialize"))
        return "done"

    assert await run_in_uow(database, work, retries=5) == "done"
    assert len(attempts) == 3
    assert await _balance(database, wallet_account(CLIENT, "USD")) == usd("5")  # only the last
    assert not is_retryable(ValueError("x"))
    attempts.clear()
    with pytest.raises(DBAPIError):
        await run_in_uow(database, work, retries=0)
    assert len(attempts) == 1


async def test_hold_04_the_wallet_view_shows_balances_and_dated_pending_amounts(
        database: Database) -> None:
    await _funded(database)
    async with database.uow() as uow:
        await release_escrow(uow, milestone_id=MILESTONE, expert_id=CLIENT, amount=usd("20"),
                             key="release", at=AT, clears_at=available_at(AT))
        view = await wallet_view(uow, CLIENT, "USD")
    assert (view.wallet, view.available, view.in_flight) == (usd("40"), usd("0"), usd("0"))
    assert [(h.amount, h.clears_at) for h in view.pending] == [
        (usd("20"), datetime(2026, 6, 6, tzinfo=UTC))]
    assert view.pending_total == usd("20")
    assert [line.kind for line in view.recent] == ["escrow_fund", "topup"]
