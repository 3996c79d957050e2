"""The unit of work: one AsyncSession, one transaction, the repositories bound to it."""

from __future__ import annotations

import asyncio
from contextvars import ContextVar, Token

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.repos import SqlDialogRepo, SqlPointsRepo, SqlUpdatesRepo, SqlUsersRepo
from storage.repos.dialogs import DialogCache
from storage.repos.email import SqlEmailRepo
from storage.repos.ledger import SqlLedgerRepo
from storage.repos.market import SqlMarketRepos
from storage.repos.milestones import SqlMilestonesRepo
from storage.repos.outbox import SqlOutboxRepo
from storage.repos.payments import SqlPaymentsRepo
from storage.repos.payouts import SqlPayoutsRepo
from storage.repos.relay import SqlRelayRepo
from storage.repos.support import SqlSupportRepo

__all__ = ["SqlUnitOfWork"]


class SqlUnitOfWork:
    """:class:`core.ports.UnitOfWork` on SQLAlchemy.

    ``async with`` opens a session; the transaction begins with the first statement (on SQLite
    as ``BEGIN IMMEDIATE``). Leaving the block rolls back whatever was not committed, on error
    or not. Feature repositories take :attr:`session`.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession],
                 open_in_task: ContextVar[asyncio.Task[object] | None] | None = None) -> None:
        """Bind to ``sessions``; ``open_in_task`` (SQLite) refuses a nested unit of work."""
        self._sessions = sessions
        self._session: AsyncSession | None = None
        self._open_in_task = open_in_task
        self._token: Token[asyncio.Task[object] | None] | None = None

    @property
    def session(self) -> AsyncSession:
        """The session of this unit of work (only inside ``async with``)."""
        if self._session is None:
            raise RuntimeError("the unit of work is not open: use `async with db.uow() as uow`")
        return self._session

    async def __aenter__(self) -> SqlUnitOfWork:
        """Open the session and bind the repositories to it."""
        if self._session is not None:
            raise RuntimeError("a unit of work cannot be entered twice")
        if self._open_in_task is not None:
            task = asyncio.current_task()
            if task is not None and self._open_in_task.get() is task:
                raise RuntimeError(
                    "a unit of work is already open in this task; on SQLite a second one "
                    "would wait for the first's connection forever: finish the first one first")
            self._token = self._open_in_task.set(task)
        session = self._sessions()
        self._session = session
        self._dialog_rows = DialogCache()
        self.users = SqlUsersRepo(session, self._dialog_rows)
        self.updates = SqlUpdatesRepo(session)
        self.dialogs = SqlDialogRepo(session, self._dialog_rows)
        self.points = SqlPointsRepo(session)
        self.ledger = SqlLedgerRepo(session)
        self.market = SqlMarketRepos(session)
        self.outbox = SqlOutboxRepo(session)
        self.relay = SqlRelayRepo(session)
        self.support = SqlSupportRepo(session)
        self.email = SqlEmailRepo(session)
        self.payments = SqlPaymentsRepo(session)
        self.milestones = SqlMilestonesRepo(session)
        self.payouts = SqlPayoutsRepo(session)
        return self

    async def __aexit__(self, *exc: object) -> None:
        """Roll back anything uncommitted and release the connection."""
        session, self._session = self.session, None
        try:
            await session.close()
        finally:
            if self._open_in_task is not None and self._token is not None:
                try:
                    self._open_in_task.reset(self._token)
                except ValueError:  # left in another context than entered: just clear it
                    self._open_in_task.set(None)
                self._token = None

    async def commit(self) -> None:
        """Make this unit's changes durable."""
        self._dialog_rows.forget()
        await self.session.commit()

    async def rollback(self) -> None:
        """Discard this unit's uncommitted changes."""
        self._dialog_rows.forget()
        await self.session.rollback()
