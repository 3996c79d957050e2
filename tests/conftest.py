"""Fixtures shared by every test package. Keep each fixture small and named for what it gives.

``database`` is a migrated :class:`storage.Database`, run once on SQLite (a temporary file) and
once on PostgreSQL when ``TEST_DATABASE_URL`` is set (in a fresh schema, dropped afterwards).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.clock import FixedClock
from storage import Database

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
#: The instant every FixedClock starts at.
START = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    """A clock standing at :data:`START` until a test moves it."""
    return FixedClock(START)


async def _fresh_database(backend: str, tmp_path: Path) -> AsyncIterator[Database]:
    """An empty database on ``backend``; dropped (PostgreSQL schema) afterwards."""
    if backend == "sqlite":
        database = Database(f"sqlite+aiosqlite:///{tmp_path / 'test.db'}")
        try:
            yield database
        finally:
            await database.dispose()
        return
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("PostgreSQL tests need TEST_DATABASE_URL")
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = Database(url)
    async with admin.engine.begin() as connection:
        await connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    database = Database(url, schema=schema)
    try:
        yield database
    finally:
        await database.dispose()
        async with admin.engine.begin() as connection:
            await connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.dispose()


@pytest.fixture(params=BACKENDS)
async def empty_database(request: pytest.FixtureRequest,
                         tmp_path: Path) -> AsyncIterator[Database]:
    """A database with no tables yet, on each backend."""
    async for database in _fresh_database(request.param, tmp_path):
        yield database


@pytest.fixture
async def database(empty_database: Database) -> Database:
    """A database migrated to the newest revision, on each backend."""
    await empty_database.migrate()
    return empty_database
