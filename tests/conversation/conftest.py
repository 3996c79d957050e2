"""Fixtures for conversation tests: the real dispatcher over a migrated SQLite database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.clock import FixedClock
from handlers.context import HandlerSettings
from storage import Database
from tests.conversation.harness import BotHarness

ADMIN_ID = 900


@pytest.fixture
async def conversation_db(tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated SQLite database in a temporary file."""
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'conversation.db'}")
    await database.migrate()
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
def bot(conversation_db: Database, clock: FixedClock) -> BotHarness:
    """The bot under test, with one admin (:data:`ADMIN_ID`)."""
    return BotHarness(conversation_db, clock, HandlerSettings(admin_ids=frozenset({ADMIN_ID})))
