"""Fixtures shared by every test package. Keep each fixture small and named for what it gives.

Storage fixtures run once per backend: SQLite (a temporary file) always, PostgreSQL only when
``TEST_DATABASE_URL`` is set. Migrations run once per test session into a template (a SQLite
file that each test copies; a PostgreSQL schema that is emptied after each test), so a test
pays for a file copy or a TRUNCATE, not for every migration.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

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


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """``"sqlite"`` or ``"postgresql"`` (skipped without ``TEST_DATABASE_URL``)."""
    if request.param == "postgresql" and not os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("PostgreSQL tests need TEST_DATABASE_URL")
    return str(request.param)


def _postgres_url() -> str:
    return os.environ["TEST_DATABASE_URL"]


async def _create_schema(schema: str, migrate: bool) -> None:
    admin = Database(_postgres_url())
    try:
        async with admin.engine.begin() as connection:
            await connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    finally:
        await admin.dispose()
    if migrate:
        database = Database(_postgres_url(), schema=schema)
        try:
            await database.migrate()
        finally:
            await database.dispose()


async def _drop_schema(schema: str) -> None:
    admin = Database(_postgres_url())
    try:
        async with admin.engine.begin() as connection:
            await connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await admin.dispose()


async def _empty_tables(database: Database) -> None:
    """TRUNCATE every table of the database's schema but Alembic's, in one transaction.

    Append-only tables refuse TRUNCATE with a trigger, so user triggers are switched off
    around it (only the tables' owner, the migrating role, is needed for that).
    """
    async with database.engine.begin() as connection:
        result = await connection.exec_driver_sql(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
            "AND tablename <> 'alembic_version'")
        tables = [f'"{name}"' for (name,) in result]
        if not tables:
            return
        for table in tables:
            await connection.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        await connection.exec_driver_sql(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        for table in tables:
            await connection.exec_driver_sql(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def _run_aside(work: Coroutine[Any, Any, None]) -> None:
    """Run ``work`` to completion on its own event loop in a helper thread.

    Session fixtures are set up from inside a test's running loop, where asyncio.run() is
    not allowed; the template's connections live and die on the helper's loop.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, work).result()


def _schema_name() -> str:
    return f"test_{uuid.uuid4().hex[:16]}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once per session (tests copy it)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"

    async def migrate() -> None:
        database = Database(f"sqlite+aiosqlite:///{path}")
        try:
            await database.migrate()
        finally:
            await database.dispose()

    _run_aside(migrate())
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A PostgreSQL schema migrated to head once per session (emptied after each test)."""
    schema = _schema_name()
    _run_aside(_create_schema(schema, migrate=True))
    yield schema
    _run_aside(_drop_schema(schema))


@pytest.fixture
async def empty_database(backend: str, tmp_path: Path) -> AsyncIterator[Database]:
    """A database with no tables yet (a fresh file or schema), on each backend."""
    if backend == "sqlite":
        database = Database(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
        yield database
        await database.dispose()
        return
    schema = _schema_name()
    await _create_schema(schema, migrate=False)
    database = Database(_postgres_url(), schema=schema)
    try:
        yield database
    finally:
        await database.dispose()
        await _drop_schema(schema)


@pytest.fixture
async def database(backend: str, tmp_path: Path,
                   request: pytest.FixtureRequest) -> AsyncIterator[Database]:
    """A database migrated to the newest revision and holding no rows, on each backend.

    Do not change its schema (use ``empty_database`` for migration tests): on PostgreSQL the
    migrated schema is shared by the session's tests.
    """
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "test.db"
        shutil.copyfile(template, path)
        database = Database(f"sqlite+aiosqlite:///{path}")
        yield database
        await database.dispose()
        return
    database = Database(_postgres_url(), schema=request.getfixturevalue("postgres_template"))
    try:
        yield database
    finally:
        await database.dispose()
        await _empty_tables(database)
        await database.dispose()
