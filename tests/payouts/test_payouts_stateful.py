"""A hypothesis state machine over payouts and the ledger (PAY-01, PAY-07, FEE-01, HOLD-01).

Random releases (with the service fee), time jumps (holds clear), payout requests of any
share of the available balance (above it: refused), cancellations, sends through an automatic
provider, payments, failures and returns, on SQLite. After every step, against a plain model:

- no overdraft: the available balance equals the model's and is never negative;
- available + pending + in flight + paid out = the net of everything released (conservation,
  and the fee went to the platform: gross = fee + net);
- in flight is exactly the sum of the payouts not yet ended;
- nothing is paid out twice: one ``payout-paid`` transaction per paid payout;
- the operator's ledger check passes.
"""

from __future__ import annotations

import asyncio
import itertools
import tempfile
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

from hypothesis import HealthCheck, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from core.accounts import Role, User
from core.errors import DomainError
from core.holds import available_at, clear_due_holds
from core.ledger import InsufficientFunds
from core.money import Money
from core.payouts import operations as ops
from core.payouts import policy
from core.payouts.fees import split_fee
from core.payouts.methods import MethodKind
from core.payouts.model import Payout
from core.payouts.provider import ProviderStatus
from core.payouts.services import add_method, cancel, request_payout, set_legal_name
from core.payouts.states import FINAL, PayoutState
from core.services.ledger import (
    Leg,
    available_account,
    escrow_account,
    gateway_account,
    payout_account,
    pending_account,
    release_legs,
    transfer,
)
from core.services.ledger_check import check_ledger
from storage import Database
from storage.tables.ledger import ledger_transactions

T = TypeVar("T")
START = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)  # a Monday
PROFILE = settings(max_examples=12, stateful_step_count=20, deadline=None,
                   suppress_health_check=[HealthCheck.too_slow])
_namespaces = itertools.count(1)


