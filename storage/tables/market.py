"""The marketplace's tables: profiles, portfolio items, projects, applications, contracts,
bookmarks.

Keyword search over projects is dialect-specific and lives in migration ``0004_market`` only:
on SQLite an FTS5 external-content table ``projects_fts`` kept in step by triggers, on
PostgreSQL a generated column ``search_tsv`` (``to_tsvector('simple', title || ' ' ||
description)``) with a GIN index. Those objects are not declared here; the ``UNMANAGED_*``
sets name them so that comparisons of the database with the metadata skip them
(:func:`storage.tables.base.include_name`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from storage.tables.base import metadata
from storage.types import JsonDocument, UTCDateTime

__all__ = [
    "UNMANAGED_COLUMNS",
    "UNMANAGED_INDEXES",
    "UNMANAGED_TABLES",
    "applications",
    "bookmarks",
    "contracts",
    "employer_profiles",
    "freelancer_profiles",
    "portfolio_items",
    "projects",
]

#: SQLite FTS5 objects created by migration 0004 (the virtual table and its shadow tables).
UNMANAGED_TABLES = frozenset({"projects_fts", "projects_fts_data", "projects_fts_idx",
                              "projects_fts_docsize", "projects_fts_config"})
#: PostgreSQL's generated tsvector column and its GIN index, also created by migration 0004.
UNMANAGED_COLUMNS = frozenset({"search_tsv"})
UNMANAGED_INDEXES = frozenset({"ix_projects_search"})
metadata.info.setdefault("unmanaged_tables", set()).update(UNMANAGED_TABLES)
metadata.info.setdefault("unmanaged_indexes", set()).update(UNMANAGED_INDEXES)
metadata.info.setdefault("unmanaged_columns", set()).update(UNMANAGED_COLUMNS)

#: An auto-increment key that is SQLite's rowid (FTS5 ``content_rowid`` needs that).
Serial = BigInteger().with_variant(Integer(), "sqlite")


def _user_fk(name: str, **kwargs: Any) -> Column[int]:
    return Column(name, BigInteger, ForeignKey("users.id", ondelete="CASCADE"), **kwargs)


freelancer_profiles = Table(
    "freelancer_profiles",
    metadata,
    _user_fk("user_id", primary_key=True, autoincrement=False),
    Column("account_type", String(16), nullable=False),
    Column("headline", String(120), nullable=False),
    Column("skills", JsonDocument, nullable=False),
    Column("categories", JsonDocument, nullable=False),
    Column("hourly_rate", BigInteger),
    Column("currency", String(3), nullable=False),
    Column("country", String(2)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("account_type IN ('professional', 'studio')", name="account_type"),
    CheckConstraint("hourly_rate IS NULL OR hourly_rate > 0", name="hourly_rate_positive"),
)

employer_profiles = Table(
    "employer_profiles",
    metadata,
    _user_fk("user_id", primary_key=True, autoincrement=False),
    Column("name", String(64), nullable=False),
    Column("company", String(100)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

portfolio_items = Table(
    "portfolio_items",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    _user_fk("owner_id", nullable=False),
    Column("title", String(100), nullable=False),
    Column("file_id", String(200)),
    Column("file_kind", String(8)),
    Column("link", String(500)),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("(file_id IS NULL) <> (link IS NULL)", name="file_or_link"),
    CheckConstraint("(file_id IS NULL) = (file_kind IS NULL) AND "
                    "(file_kind IS NULL OR file_kind IN ('document', 'photo'))", name="file_kind"),
    Index("ix_portfolio_items_owner", "owner_id", "id"),
)

projects = Table(
    "projects",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    _user_fk("owner_id", nullable=False),
    Column("title", String(100), nullable=False),
    Column("description", Text, nullable=False),
    Column("category", String(12), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("budget_min", BigInteger, nullable=False),
    Column("budget_max", BigInteger, nullable=False),
    Column("deadline", Date),
    Column("status", String(10), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("published_at", UTCDateTime),
    Column("closed_at", UTCDateTime),
    CheckConstraint("kind IN ('hourly', 'fixed')", name="kind"),
    CheckConstraint("status IN ('draft', 'published', 'closed')", name="status"),
    CheckConstraint("budget_min > 0 AND budget_min <= budget_max", name="budget"),
    Index("ix_projects_owner", "owner_id", "id"),
    # Browsing and search: newest first (by id, which follows creation), optionally by category
    # or kind. Keyword search walks the FTS index in the same order (SQLite).
    Index("ix_projects_browse", "status", "id"),
    Index("ix_projects_category", "status", "category", "id"),
    Index("ix_projects_kind", "status", "kind", "id"),
    Index("ix_projects_category_kind", "status", "category", "kind", "id"),
)

applications = Table(
    "applications",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("project_id", BigInteger, ForeignKey("projects.id", ondelete="CASCADE"),
           nullable=False),
    _user_fk("freelancer_id", nullable=False),
    Column("cover_letter", Text, nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(12), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("project_id", "freelancer_id"),  # one application per project
    CheckConstraint("amount > 0", name="amount_positive"),
    CheckConstraint("status IN ('submitted', 'shortlisted', 'withdrawn', 'chosen', 'declined')",
                    name="status"),
    Index("ix_applications_freelancer", "freelancer_id", "id"),
)

contracts = Table(
    "contracts",
    metadata,
    Column("id", Serial, primary_key=True, autoincrement=True),
    Column("project_id", BigInteger, ForeignKey("projects.id", ondelete="RESTRICT"),
           nullable=False),
    Column("application_id", BigInteger, ForeignKey("applications.id", ondelete="RESTRICT"),
           nullable=False),
    Column("client_id", BigInteger, ForeignKey("users.id", ondelete="RESTRICT"),
           nullable=False),
    Column("expert_id", BigInteger, ForeignKey("users.id", ondelete="RESTRICT"),
           nullable=False),
    Column("kind", String(8), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("hourly_rate", BigInteger),
    Column("weekly_limit", Integer),
    Column("milestone_title", String(100)),
    Column("milestone_amount", BigInteger),
    Column("status", String(10), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("accepted_at", UTCDateTime),
    Column("declined_at", UTCDateTime),
    Column("ended_at", UTCDateTime),
    Column("end_reason", String(32)),
    Column("ended_by", BigInteger),
    Column("managed_service", Boolean, nullable=False, server_default=false()),
    CheckConstraint("kind IN ('hourly', 'fixed')", name="kind"),
    CheckConstraint("status IN ('offered', 'active', 'declined', 'ended')", name="status"),
    CheckConstraint("client_id <> expert_id", name="two_parties"),
    CheckConstraint("kind <> 'hourly' OR hourly_rate > 0", name="hourly_terms"),
    CheckConstraint("kind <> 'fixed' OR (milestone_title IS NOT NULL AND milestone_amount > 0)",
                    name="fixed_terms"),
    CheckConstraint("weekly_limit IS NULL OR weekly_limit BETWEEN 1 AND 168",
                    name="weekly_limit"),
    CheckConstraint("(status = 'ended') = (end_reason IS NOT NULL AND ended_at IS NOT NULL)",
                    name="end_recorded"),
    CheckConstraint("end_reason IS NULL OR end_reason IN ('completed', 'refused_to_collaborate',"
                    " 'cancelled_by_client', 'cancelled_by_freelancer')", name="end_reason"),
    Index("ix_contracts_client", "client_id", "status", "id"),
    Index("ix_contracts_expert", "expert_id", "status", "id"),
    UniqueConstraint("application_id"),  # choosing an application makes one offer
)

bookmarks = Table(
    "bookmarks",
    metadata,
    _user_fk("owner_id", nullable=False),
    Column("kind", String(8), nullable=False),
    Column("target_id", BigInteger, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("owner_id", "kind", "target_id"),
    CheckConstraint("kind IN ('expert', 'project')", name="kind"),
    Index("ix_bookmarks_list", "owner_id", "kind", "created_at"),
)
