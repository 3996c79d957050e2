"""Top-ups without a database: payloads, checkout rules, crediting once per charge id."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from core.accounts import User
from core.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from core.ids import require_id
from core.ledger import (
    AccountKind,
    AccountRef,
    IdempotencyConflict,
    PostedTransaction,
    Posting,
    Transaction,
    content_hash,
)
from core.money import Money
from core.payments import (
    ALREADY_PAID,
    AMOUNT_MISMATCH,
    INVOICE_UNKNOWN,
    NOT_YOUR_INVOICE,
    Checkout,
    GatewayPayment,
    TopUpIntent,
    TopUpStatus,
    check_checkout,
    parse_payload,
    payload_of,
    topup_maximum,
)
from core.services.ledger import gateway_account, wallet_account
from core.services.payments import approve_checkout, open_top_up, settle_payment, topup_key
from locales import LANGUAGES, translator
from tests.fakes import FakeUnitOfWork, Unfaked

AT = datetime(2026, 6, 1, 10, 30, tzinfo=UTC)
ANN, BEN = 1, 2


def usd(amount: str) -> Money:
    return Money.of(amount, "USD")


class FakeLedger(Unfaked):
    """An in-memory ledger: idempotent by key, balances per account."""

    def __init__(self) -> None:
        self.by_key: dict[str, PostedTransaction] = {}
        self.balances: dict[AccountRef, int] = {}

    async def post(self, tx: Transaction) -> PostedTransaction:
        digest = content_hash(tx)
        known = self.by_key.get(tx.key)
        if known is not None:
            if known.content_hash != digest:
                raise IdempotencyConflict(tx.key)
            return replace(known, replayed=True)
        for posting in tx.postings:
            self.balances[posting.account] = (self.balances.get(posting.account, 0)
                                              + posting.amount.minor)
        posted = PostedTransaction(id=len(self.by_key) + 1, key=tx.key, kind=tx.kind,
                                   memo=tx.memo, created_at=tx.created_at,
                                   content_hash=digest, postings=tx.postings)
        self.by_key[tx.key] = posted
        return posted

    async def get(self, key: str) -> PostedTransaction | None:
        return self.by_key.get(key)

    async def balance(self, ref: AccountRef) -> Money:
        return Money(self.balances.get(ref, 0), ref.currency)


class FakePayments(Unfaked):
    """In-memory top-up intents."""

    def __init__(self) -> None:
        self.rows: dict[int, TopUpIntent] = {}

    async def add(self, intent: TopUpIntent) -> TopUpIntent:
        stored = replace(intent, id=len(self.rows) + 1)
        self.rows[require_id(stored)] = stored
        return stored

    async def get(self, intent_id: int) -> TopUpIntent | None:
        return self.rows.get(intent_id)

    async def by_charge(self, charge_id: str) -> TopUpIntent | None:
        return next((i for i in self.rows.values() if i.charge_id == charge_id), None)

    async def mark_paid(self, intent: TopUpIntent) -> bool:
        assert intent.id is not None
        if self.rows[intent.id].status is not TopUpStatus.INVOICED:
            return False
        self.rows[intent.id] = intent
        return True


class FakeUow(FakeUnitOfWork):
    def __init__(self) -> None:
        super().__init__()
        self.ledger: FakeLedger = FakeLedger()
        self.payments: FakePayments = FakePayments()


@pytest.fixture
def uow() -> FakeUow:
    return FakeUow()


def user(user_id: int = ANN, suspended: str | None = None) -> User:
    return User(id=user_id, suspended_reason=suspended)


def intent(intent_id: int = 7, owner: int = ANN, amount: str = "50") -> TopUpIntent:
    return TopUpIntent(id=intent_id, user_id=owner, amount=usd(amount), gateway="telegram",
                       created_at=AT)


def checkout(payload: str, payer: int = ANN, minor: int = 5000,
             currency: str = "USD") -> Checkout:
    return Checkout(payer_id=payer, payload=payload, currency=currency, total_minor=minor)


def payment(payload: str, charge: str = "ch-1", payer: int = ANN,
            minor: int = 5000) -> GatewayPayment:
    return GatewayPayment(payer_id=payer, payload=payload, currency="USD", total_minor=minor,
                          charge_id=charge, provider_charge_id="prov-" + charge)


def test_the_payload_names_the_intent_and_its_user_and_fits_telegram() -> None:
    assert payload_of(7, ANN) == "topup:7:1" == intent().payload
    assert parse_payload("topup:7:1") == (7, 1)
    biggest = payload_of(10**18 - 1, 10**18 - 1)
    assert parse_payload(biggest) == (10**18 - 1, 10**18 - 1)
    assert len(biggest.encode()) <= 128


@pytest.mark.parametrize("payload", ["", "topup:7", "topup:0:1", "topup:-7:1", "topup:7:1:2",
                                     "TOPUP:7:1", "topup:07:1", " topup:7:1", "topup:7:1\n",
                                     "topup:1234567890123456789:1", "milestone:7:1"])
def test_anything_else_is_not_a_payload(payload: str) -> None:
    assert parse_payload(payload) is None


def test_an_intent_without_an_id_has_no_payload_yet() -> None:
    with pytest.raises(ValueError):
        _ = replace(intent(), id=None).payload


def test_the_checkout_of_the_payers_open_intent_at_its_amount_is_accepted() -> None:
    assert check_checkout(user(), checkout("topup:7:1"), intent()) == intent()


def test_acc_02_a_suspended_payer_is_refused_with_the_reason() -> None:
    with pytest.raises(Forbidden) as refused:
        check_checkout(user(suspended="fraud check"), checkout("topup:7:1"), intent())
    assert refused.value.params == {"reason": "fraud check"}


@pytest.mark.parametrize(("case", "error", "message"), [
    ("no intent", NotFound, INVOICE_UNKNOWN),
    ("garbage payload", NotFound, INVOICE_UNKNOWN),
    ("payload names another intent", NotFound, INVOICE_UNKNOWN),
    ("another user's intent", Forbidden, NOT_YOUR_INVOICE),
    ("payload of another user", Forbidden, NOT_YOUR_INVOICE),
    ("paid already", Conflict, ALREADY_PAID),
    ("one cent less", InvalidInput, AMOUNT_MISMATCH),
    ("one cent more", InvalidInput, AMOUNT_MISMATCH),
    ("another currency", InvalidInput, AMOUNT_MISMATCH),
])
def test_a_checkout_is_refused_with_a_reason(case: str, error: type[DomainError],
                                             message: str) -> None:
    stored: TopUpIntent | None = intent()
    query = checkout("topup:7:1")
    if case == "no intent":
        stored = None
    elif case == "garbage payload":
        query = checkout("pay me")
    elif case == "payload names another intent":
        query = checkout("topup:8:1")
    elif case == "another user's intent":
        stored, query = intent(owner=BEN), checkout("topup:7:1")
    elif case == "payload of another user":
        query = checkout("topup:7:2", payer=BEN)
    elif case == "paid already":
        stored = intent().paid("ch-0", "", AT)
    elif case == "one cent less":
        query = checkout("topup:7:1", minor=4999)
    elif case == "one cent more":
        query = checkout("topup:7:1", minor=5001)
    else:
        query = checkout("topup:7:1", currency="EUR")
    payer = user(BEN) if query.payer_id == BEN else user()
    with pytest.raises(error) as refused:
        check_checkout(payer, query, stored)
    assert refused.value.message == message


@pytest.mark.parametrize("message", [INVOICE_UNKNOWN, NOT_YOUR_INVOICE, ALREADY_PAID,
                                     AMOUNT_MISMATCH])
def test_every_refusal_is_translated(message: str) -> None:
    for language in LANGUAGES:
        assert translator(language)(message)
    assert translator("ru")(message) != message


async def test_opening_a_top_up_stores_an_invoiced_intent(uow: FakeUow) -> None:
    opened = await open_top_up(uow, user(), usd("50"), "telegram", AT)
    assert opened.id == 1 and opened.status is TopUpStatus.INVOICED
    assert (opened.user_id, opened.amount, opened.gateway) == (ANN, usd("50"), "telegram")
    assert await approve_checkout(uow, user(), checkout(opened.payload)) == opened


@pytest.mark.parametrize(("who", "amount", "error"), [
    (user(suspended="x"), "50", Forbidden),
    (user(), "0", InvalidInput),
    (user(), "10000.01", InvalidInput),
])
async def test_a_top_up_is_refused_when_suspended_empty_or_too_large(
        uow: FakeUow, who: User, amount: str, error: type[DomainError]) -> None:
    with pytest.raises(error):
        await open_top_up(uow, who, usd(amount), "telegram", AT)
    assert uow.payments.rows == {}


def test_the_top_up_maximum_is_ten_thousand_of_the_currency() -> None:
    assert topup_maximum("USD") == Money(1_000_000, "USD")
    assert topup_maximum("JPY") == Money(10_000, "JPY")


def test_a_payment_needs_a_charge_id() -> None:
    with pytest.raises(ValueError):
        payment("topup:1:1", charge="")


async def test_a_payment_moves_money_from_gateway_clearing_to_the_wallet_once(
        uow: FakeUow) -> None:
    opened = await uow.payments.add(replace(intent(), id=None))
    first = await settle_payment(uow, payment(opened.payload), AT)
    assert not first.replayed and first.anomalies == ()
    assert first.transaction.key == topup_key("ch-1") == "topup:ch-1"
    assert set(first.transaction.postings) == {Posting(gateway_account("USD"), usd("-50")),
                                               Posting(wallet_account(ANN, "USD"), usd("50"))}
    assert first.balance == usd("50") and first.amount == usd("50")
    assert first.intent is not None and first.intent.status is TopUpStatus.PAID
    assert (first.intent.charge_id, first.intent.provider_charge_id) == ("ch-1", "prov-ch-1")
    again = await settle_payment(uow, payment(opened.payload), AT)
    assert again.replayed and again.balance == usd("50")
    assert again.intent == first.intent
    assert len(uow.ledger.by_key) == 1


async def test_a_second_charge_for_a_paid_intent_is_still_credited_and_reported(
        uow: FakeUow) -> None:
    opened = await uow.payments.add(replace(intent(), id=None))
    await settle_payment(uow, payment(opened.payload, "ch-1"), AT)
    extra = await settle_payment(uow, payment(opened.payload, "ch-2"), AT)
    assert not extra.replayed and extra.balance == usd("100")
    assert extra.intent is None and "was paid before" in extra.anomalies[0]
    assert uow.payments.rows[1].charge_id == "ch-1"


async def test_money_paid_against_another_users_intent_goes_to_the_payer(uow: FakeUow) -> None:
    bens = await uow.payments.add(replace(intent(owner=BEN), id=None))
    settled = await settle_payment(uow, payment(bens.payload, payer=ANN), AT)
    assert settled.intent is None and "belongs to user 2" in settled.anomalies[0]
    assert await uow.ledger.balance(wallet_account(ANN, "USD")) == usd("50")
    assert await uow.ledger.balance(wallet_account(BEN, "USD")) == usd("0")
    assert uow.payments.rows[1].status is TopUpStatus.INVOICED


async def test_a_different_amount_is_credited_as_charged_and_reported(uow: FakeUow) -> None:
    opened = await uow.payments.add(replace(intent(), id=None))
    settled = await settle_payment(uow, payment(opened.payload, minor=4000), AT)
    assert settled.amount == usd("40") and settled.balance == usd("40")
    assert "is for 50.00 USD, paid 40.00 USD" in settled.anomalies[0]


async def test_a_charge_id_reused_with_other_content_moves_nothing(uow: FakeUow) -> None:
    opened = await uow.payments.add(replace(intent(), id=None))
    await settle_payment(uow, payment(opened.payload), AT)
    forged = await settle_payment(uow, payment(opened.payload, minor=900_000), AT)
    assert forged.replayed and forged.amount == usd("50") and forged.balance == usd("50")
    assert "credited before with other content" in forged.anomalies[-1]
    assert [p.account.kind for p in forged.transaction.postings if p.amount.is_positive] == [
        AccountKind.CLIENT_WALLET]
