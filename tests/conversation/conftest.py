"""Fixtures for conversation tests: the real dispatcher over a migrated SQLite database.

Migrating takes longer than a whole conversation, so the schema is built once per session in a
template file and each test gets a fresh copy of it.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.clock import FixedClock
from handlers.context import HandlerSettings
from storage import Database
from tests.conversation.harness import BotHarness

ADMIN_ID = 900


async def _migrate(path: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{path}")
    try:
        await database.migrate()
    finally:
        await database.dispose()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to the newest revision, to copy from."""
    path = tmp_path_factory.mktemp("conversation") / "template.db"
    asyncio.run(_migrate(path))
    return path


@pytest.fixture
async def conversation_db(migrated_template: Path, tmp_path: Path) -> AsyncIterator[Database]:
    """A fresh migrated SQLite database in a temporary file."""
    path = tmp_path / "conversation.db"
    shutil.copyfile(migrated_template, path)
    wal = migrated_template.with_name(migrated_template.name + "-wal")
    if wal.exists():  # normally checkpointed away when the template's engine closed
        shutil.copyfile(wal, path.with_name(path.name + "-wal"))
    database = Database(f"sqlite+aiosqlite:///{path}")
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
def bot(conversation_db: Database, clock: FixedClock) -> BotHarness:
    """The bot under test, with one admin (:data:`ADMIN_ID`)."""
    return BotHarness(conversation_db, clock, HandlerSettings(admin_ids=frozenset({ADMIN_ID})))
