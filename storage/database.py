"""The database: an async engine for SQLite (aiosqlite) or PostgreSQL (asyncpg).

SQLite runs in WAL mode with foreign keys on and a busy timeout, and every transaction begins
with ``BEGIN IMMEDIATE``: a writer takes the write lock up front, so two concurrent units of
work queue behind each other instead of failing with "database is locked" when both read and
then write (driver-level transactions off, as in SQLAlchemy's documented recipe, and our own
BEGIN as the dialect's ``do_begin``). A SQLite file gets one pooled connection (transactions
queue in asyncio), and the calls that cannot block skip aiosqlite's thread
(:mod:`storage.sqlite_inline`).
"""

from __future__ import annotations

import asyncio
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from storage.sqlite_inline import inline_connector
from storage.uow import SqlUnitOfWork

__all__ = ["DEFAULT_URL", "Database"]

DEFAULT_URL = f"sqlite+aiosqlite:///{Path('data') / 'marketplace.db'}"
BUSY_TIMEOUT_SECONDS = 30
#: WAL with synchronous=NORMAL (SQLite's recommendation for WAL, Rails' default): a commit
#: survives a crash of the bot; after a power cut or OS crash the database is intact but the
#: last commits may be missing. FULL adds an fsync to every commit (here 0.2-4 ms, the
#: largest cost of an update); set it to "FULL" if that trade is wrong for a deployment.
SYNCHRONOUS = "NORMAL"
DRIVERS = {"sqlite+aiosqlite": "sqlite", "postgresql+asyncpg": "postgresql"}
_BEGIN = "BEGIN IMMEDIATE"


class Database:
    """Owns the engine; hands out units of work and applies migrations."""

    def __init__(self, url: str | URL = DEFAULT_URL, *, schema: str | None = None,
                 echo: bool = False, sqlite_inline: bool = True) -> None:
        """Create the engine for ``url`` (no connection is made yet).

        Args:
            url: ``sqlite+aiosqlite:///path`` or ``postgresql+asyncpg://...``.
            schema: PostgreSQL only: the schema to work in (set as the ``search_path``).
            echo: log every statement (debugging).
            sqlite_inline: SQLite files only: run the calls that cannot block on the event
                loop's thread (:mod:`storage.sqlite_inline`); False sends every call through
                aiosqlite's thread.
        """
        self.url = make_url(url)
        driver = self.url.drivername
        if driver not in DRIVERS:
            raise ValueError(f"unsupported database URL scheme {driver!r}: use "
                             "sqlite+aiosqlite:///path or postgresql+asyncpg://host/db")
        self.dialect: str = DRIVERS[driver]
        options: dict[str, Any] = {"echo": echo}
        if self.dialect == "sqlite":
            if schema is not None:
                raise ValueError("schema is for PostgreSQL only")
            _ensure_directory(self.url)
            options["connect_args"] = {"timeout": BUSY_TIMEOUT_SECONDS}
            if _is_file(self.url):
                # One connection: every transaction writes (BEGIN IMMEDIATE), so they take turns
                # anyway; waiting for the pool is an asyncio wait, whereas waiting in SQLite's
                # busy handler polls with sleeps of up to 100 ms. Other processes (and other
                # Database objects) still meet the busy timeout.
                options.update(pool_size=1, max_overflow=0, pool_timeout=BUSY_TIMEOUT_SECONDS)
                if sqlite_inline:
                    options["async_creator"] = inline_connector(str(self.url.database),
                                                                BUSY_TIMEOUT_SECONDS)
        elif schema is not None:
            options["connect_args"] = {"server_settings": {"search_path": schema}}
        self.schema = schema
        self.engine: AsyncEngine = create_async_engine(self.url, **options)
        if self.dialect == "sqlite":
            _configure_sqlite(self.engine)
        self._open_in_task: ContextVar[asyncio.Task[object] | None] | None = (
            ContextVar(f"uow_open_{id(self)}", default=None) if self.dialect == "sqlite" else None)

    def uow(self) -> SqlUnitOfWork:
        """A new unit of work; use it as ``async with db.uow() as uow``.

        On SQLite a unit of work opened inside another one of the same task raises at once
        (it could only wait for the first one's connection and write lock until a timeout).
        """
        return SqlUnitOfWork(self.engine, self._open_in_task)

    async def migrate(self, revision: str = "head") -> None:
        """Apply the Alembic migrations up to ``revision`` (idempotent)."""
        from storage.migrate import upgrade

        await upgrade(self.engine, revision)

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()

    def __repr__(self) -> str:
        return f"Database({self.url.render_as_string(hide_password=True)!r})"


def _is_file(url: URL) -> bool:
    """True for a SQLite URL naming a plain database file (not memory, not a URI)."""
    database = url.database
    return bool(database) and database != ":memory:" and not str(database).startswith("file:")


def _ensure_directory(url: URL) -> None:
    """Create the directory of a SQLite database file if it is missing."""
    if _is_file(url):
        Path(str(url.database)).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite(engine: AsyncEngine) -> None:
    """WAL, busy timeout and foreign keys per connection; BEGIN IMMEDIATE per transaction."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Stop the driver from emitting its own (deferred) BEGIN; _begin_immediate does it.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_SECONDS * 1000}")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute(f"PRAGMA synchronous = {SYNCHRONOUS}")
        finally:
            cursor.close()

    engine.sync_engine.dialect.do_begin = _begin_immediate  # type: ignore[method-assign]


def _begin_immediate(dbapi_connection: Any) -> None:
    """The dialect's BEGIN for SQLite: ``BEGIN IMMEDIATE``, straight on the driver's cursor.

    SQLAlchemy's recipe issues it with ``exec_driver_sql`` from a ``begin`` event, a whole
    statement execution (its context, events and result) that cost as much as an update's own
    statements; here SQLAlchemy only wraps a failure (say, a busy timeout) as for any statement.
    """
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(_BEGIN)
    finally:
        cursor.close()
