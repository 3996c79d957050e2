"""Typing aids for in-memory fakes and for test code that reads optional values.

A core service takes the whole :class:`core.ports.UnitOfWork`, while a unit test fakes only
the repositories that service uses. :class:`FakeUnitOfWork` gives every member of the
protocol: a test's fake sets the repositories it provides and the rest stay :class:`Missing`,
which fails the test as soon as it is touched. A fake repository that implements only some
methods of its port derives from :class:`Unfaked`: the methods it defines are checked against
the port, any other one fails the test when called.
"""

from __future__ import annotations

from typing import NoReturn, Self, TypeVar

from core.payouts.ports import PayoutsRepo
from core.ports import (
    DialogRepo,
    EmailRepo,
    LedgerRepo,
    MarketRepos,
    MilestonesRepo,
    OutboxRepo,
    PaymentsRepo,
    PointsRepo,
    RelayRepo,
    SupportRepo,
    UpdatesRepo,
    UsersRepo,
)

__all__ = ["FakeUnitOfWork", "Missing", "Unfaked", "present"]

T = TypeVar("T")


class Unfaked:
    """Base of a partial fake: an attribute it does not define fails the test when used.

    mypy consults ``__getattr__`` when it checks a class against a Protocol, and ``NoReturn``
    fits any member, so a partial fake satisfies its port; the members it does define are
    still checked against the port's signatures.
    """

    def __getattr__(self, name: str) -> NoReturn:
        if name.startswith("__"):  # copy, pickle and friends probe for optional hooks
            raise AttributeError(name)
        raise AssertionError(f"{type(self).__name__} does not fake {name!r}")


class Missing(Unfaked):
    """A repository the fake unit of work does not provide."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, name: str) -> NoReturn:
        if name.startswith("__"):
            raise AttributeError(name)
        raise AssertionError(f"uow.{self._name}.{name}: this test does not fake uow.{self._name}")


class FakeUnitOfWork:
    """Every member of :class:`core.ports.UnitOfWork`; subclasses set the repositories they
    fake (``self.users = FakeUsers()``), the others are :class:`Missing`."""

    def __init__(self) -> None:
        self.users: UsersRepo = Missing("users")
        self.updates: UpdatesRepo = Missing("updates")
        self.dialogs: DialogRepo = Missing("dialogs")
        self.points: PointsRepo = Missing("points")
        self.ledger: LedgerRepo = Missing("ledger")
        self.outbox: OutboxRepo = Missing("outbox")
        self.market: MarketRepos = Missing("market")
        self.relay: RelayRepo = Missing("relay")
        self.support: SupportRepo = Missing("support")
        self.email: EmailRepo = Missing("email")
        self.payments: PaymentsRepo = Missing("payments")
        self.milestones: MilestonesRepo = Missing("milestones")
        self.payouts: PayoutsRepo = Missing("payouts")
        self.commits = 0

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def commit(self) -> None:
        self.commits += 1

    async def rollback(self) -> None:
        return None


def present(value: T | None) -> T:
    """``value``, which the test expects to be there (a row it stored, a message it sent)."""
    assert value is not None, "expected a value, got None"
    return value
