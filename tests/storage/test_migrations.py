"""Alembic migrations: from empty to head, idempotent, in step with the declared tables."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from storage import Database
from storage.migrate import alembic_config, downgrade
from storage.tables import metadata
from storage.tables.base import include_name

SKELETON_TABLES = {"users", "processed_updates", "dialog_state", "points"}


def _head() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


async def _tables(database: Database) -> set[str]:
    async with database.engine.connect() as connection:
        return set(await connection.run_sync(lambda c: inspect(c).get_table_names()))


async def _version(database: Database) -> str:
    async with database.engine.connect() as connection:
        return (await connection.execute(text("SELECT version_num FROM alembic_version"))
                ).scalar_one()


async def test_migrations_create_every_table_from_an_empty_database(
        empty_database: Database) -> None:
    assert not await _tables(empty_database) & SKELETON_TABLES
    await empty_database.migrate()
    assert SKELETON_TABLES <= await _tables(empty_database)
    assert await _version(empty_database) == _head()


async def test_migrations_run_twice_change_nothing_and_keep_data(
        empty_database: Database) -> None:
    await empty_database.migrate()
    async with empty_database.engine.begin() as connection:
        await connection.execute(text(
            "INSERT INTO processed_updates (update_id, processed_at) "
            "VALUES (7, '2026-01-01 00:00:00')"))
    await empty_database.migrate()
    assert await _version(empty_database) == _head()
    async with empty_database.engine.connect() as connection:
        count = await connection.execute(text("SELECT count(*) FROM processed_updates"))
        assert count.scalar_one() == 1


async def test_migrations_downgrade_to_base_and_upgrade_again(empty_database: Database) -> None:
    await empty_database.migrate()
    await downgrade(empty_database.engine, "base")
    assert not await _tables(empty_database) & set(metadata.tables)
    await empty_database.migrate()
    assert set(metadata.tables) <= await _tables(empty_database)


@pytest.mark.filterwarnings("ignore:.*expression-based index:sqlalchemy.exc.SAWarning")
@pytest.mark.filterwarnings("ignore:autogenerate skipping:UserWarning")
async def test_migrations_match_the_declared_tables(database: Database) -> None:
    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                              "include_name": include_name})
        return compare_metadata(context, metadata)

    async with database.engine.connect() as connection:
        assert await connection.run_sync(differences) == []


async def test_migrations_run_from_any_working_directory(
        empty_database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    await empty_database.migrate()
    assert await _version(empty_database) == _head()


async def test_a_sqlite_file_url_gets_its_missing_directory(tmp_path: Path) -> None:
    path = tmp_path / "data" / "nested" / "bot.db"
    database = Database(f"sqlite+aiosqlite:///{path}")
    try:
        await database.migrate()
    finally:
        await database.dispose()
    assert path.is_file()
    assert database.dialect == "sqlite"


def test_an_unsupported_database_url_is_refused_with_its_scheme() -> None:
    with pytest.raises(ValueError, match="mysql"):
        Database("mysql://localhost/db")


async def test_0009_appeals_keeps_the_queue_and_what_points_at_it(
        empty_database: Database) -> None:
    await empty_database.migrate("0007_milestones")
    async with empty_database.engine.begin() as connection:
        await connection.execute(text(
            "INSERT INTO users (id, roles, email_verified, created_at, last_seen_at) "
            "VALUES (1, '', false, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"))
        await connection.execute(text(
            "INSERT INTO support_items (id, kind, subject_id, reason, status, created_at) "
            "VALUES (5, 'fraud', 1, 'took an advance', 'open', '2026-01-01 00:00:00')"))
        await connection.execute(text(
            "INSERT INTO support_audit (actor_id, action, target_id, item_id, reason, "
            "created_at) VALUES (1, 'dismiss', 1, 5, 'no evidence', '2026-01-01 00:00:00')"))
    await empty_database.migrate()
    async with empty_database.engine.begin() as connection:
        assert (await connection.execute(text(
            "SELECT item_id FROM support_audit"))).scalar_one() == 5
        assert (await connection.execute(text(
            "SELECT reason FROM support_items WHERE id = 5"))).scalar_one() == "took an advance"
        await connection.execute(text(
            "INSERT INTO support_items (kind, subject_id, reporter_id, reason, status, "
            "created_at) VALUES ('appeal', 1, 1, 'it was a mistake', 'open', "
            "'2026-01-02 00:00:00')"))
    if empty_database.engine.dialect.name == "sqlite":
        async with empty_database.engine.connect() as connection:  # enforced again afterwards
            assert (await connection.execute(text("PRAGMA foreign_keys"))).scalar_one() == 1
    await downgrade(empty_database.engine, "0007_milestones")
    async with empty_database.engine.connect() as connection:
        kinds = (await connection.execute(text("SELECT kind FROM support_items"))).scalars()
        assert list(kinds) == ["fraud"]
