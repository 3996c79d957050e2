"""The one :class:`~sqlalchemy.MetaData` every table module declares its tables on.

The naming convention gives every constraint and index a stable name, so Alembic migrations
(and SQLite batch mode) can refer to them on both backends.
"""

from __future__ import annotations

from sqlalchemy import MetaData

__all__ = ["include_name", "metadata"]

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's name filter: skip objects that migrations create with raw, dialect-specific DDL.

    A table module lists them in ``metadata.info["unmanaged_tables"]``,
    ``["unmanaged_indexes"]`` or ``["unmanaged_columns"]`` (for example SQLite FTS5 tables and
    PostgreSQL generated tsvector columns with their GIN indexes), so autogenerate and the
    migration tests do not report them.
    """
    kinds = {"table": "unmanaged_tables", "index": "unmanaged_indexes",
             "column": "unmanaged_columns"}
    return type_ not in kinds or name not in metadata.info.get(kinds[type_], ())