class PayoutMachine(RuleBasedStateMachine):
    """Payouts of one freelancer, on SQLite, against a model of the money."""

    loop: asyncio.AbstractEventLoop
    database: Database

    def __init__(self) -> None:
        super().__init__()
        self.user_id = 10_000 + next(_namespaces)
        self.now = START
        self.released_net = 0
        self.available = 0
        self.paid_out = 0
        self.payouts: dict[int, tuple[PayoutState, int]] = {}
        self.method_id = 0
        self.releases = 0

    def _run(self, work: Awaitable[T]) -> T:
        return self.loop.run_until_complete(work)

    async def _as_user(self, call: object, *args: object) -> object:
        async with self.database.uow() as uow:
            user = await uow.users.get(self.user_id)
            result = await call(uow, user, *args)  # type: ignore[operator]
            await uow.commit()
        return result

    @initialize()
    def a_freelancer_with_paypal(self) -> None:
        async def setup() -> None:
            async with self.database.uow() as uow:
                await uow.users.add(User(id=self.user_id, first_name="Boris", last_name="Ivanov",
                                         roles={Role.EXPERT}, created_at=START,
                                         last_seen_at=START))
                await uow.commit()
            before = START - timedelta(days=4)  # HOLD-02 is over by START
            await self._as_user(set_legal_name, "Boris Ivanov", before)
            method = await self._as_user(add_method, MethodKind.PAYPAL, "Boris Ivanov",
                                         "boris@example.com", before)
            self.method_id = method.id  # type: ignore[attr-defined]
        self._run(setup())

    @rule(cents=st.integers(min_value=1, max_value=50_000))
    def release(self, cents: int) -> None:
        """A milestone of ``cents`` is released: the net pending until HOLD-01, the fee kept."""
        self.releases += 1
        milestone = self.user_id * 100 + self.releases
        gross = Money(cents, "USD")
        split = split_fee(gross, policy.current().fee_percent)

        async def go() -> None:
            async with self.database.uow() as uow:
                escrow = escrow_account(milestone, "USD")
                await transfer(uow, key=f"sm-fund:{milestone}", kind="escrow_fund", at=self.now,
                               legs=Leg(gateway_account("USD"), escrow, gross))
                await transfer(uow, key=f"sm-release:{milestone}", kind="release", at=self.now,
                               legs=release_legs(escrow, self.user_id, gross,
                                                 available_at(self.now)))
                await uow.commit()
        self._run(go())
        self.released_net += split.net.minor

    @rule(hours=st.integers(min_value=1, max_value=24 * 8))
    def time_passes(self, hours: int) -> None:
        """The clock jumps; holds that came due clear (the tick)."""
        self.now += timedelta(hours=hours)

        async def go() -> int:
            async with self.database.uow() as uow:
                cleared = await clear_due_holds(uow, self.now)
                await uow.commit()
            return sum(c.hold.amount.minor for c in cleared
                       if c.hold.owner_id == self.user_id)
        self.available += self._run(go())

    @rule(percent=st.integers(min_value=1, max_value=130))
    def request(self, percent: int) -> None:
        """A payout of ``percent`` % of the available balance (above 100: refused, PAY-01)."""
        amount = self.available * percent // 100
        if amount <= 0:
            return
        try:
            payout = self._run(self._as_user(request_payout, self.method_id,
                                             Money(amount, "USD"), self.now))
        except (DomainError, InsufficientFunds):
            assert amount > self.available
            return
        assert amount <= self.available
        assert isinstance(payout, Payout) and payout.id is not None
        self.available -= amount
        self.payouts[payout.id] = (payout.state, amount)

    def _open(self, *states: PayoutState) -> list[int]:
        return sorted(pid for pid, (state, _) in self.payouts.items() if state in states)

    @rule(pick=st.integers(min_value=0, max_value=10))
    def cancel_one(self, pick: int) -> None:
        """The freelancer cancels a payout (refused once it is sent)."""
        if not self.payouts:
            return
        pid = sorted(self.payouts)[pick % len(self.payouts)]
        state, amount = self.payouts[pid]
        try:
            self._run(self._as_user(cancel, pid, self.now))
        except DomainError:
            assert state not in {PayoutState.SCHEDULED, PayoutState.REQUESTED,
                                 PayoutState.FLAGGED}
            return
        self.payouts[pid] = (PayoutState.CANCELLED, amount)
        self.available += amount

    @rule()
    def tick_sends(self) -> None:
        """The payout tick sends every payout due now (idempotent by payout id)."""
        class Provider:
            name, automatic = "fake", True

            async def send(self, payout: Payout, method: object) -> str:
                return f"B{payout.id}"

            async def status(self, payout: Payout) -> ProviderStatus:
                return ProviderStatus(payout.state)

        async def go() -> list[Payout]:
            async with self.database.uow() as uow:
                sent = await ops.send_due(uow, Provider(), self.now, limit=100)
                await uow.commit()
            return sent
        for payout in self._run(go()):  # the database is shared: other examples' payouts too
            assert payout.id is not None and payout.process_on <= self.now.date()
            if payout.user_id == self.user_id:
                self.payouts[payout.id] = (PayoutState.SENT, payout.amount.minor)

    @rule(pick=st.integers(min_value=0, max_value=10),
          outcome=st.sampled_from([PayoutState.PAID, PayoutState.FAILED, PayoutState.RETURNED]))
    def provider_reports(self, pick: int, outcome: PayoutState) -> None:
        """The provider reports a sent payout paid, failed or returned (reported twice)."""
        sent = self._open(PayoutState.SENT)
        if not sent:
            return
        pid = sent[pick % len(sent)]

        async def go() -> None:
            for _ in range(2):
                async with self.database.uow() as uow:
                    payout = await uow.payouts.get(pid)
                    assert payout is not None
                    await ops.record_status(uow, payout, ProviderStatus(outcome, "x"), self.now)
                    await uow.commit()
        self._run(go())
        amount = self.payouts[pid][1]
        self.payouts[pid] = (outcome, amount)
        if outcome is PayoutState.PAID:
            self.paid_out += amount
        else:
            self.available += amount

    @invariant()
    def the_money_adds_up(self) -> None:
        if not self.method_id:
            return

        async def read() -> tuple[int, int, int, int, bool]:
            async with self.database.uow() as uow:
                ledger = uow.ledger
                available = (await ledger.balance(available_account(self.user_id, "USD"))).minor
                pending = (await ledger.balance(pending_account(self.user_id, "USD"))).minor
                flight = (await ledger.balance(payout_account(self.user_id, "USD"))).minor
                keys = [f"payout-paid:{pid}" for pid in self.payouts]
                paid_txs = (await uow.session.execute(
                    select(func.count()).select_from(ledger_transactions)
                    .where(ledger_transactions.c.key.in_(keys)))).scalar_one()
                ok = (await check_ledger(uow)).ok
            return available, pending, flight, int(paid_txs), ok
        available, pending, flight, paid_txs, ok = self._run(read())
        note(f"available {available} pending {pending} flight {flight}")
        assert available == self.available >= 0
        assert flight == sum(a for s, a in self.payouts.values() if s not in FINAL)
        assert available + pending + flight + self.paid_out == self.released_net
        assert paid_txs == len(self._open(PayoutState.PAID))
        assert ok


def test_pay_07_fee_01_payouts_and_the_ledger_agree_with_the_model_whatever_happens() -> None:
    loop = asyncio.new_event_loop()
    policy.configure(policy.PayoutPolicy(fee_percent=Decimal(10)))
    with tempfile.TemporaryDirectory() as tmp:
        database = Database(f"sqlite+aiosqlite:///{Path(tmp) / 'payouts.db'}")
        try:
            loop.run_until_complete(database.migrate())
            PayoutMachine.loop, PayoutMachine.database = loop, database
            run_state_machine_as_test(PayoutMachine, settings=PROFILE)
        finally:
            loop.run_until_complete(database.dispose())
            loop.close()
            policy.reset()
