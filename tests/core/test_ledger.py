"""The ledger's domain rules, without a database: validation, idempotency content, holds."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from core.holds import available_at, clear_due_holds, clear_key
from core.ledger import (
    AccountKind,
    AccountRef,
    EmptyTransaction,
    Hold,
    InsufficientFunds,
    InvalidPosting,
    LedgerError,
    Owner,
    PostedTransaction,
    Posting,
    Transaction,
    UnbalancedTransaction,
    ZeroPosting,
    content_hash,
    validate,
)
from core.ledger_audit import BalanceMismatch, Imbalance, LedgerAudit
from core.money import CurrencyMismatch, Money
from core.services.ledger import (
    Leg,
    available_account,
    escrow_account,
    gateway_account,
    pending_account,
    wallet_account,
)
from core.services.ledger_check import LedgerReport
from locales import LANGUAGES, translator
from tests.fakes import FakeUnitOfWork, Unfaked

AT = datetime(2026, 6, 1, 10, 30, tzinfo=UTC)  # a Monday


def usd(amount: str) -> Money:
    return Money.of(amount, "USD")


def tx(*postings: Posting, key: str = "k1", kind: str = "test") -> Transaction:
    return Transaction(key=key, kind=kind, postings=postings, created_at=AT)


def test_a_balanced_transaction_is_valid() -> None:
    validate(tx(Posting(gateway_account("USD"), usd("-5")),
                Posting(wallet_account(1, "USD"), usd("5"))))


def test_postings_must_sum_to_zero_per_currency() -> None:
    with pytest.raises(UnbalancedTransaction):
        validate(tx(Posting(gateway_account("USD"), usd("-5")),
                    Posting(wallet_account(1, "USD"), usd("4.99"))))
    with pytest.raises(UnbalancedTransaction):  # zero overall, but not per currency
        validate(tx(Posting(gateway_account("USD"), usd("-5")),
                    Posting(wallet_account(1, "EUR"), Money(500, "EUR"))))


def test_empty_and_single_posting_transactions_are_refused() -> None:
    with pytest.raises(EmptyTransaction):
        validate(tx())
    with pytest.raises(EmptyTransaction):
        validate(tx(Posting(wallet_account(1, "USD"), usd("5"))))


def test_zero_postings_are_refused() -> None:
    with pytest.raises(ZeroPosting):
        validate(tx(Posting(gateway_account("USD"), usd("0")),
                    Posting(wallet_account(1, "USD"), usd("0"))))


def test_a_posting_must_be_in_its_accounts_currency() -> None:
    with pytest.raises(InvalidPosting):
        validate(tx(Posting(gateway_account("USD"), Money(-5, "EUR")),
                    Posting(wallet_account(1, "EUR"), Money(5, "EUR"))))


def test_hold_01_a_pending_credit_needs_its_clearing_instant() -> None:
    with pytest.raises(InvalidPosting):
        validate(tx(Posting(escrow_account(7, "USD"), usd("-5")),
                    Posting(pending_account(2, "USD"), usd("5"))))
    with pytest.raises(InvalidPosting):  # and nothing else carries one
        validate(tx(Posting(escrow_account(7, "USD"), usd("-5")),
                    Posting(wallet_account(2, "USD"), usd("5"), clears_at=AT)))


def test_a_pending_debit_must_name_the_hold_it_settles() -> None:
    with pytest.raises(InvalidPosting):
        validate(tx(Posting(pending_account(2, "USD"), usd("-5")),
                    Posting(available_account(2, "USD"), usd("5"))))
    validate(tx(Posting(pending_account(2, "USD"), usd("-5"), hold_id=3),
                Posting(available_account(2, "USD"), usd("5"))))


def test_keys_kinds_and_instants_are_checked() -> None:
    good = (Posting(gateway_account("USD"), usd("-5")), Posting(wallet_account(1, "USD"),
                                                              usd("5")))
    for bad in (tx(*good, key=""), tx(*good, key="x" * 201), tx(*good, kind="")):
        with pytest.raises(LedgerError):
            validate(bad)
    with pytest.raises(LedgerError):
        validate(replace(tx(*good), created_at=datetime(2026, 6, 1)))


def test_accounts_belong_to_the_right_kind_of_owner() -> None:
    with pytest.raises(ValueError):
        AccountRef(AccountKind.CLIENT_WALLET, Owner.milestone(1), "USD")
    with pytest.raises(ValueError):
        AccountRef(AccountKind.PLATFORM_FEES, Owner.user(1), "USD")
    with pytest.raises(ValueError):
        Owner(Owner.user(1).type)
    assert Owner.parse(Owner.milestone(12).key) == Owner.milestone(12)
    assert Owner.parse("platform") == Owner.platform()


def test_wallets_escrow_pending_and_available_are_guarded_but_not_the_outside_world() -> None:
    assert wallet_account(1, "USD").guarded and escrow_account(1, "USD").guarded
    assert pending_account(1, "USD").guarded and available_account(1, "USD").guarded
    assert not gateway_account("USD").guarded


def test_the_content_hash_ignores_memo_instants_and_order_but_not_amounts() -> None:
    a = Posting(gateway_account("USD"), usd("-5"))
    b = Posting(wallet_account(1, "USD"), usd("5"))
    original = tx(a, b)
    assert content_hash(original) == content_hash(replace(tx(b, a), memo="retry",
                                                          created_at=AT + timedelta(hours=1)))
    changed = tx(Posting(gateway_account("USD"), usd("-6")), Posting(wallet_account(1, "USD"),
                                                                     usd("6")))
    assert content_hash(changed) != content_hash(original)
    assert content_hash(replace(original, kind="other")) != content_hash(original)
    release = tx(*Leg(escrow_account(7, "USD"), pending_account(2, "USD"), usd("5"),
                      clears_at=AT).postings())
    next_day = tx(*Leg(escrow_account(7, "USD"), pending_account(2, "USD"), usd("5"),
                       clears_at=AT + timedelta(days=1)).postings())
    assert content_hash(release) == content_hash(next_day)


def test_a_leg_debits_its_source_and_credits_its_destination() -> None:
    leg = Leg(wallet_account(1, "USD"), escrow_account(7, "USD"), usd("30"))
    assert leg.postings() == (Posting(wallet_account(1, "USD"), usd("-30")),
                              Posting(escrow_account(7, "USD"), usd("30")))
    with pytest.raises(ZeroPosting):
        Leg(wallet_account(1, "USD"), escrow_account(7, "USD"), usd("0")).postings()
    with pytest.raises(InvalidPosting):
        Leg(wallet_account(1, "USD"), escrow_account(7, "USD"), usd("-1")).postings()


def test_mixed_currency_legs_fail_as_a_currency_mismatch() -> None:
    with pytest.raises((CurrencyMismatch, InvalidPosting)):
        validate(tx(*Leg(wallet_account(1, "USD"), escrow_account(7, "USD"),
                         Money(5, "EUR")).postings()))


@pytest.mark.parametrize(("processed", "available"), [
    (datetime(2026, 6, 1, 0, 0, tzinfo=UTC), datetime(2026, 6, 6, tzinfo=UTC)),  # Mon -> Sat
    (datetime(2026, 6, 2, 13, 0, tzinfo=UTC), datetime(2026, 6, 7, tzinfo=UTC)),  # Tue -> Sun
    (datetime(2026, 6, 3, 23, 59, tzinfo=UTC), datetime(2026, 6, 8, tzinfo=UTC)),  # Wed -> Mon
    (datetime(2026, 6, 4, 8, 0, tzinfo=UTC), datetime(2026, 6, 9, tzinfo=UTC)),  # Thu -> Tue
    (datetime(2026, 6, 5, 8, 0, tzinfo=UTC), datetime(2026, 6, 10, tzinfo=UTC)),  # Fri -> Wed
    (datetime(2026, 6, 6, 8, 0, tzinfo=UTC), datetime(2026, 6, 11, tzinfo=UTC)),  # Sat -> Thu
    (datetime(2026, 6, 7, 23, 59, 59, 999999, tzinfo=UTC),
     datetime(2026, 6, 12, tzinfo=UTC)),  # Sun -> Fri
    (datetime(2026, 12, 29, 12, 0, tzinfo=UTC), datetime(2027, 1, 3, tzinfo=UTC)),  # year end
])
def test_hold_01_money_is_available_at_midnight_utc_five_days_after_processing(
        processed: datetime, available: datetime) -> None:
    assert available_at(processed) == available
    assert available_at(processed).weekday() == (processed.weekday() + 5) % 7


def test_hold_01_the_processed_date_is_taken_in_utc() -> None:
    from zoneinfo import ZoneInfo

    late_monday_in_new_york = datetime(2026, 6, 1, 22, 0, tzinfo=ZoneInfo("America/New_York"))
    assert available_at(late_monday_in_new_york) == datetime(2026, 6, 7, tzinfo=UTC)  # Tue UTC


class _FakeLedger(Unfaked):
    """Just enough of a LedgerRepo to watch what clear_due_holds posts."""

    def __init__(self, due: list[Hold]) -> None:
        self.due, self.posted = due, []  # type: list[Hold], list[Transaction]
        self.asked_at: datetime | None = None

    async def holds_due(self, at: datetime, limit: int = 500) -> list[Hold]:
        self.asked_at = at
        return self.due[:limit]

    async def post(self, tx: Transaction) -> PostedTransaction:
        self.posted.append(tx)
        return PostedTransaction(id=len(self.posted), key=tx.key, kind=tx.kind, memo=tx.memo,
                                 created_at=tx.created_at, content_hash=content_hash(tx),
                                 postings=tx.postings)


class _FakeUow(FakeUnitOfWork):
    def __init__(self, ledger: _FakeLedger) -> None:
        super().__init__()
        self.ledger: _FakeLedger = ledger


async def test_hold_01_each_matured_hold_clears_in_its_own_keyed_transaction() -> None:
    holds = [Hold(id=i, account=pending_account(i * 10, "USD"), amount=usd(str(i)),
                  clears_at=AT, created_at=AT - timedelta(days=5)) for i in (4, 9)]
    ledger = _FakeLedger(holds)
    cleared = await clear_due_holds(_FakeUow(ledger), AT, limit=10)
    assert ledger.asked_at == AT
    assert [c.user_id for c in cleared] == [40, 90]
    assert [t.key for t in ledger.posted] == [clear_key(4), clear_key(9)] == [
        "hold-clear:4", "hold-clear:9"]
    first = ledger.posted[0]
    assert first.postings == (Posting(pending_account(40, "USD"), usd("-4"), hold_id=4),
                              Posting(available_account(40, "USD"), usd("4")))


def test_insufficient_funds_is_a_translated_refusal() -> None:
    refusal = InsufficientFunds(wallet_account(1, "USD"), usd("1"), usd("2"))
    assert "client_wallet/user:1/USD" in str(refusal)
    for language in LANGUAGES:
        assert translator(language)(refusal.message)
    assert translator("ru")(refusal.message) != refusal.message


def _audit(**problems: Any) -> LedgerAudit:
    base: dict[str, Any] = dict(accounts=3, transactions=2, postings=4, open_holds=1,
                                totals={"USD": 0}, imbalances=(), balance_mismatches=(),
                                hold_mismatches=(), negative_guarded=(), currency_mismatches=0)
    return LedgerAudit(**{**base, **problems})


def test_the_ledger_report_is_ok_only_without_problems() -> None:
    report = LedgerReport(_audit())
    assert report.ok and report.problems == []
    assert report.summary_lines()[0] == "ledger check: OK"
    bad = LedgerReport(_audit(
        totals={"USD": 5},
        imbalances=(Imbalance(7, "k7", "USD", 5),),
        balance_mismatches=(BalanceMismatch(wallet_account(1, "USD"), 10, 5),)))
    assert not bad.ok
    lines = bad.summary_lines()
    assert lines[0] == "ledger check: FAILED (3 problems)"
    assert any("transaction 7 (k7) sums to 5 USD" in line for line in lines)
    assert any("client_wallet/user:1/USD keeps balance 10" in line for line in lines)
