"""An aiosqlite connection that skips the driver thread when SQLite cannot block.

aiosqlite runs every call on a worker thread and hands the result back to the event loop: two
thread switches per call, and SQLAlchemy makes three or four calls per statement (cursor,
execute, fetch, close). Idle, a switch costs ~20 us; on a busy machine each one waits for the
GIL and a CPU (measured: 0.5-2 ms), and an update's ~25 switches then cost more than all of
its SQL. Yet inside a transaction begun with ``BEGIN IMMEDIATE`` (every transaction here, see
:mod:`storage.database`) SQLite in WAL mode does not wait: the write lock is held, readers never
block, and with ``synchronous=NORMAL`` a commit appends to the WAL without an fsync. So:

* calls inside a transaction, ``COMMIT``, ``ROLLBACK`` and cursor bookkeeping run directly on
  the event loop's thread, in microseconds;
* ``BEGIN IMMEDIATE`` is first tried on the loop's thread without waiting; if another
  connection or process holds the write lock it goes to aiosqlite's thread and waits there
  (busy timeout) while the loop carries on;
* everything else (connecting, PRAGMAs, closing, statements outside a transaction) goes
  through aiosqlite's thread as before.

So that the first try costs no extra statement, the connection's busy timeout is 0 whenever
the loop's thread uses it, and the full timeout only while a call runs on aiosqlite's thread
(set before and reset after each such call, which may wait anyway): a ``BEGIN`` that finds
the lock free, the usual case, sends nothing but itself. Inside a ``BEGIN IMMEDIATE``
transaction in WAL mode nothing waits for a lock, so the zero timeout there changes nothing.

The sqlite3 connection is opened with ``check_same_thread=False`` and is never used by two
threads at once: SQLAlchemy awaits each call before the next, and while anything sent to the
worker thread is unfinished (say its awaiting task was cancelled), later calls queue behind it
on that thread instead of running inline.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from functools import partial
from threading import Thread
from typing import Any

import aiosqlite

__all__ = ["InlineConnection", "inline_connector"]

_BEGIN = "BEGIN IMMEDIATE"


class InlineConnection(aiosqlite.Connection):
    """:class:`aiosqlite.Connection` running the calls that cannot block on the caller's thread."""

    _busy_timeout_ms = 30_000
    _sent_to_thread = 0  # calls handed to the worker thread ...
    _done_in_thread = 0  # ... and how many of them it has finished (written by that thread)

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run ``fn`` at once when it cannot block, else on aiosqlite's thread."""
        connection = self._connection
        if (connection is not None and self._running
                and self._sent_to_thread == self._done_in_thread):
            owner = getattr(fn, "__self__", None)
            name = getattr(fn, "__name__", "")
            if isinstance(owner, sqlite3.Cursor):
                if name == "close" or connection.in_transaction:
                    return fn(*args, **kwargs)
                if name == "execute" and args and args[0] == _BEGIN and not kwargs:
                    if self._begin_without_waiting(owner, connection):
                        return owner
            elif owner is connection and name in ("cursor", "commit", "rollback"):
                return fn(*args, **kwargs)
        return await self._on_thread(partial(fn, *args, **kwargs))

    def _begin_without_waiting(self, cursor: sqlite3.Cursor,
                               connection: sqlite3.Connection) -> bool:
        """``BEGIN IMMEDIATE`` if the write lock is free right now; False if it is taken.

        The busy timeout is 0 here (see the module docstring), so a taken lock fails at once.
        """
        try:
            cursor.execute(_BEGIN)
            return True
        except sqlite3.OperationalError as error:
            if connection.in_transaction or "locked" not in str(error):
                raise
            return False

    async def _on_thread(self, function: Callable[[], Any]) -> Any:
        """aiosqlite's own path: run ``function`` on the worker thread and await it, with the
        full busy timeout in force while it runs (0 again afterwards)."""

        def counted() -> Any:
            connection = self._connection
            try:
                if connection is not None:
                    connection.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms}")
                return function()
            finally:
                try:
                    if connection is not None:
                        connection.execute("PRAGMA busy_timeout = 0")
                except sqlite3.ProgrammingError:  # ``function`` closed the connection
                    pass
                finally:
                    self._done_in_thread += 1

        if not self._running or self._connection is None:
            raise ValueError("Connection closed")  # as aiosqlite says it
        self._sent_to_thread += 1  # from here on the call surely reaches the thread
        return await super()._execute(counted)


def inline_connector(path: str, timeout: float) -> Callable[[], Awaitable[InlineConnection]]:
    """An ``async_creator`` for SQLAlchemy: opens ``path`` as an :class:`InlineConnection`."""

    def connect() -> sqlite3.Connection:
        # Busy timeout 0 on the loop's thread; _on_thread sets ``timeout`` around each call.
        return sqlite3.connect(path, timeout=0, isolation_level=None, check_same_thread=False)

    async def create() -> InlineConnection:
        connection = InlineConnection(connect, 64)
        connection._busy_timeout_ms = int(timeout * 1000)
        # As SQLAlchemy does for aiosqlite: the worker thread must not keep the process alive.
        if isinstance(connection, Thread):  # aiosqlite < 0.22: the connection is the thread
            connection.daemon = True
        else:
            connection._thread.daemon = True
        await connection  # starts the thread and connects (aiosqlite types the result as its base)
        return connection

    return create
