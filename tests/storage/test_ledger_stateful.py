"""A hypothesis state machine drives the ledger on SQLite and PostgreSQL side by side.

Random top-ups (gateway -> wallet), escrow funding (wallet -> escrow), releases (escrow ->
pending, with HOLD-01 holds, and a fee), refunds (escrow -> wallet), clearing ticks at random
instants, and idempotency keys reused with the same and with different content. Every step
runs on every backend (PostgreSQL when ``TEST_DATABASE_URL`` is set) and against a plain
Python model; the outcomes must agree. After every step: balances equal the model's,
conservation (all balances of a currency sum to zero), no guarded account negative. At the
end: the backends hold exactly the same balances, and the operator check passes on each.

Profiles: ``ledger`` (CI: 30 examples of 20 steps) and ``ledger-long`` (select it with
``LEDGER_HYPOTHESIS_PROFILE=ledger-long``).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import tempfile
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from hypothesis import HealthCheck, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from core.holds import available_at, clear_due_holds
from core.ledger import (
    GUARDED_KINDS,
    AccountKind,
    AccountRef,
    IdempotencyConflict,
    InsufficientFunds,
    Transaction,
    content_hash,
)
from core.money import Money
from core.services.ledger import (
    Leg,
    available_account,
    escrow_account,
    fees_account,
    gateway_account,
    pending_account,
    transfer,
    wallet_account,
)
from core.services.ledger_check import check_ledger
from storage import Database
from storage.tables.ledger import ledger_accounts

T = TypeVar("T")

settings.register_profile("ledger", max_examples=30, stateful_step_count=20, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ledger-long", max_examples=300, stateful_step_count=50,
                          deadline=None, suppress_health_check=[HealthCheck.too_slow])
PROFILE = settings.get_profile(os.environ.get("LEDGER_HYPOTHESIS_PROFILE", "ledger"))

START = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
CURRENCIES = ("USD", "EUR")
_namespaces = itertools.count(1)

amounts = st.integers(min_value=1, max_value=100_000)
#: A spend as a percentage of the source's balance: above 100 tries an overdraft.
percents = st.integers(min_value=1, max_value=120)
key_numbers = st.integers(min_value=0, max_value=10**6)  # repeat_a_key repeats keys
currencies = st.sampled_from(CURRENCIES)
clients = st.sampled_from((1, 2))
experts = st.sampled_from((11, 12))
milestones = st.sampled_from((1, 2))


@dataclass(frozen=True)
class Op:
    """One money movement as the test asked for it (so it can be repeated or altered)."""

    key: str
    kind: str
    legs: tuple[Leg, ...]
    at: datetime

    def transaction(self) -> Transaction:
        postings = tuple(p for leg in self.legs for p in leg.postings())
        return Transaction(self.key, self.kind, postings, self.at)

    def altered(self) -> Op:
        """The same key with one more minor unit on the first leg (different content)."""
        first = self.legs[0]
        more = Leg(first.source, first.destination, first.amount + Money(1, first.amount.currency),
                   first.clears_at, first.hold_id)
        return Op(self.key, self.kind, (more, *self.legs[1:]), self.at)


class Model:
    """The ledger as plain Python: what every backend must agree with."""

    def __init__(self) -> None:
        self.balances: dict[AccountRef, int] = defaultdict(int)
        self.keys: dict[str, str] = {}
        self.ops: list[Op] = []
        self.holds: list[tuple[int, Money, datetime]] = []  # open: (user, amount, clears_at)

    def post(self, op: Op) -> str:
        """The expected outcome of ``op``, applied if it is "posted"."""
        tx = op.transaction()
        digest = content_hash(tx)
        if op.key in self.keys:
            return "replay" if self.keys[op.key] == digest else "conflict"
        deltas: dict[AccountRef, int] = defaultdict(int)
        for posting in tx.postings:
            deltas[posting.account] += posting.amount.minor
        if any(ref.kind in GUARDED_KINDS and self.balances[ref] + delta < 0
               for ref, delta in deltas.items()):
            return "insufficient"
        for ref, delta in deltas.items():
            self.balances[ref] += delta
        for posting in tx.postings:
            if posting.clears_at is not None:
                assert posting.account.owner.id is not None
                self.holds.append((posting.account.owner.id, posting.amount, posting.clears_at))
        self.keys[op.key] = digest
        self.ops.append(op)
        return "posted"

    def clear(self, at: datetime) -> list[tuple[int, Money, datetime]]:
        """Clear every hold due at ``at``; what cleared, sorted."""
        due = sorted((h for h in self.holds if h[2] <= at), key=lambda h: (h[2], h[0], h[1].minor))
        for user, amount, clears_at in due:
            self.holds.remove((user, amount, clears_at))
            self.balances[pending_account(user, amount.currency)] -= amount.minor
            self.balances[available_account(user, amount.currency)] += amount.minor
        return sorted(due, key=lambda h: (h[0], h[1].currency, h[1].minor, h[2]))


async def _outcome(database: Database, op: Op) -> str:
    """Run ``op`` in its own unit of work on ``database``; what happened."""
    try:
        async with database.uow() as uow:
            posted = await transfer(uow, key=op.key, kind=op.kind, legs=op.legs, at=op.at)
            await uow.commit()
    except InsufficientFunds:
        return "insufficient"
    except IdempotencyConflict:
        return "conflict"
    return "replay" if posted.replayed else "posted"


async def _balances(database: Database) -> dict[tuple[str, str, str], int]:
    async with database.uow() as uow:
        rows = await uow.session.execute(select(ledger_accounts))
        return {(r.kind, r.owner, r.currency): int(r.balance) for r in rows}


class LedgerMachine(RuleBasedStateMachine):
    """Random money movements on every backend at once, checked against :class:`Model`."""

    loop: asyncio.AbstractEventLoop
    databases: dict[str, Database]

    def __init__(self) -> None:
        super().__init__()
        self.ns = next(_namespaces) * 1000  # own users, milestones and keys per example
        self.now = START
        self.model = Model()
        self.baseline = {name: self._run(_balances(db)) for name, db in self.databases.items()}

    def _run(self, coroutine: Awaitable[T]) -> T:
        return self.loop.run_until_complete(coroutine)

    def _each(self, action: Callable[[Database], Awaitable[T]]) -> dict[str, T]:
        return {name: self._run(action(db)) for name, db in self.databases.items()}

    def _do(self, op: Op) -> None:
        expected = self.model.post(op)
        got = self._each(lambda db: _outcome(db, op))
        note(f"{op.kind} {op.key} {[str(leg.amount) for leg in op.legs]}: {expected} {got}")
        assert set(got.values()) == {expected}, (op, expected, got)

    def _key(self, kind: str, number: int) -> str:
        return f"{self.ns}:{kind}:{number}"

    @initialize(amount=amounts, currency=currencies)
    def opening_top_ups(self, amount: int, currency: str) -> None:
        """Both clients start with money, and one milestone is funded, so anything may follow."""
        for client in (1, 2):
            self.top_up(client, amount, currency, 100 + client)
        wallet = wallet_account(self.ns + 1, currency)
        leg = Leg(wallet, escrow_account(self.ns + 1, currency), self._part(wallet, 50))
        self._do(Op(self._key("fund", 0), "escrow_fund", (leg,), self.now))

    @rule(client=clients, amount=amounts, currency=currencies, number=key_numbers)
    def top_up(self, client: int, amount: int, currency: str, number: int) -> None:
        leg = Leg(gateway_account(currency), wallet_account(self.ns + client, currency),
                  Money(amount, currency))
        self._do(Op(self._key("topup", number), "topup", (leg,), self.now))

    def _part(self, ref: AccountRef, percent: int) -> Money:
        """``percent`` of the model's balance of ``ref`` (at least one minor unit)."""
        return Money(max(1, self.model.balances[ref] * percent // 100), ref.currency)

    def _funded(self, kind: AccountKind) -> list[AccountRef]:
        return sorted(ref for ref, balance in self.model.balances.items()
                      if ref.kind is kind and balance > 0)

    @precondition(lambda self: self._funded(AccountKind.CLIENT_WALLET))
    @rule(data=st.data(), milestone=milestones, percent=percents, number=key_numbers)
    def fund_escrow(self, data: st.DataObject, milestone: int, percent: int,
                    number: int) -> None:
        wallet = data.draw(st.sampled_from(self._funded(AccountKind.CLIENT_WALLET)))
        escrow = escrow_account(self.ns + milestone, wallet.currency)
        leg = Leg(wallet, escrow, self._part(wallet, percent))
        self._do(Op(self._key("fund", number), "escrow_fund", (leg,), self.now))

    @precondition(lambda self: self._funded(AccountKind.MILESTONE_ESCROW))
    @rule(data=st.data(), expert=experts, percent=percents, fee=st.integers(0, 20),
          number=key_numbers)
    def release(self, data: st.DataObject, expert: int, percent: int, fee: int,
                number: int) -> None:
        escrow = data.draw(st.sampled_from(self._funded(AccountKind.MILESTONE_ESCROW)))
        total = self._part(escrow, percent)
        charge = Money(total.minor * fee // 100, escrow.currency)
        pending = pending_account(self.ns + expert, escrow.currency)
        legs = [Leg(escrow, pending, total - charge, clears_at=available_at(self.now))]
        if charge.is_positive:
            legs.append(Leg(escrow, fees_account(escrow.currency), charge))
        self._do(Op(self._key("release", number), "release", tuple(legs), self.now))

    @precondition(lambda self: self._funded(AccountKind.MILESTONE_ESCROW))
    @rule(data=st.data(), client=clients, percent=percents, number=key_numbers)
    def refund(self, data: st.DataObject, client: int, percent: int, number: int) -> None:
        escrow = data.draw(st.sampled_from(self._funded(AccountKind.MILESTONE_ESCROW)))
        wallet = wallet_account(self.ns + client, escrow.currency)
        leg = Leg(escrow, wallet, self._part(escrow, percent))
        self._do(Op(self._key("refund", number), "refund", (leg,), self.now))

    @precondition(lambda self: self.model.ops)
    @rule(data=st.data(), change=st.booleans(), later=st.integers(0, 72))
    def repeat_a_key(self, data: st.DataObject, change: bool, later: int) -> None:
        """A retry of an earlier request (maybe hours later), or a different one under its key."""
        op = data.draw(st.sampled_from(self.model.ops))
        at = op.at + timedelta(hours=later)  # a retried release works out a later hold date
        legs = tuple(Leg(leg.source, leg.destination, leg.amount,
                         available_at(at) if leg.clears_at else None, leg.hold_id)
                     for leg in op.legs)
        again = Op(op.key, op.kind, legs, at)
        self._do(again.altered() if change else again)

    @rule(data=st.data(), hours=st.integers(min_value=0, max_value=24 * 6),
          near=st.booleans(), offset=st.sampled_from((-1, 0, 0, 1, 3600)))
    def tick(self, data: st.DataObject, hours: int, near: bool, offset: int) -> None:
        """Time passes (often to just before, at, or after a hold's instant); a tick runs."""
        instants = sorted({h[2] for h in self.model.holds if h[2] > self.now})
        if near and instants:
            target = data.draw(st.sampled_from(instants)) + timedelta(microseconds=offset)
            self.now = max(self.now, target)
        else:
            self.now += timedelta(hours=hours)
        expected = self.model.clear(self.now)

        async def clear(db: Database) -> list[tuple[int, Money, datetime]]:
            async with db.uow() as uow:
                cleared = await clear_due_holds(uow, self.now, limit=100_000)
                await uow.commit()
            mine = [(c.user_id, c.hold.amount, c.hold.clears_at) for c in cleared
                    if self.ns < c.user_id < self.ns + 1000]
            return sorted(mine, key=lambda h: (h[0], h[1].currency, h[1].minor, h[2]))

        got = self._each(clear)
        note(f"tick to {self.now:%Y-%m-%d %H:%M}: {len(expected)} holds clear")
        assert all(cleared == expected for cleared in got.values()), (expected, got)

    @invariant()
    def balances_match_the_model_and_money_is_conserved(self) -> None:
        for name, db in self.databases.items():
            balances = self._run(_balances(db))
            for ref, expected in self.model.balances.items():
                key = (ref.kind.value, ref.owner.key, ref.currency)
                moved = balances.get(key, 0) - self.baseline[name].get(key, 0)
                assert moved == expected, (name, str(ref), moved, expected)
            totals: dict[str, int] = defaultdict(int)
            for (kind, _owner, currency), balance in balances.items():
                totals[currency] += balance
                assert kind not in GUARDED_KINDS or balance >= 0, (name, kind, balance)
            assert all(total == 0 for total in totals.values()), (name, totals)

    def teardown(self) -> None:
        snapshots = list(self._each(_balances).values())
        assert all(snapshot == snapshots[0] for snapshot in snapshots[1:])

        async def sound(db: Database) -> bool:
            async with db.uow() as uow:
                return (await check_ledger(uow)).ok

        assert all(self._each(sound).values())


async def _open(tmp: Path) -> tuple[dict[str, Database], Callable[[], Awaitable[None]]]:
    """A migrated SQLite database, and a PostgreSQL schema when TEST_DATABASE_URL is set."""
    databases = {"sqlite": Database(f"sqlite+aiosqlite:///{tmp / 'ledger.db'}")}
    url, schema = os.environ.get("TEST_DATABASE_URL"), f"test_{uuid.uuid4().hex[:16]}"
    if url:
        admin = Database(url)
        async with admin.engine.begin() as connection:
            await connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        databases["postgresql"] = Database(url, schema=schema)
    for database in databases.values():
        await database.migrate()

    async def close() -> None:
        for database in databases.values():
            await database.dispose()
        if url:
            async with admin.engine.begin() as connection:
                await connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
            await admin.dispose()

    return databases, close


def test_the_ledger_agrees_with_its_model_on_every_backend_whatever_happens() -> None:
    loop = asyncio.new_event_loop()
    with tempfile.TemporaryDirectory() as tmp:
        databases, close = loop.run_until_complete(_open(Path(tmp)))
        try:
            LedgerMachine.loop, LedgerMachine.databases = loop, databases
            run_state_machine_as_test(LedgerMachine, settings=PROFILE)
        finally:
            loop.run_until_complete(close())
            loop.close()


def test_the_model_itself_refuses_overdrafts_and_tells_repeats_from_conflicts() -> None:
    model = Model()
    leg = Leg(gateway_account("USD"), wallet_account(1, "USD"), Money(5, "USD"))
    op = Op("k", "topup", (leg,), START)
    assert [model.post(op), model.post(op), model.post(op.altered())] == [
        "posted", "replay", "conflict"]
    spend = Leg(wallet_account(1, "USD"), escrow_account(1, "USD"), Money(6, "USD"))
    assert model.post(Op("s", "escrow_fund", (spend,), START)) == "insufficient"
    assert model.balances[wallet_account(1, "USD")] == 5


