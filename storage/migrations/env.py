"""Alembic environment: generic over every table in :data:`storage.tables.metadata`.

Programmatic use (``Database.migrate``) passes an open connection in
``config.attributes["connection"]``. The ``alembic`` command line (with ``-x url=...`` or
``sqlalchemy.url``) gets an async engine of its own.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from storage.tables import metadata
from storage.tables.base import include_name

config = context.config
target_metadata = metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite ALTERs via table copies
        compare_type=True,
        include_name=include_name,
    )


def run_on_connection(connection: Connection) -> None:
    """Run the pending migrations on ``connection``."""
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


async def run_with_own_engine(url: str) -> None:
    """Connect to ``url`` and migrate (the alembic command line)."""
    from storage.database import Database  # the same pragmas and BEGIN as the application

    database = Database(url)
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(run_on_connection)
    finally:
        await database.dispose()


def run_offline() -> None:
    """Emit the SQL instead of running it (``alembic upgrade --sql``)."""
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True,
                      dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL: pass -x url=... or set sqlalchemy.url")
    return url


if context.is_offline_mode():
    run_offline()
elif (shared := config.attributes.get("connection")) is not None:
    run_on_connection(shared)
else:
    asyncio.run(run_with_own_engine(_url()))
