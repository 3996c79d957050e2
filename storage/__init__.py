"""Storage: SQLAlchemy 2 (async) tables, repositories, the unit of work and migrations.

``Database(url)`` owns the engine; ``await db.migrate()`` applies the Alembic migrations;
``async with db.uow() as uow`` is one transaction that rolls back unless ``uow.commit()``.
"""

from __future__ import annotations

from storage.database import DEFAULT_URL, Database
from storage.uow import SqlUnitOfWork

__all__ = ["DEFAULT_URL", "Database", "SqlUnitOfWork"]
