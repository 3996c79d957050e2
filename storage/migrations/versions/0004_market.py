"""The marketplace: profiles, portfolio items, projects (with keyword search), applications,
contracts and bookmarks.

Keyword search is dialect-specific DDL, created here only:

- SQLite: an FTS5 external-content table ``projects_fts`` (title, description; rowid = the
  project's id) kept in step with ``projects`` by three triggers. Prefix indexes for 3 to 6
  characters make prefix queries as cheap as whole words (the repository matches a word by
  its first six letters at most).
- PostgreSQL: a generated column ``search_tsv`` = ``to_tsvector('simple', title || ' ' ||
  description)`` with a GIN index.

Revision ID: 0004_market
Revises: 0003_outbox
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import sqlalchemy as sa
from alembic import op

from storage.types import JsonDocument, UTCDateTime

revision: str = "0004_market"
down_revision: str | None = "0003_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

SQLITE_SEARCH = [
    """CREATE VIRTUAL TABLE projects_fts USING fts5(
         title, description, content='projects', content_rowid='id',
         tokenize='unicode61 remove_diacritics 2', prefix='3 4 5 6')""",
    """CREATE TRIGGER projects_fts_insert AFTER INSERT ON projects BEGIN
         INSERT INTO projects_fts (rowid, title, description)
         VALUES (new.id, new.title, new.description);
       END""",
    """CREATE TRIGGER projects_fts_delete AFTER DELETE ON projects BEGIN
         INSERT INTO projects_fts (projects_fts, rowid, title, description)
         VALUES ('delete', old.id, old.title, old.description);
       END""",
    """CREATE TRIGGER projects_fts_update AFTER UPDATE OF title, description ON projects BEGIN
         INSERT INTO projects_fts (projects_fts, rowid, title, description)
         VALUES ('delete', old.id, old.title, old.description);
         INSERT INTO projects_fts (rowid, title, description)
         VALUES (new.id, new.title, new.description);
       END""",
]
SQLITE_SEARCH_DROP = [
    "DROP TRIGGER IF EXISTS projects_fts_update",
    "DROP TRIGGER IF EXISTS projects_fts_delete",
    "DROP TRIGGER IF EXISTS projects_fts_insert",
    "DROP TABLE IF EXISTS projects_fts",
]
POSTGRESQL_SEARCH = [
    """ALTER TABLE projects ADD COLUMN search_tsv tsvector
       GENERATED ALWAYS AS (to_tsvector('simple', title || ' ' || description)) STORED""",
    "CREATE INDEX ix_projects_search ON projects USING GIN (search_tsv)",
]
POSTGRESQL_SEARCH_DROP = ["DROP INDEX IF EXISTS ix_projects_search",
                          "ALTER TABLE projects DROP COLUMN IF EXISTS search_tsv"]


def _user(name: str, *, nullable: bool,
          autoincrement: bool | Literal["auto"] = "auto") -> sa.Column[int]:
    """A BIGINT column holding a Telegram user id."""
    return sa.Column(name, sa.BigInteger(), nullable=nullable, autoincrement=autoincrement)


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    ref_table = target.split(".")[0]
    return sa.ForeignKeyConstraint([column], [target], ondelete=ondelete,
                                   name=op.f(f"fk_{table}_{column}_{ref_table}"))


def _ck(table: str, name: str, condition: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(condition, name=op.f(f"ck_{table}_{name}"))


def upgrade() -> None:
    """Create the marketplace's tables, indexes and keyword search."""
    op.create_table(
        "freelancer_profiles",
        _user("user_id", nullable=False, autoincrement=False),
        sa.Column("account_type", sa.String(16), nullable=False),
        sa.Column("headline", sa.String(120), nullable=False),
        sa.Column("skills", JsonDocument, nullable=False),
        sa.Column("categories", JsonDocument, nullable=False),
        sa.Column("hourly_rate", sa.BigInteger()),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("country", sa.String(2)),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        _fk("freelancer_profiles", "user_id", "users.id", "CASCADE"),
        _ck("freelancer_profiles", "account_type", "account_type IN ('professional', 'studio')"),
        _ck("freelancer_profiles", "hourly_rate_positive",
            "hourly_rate IS NULL OR hourly_rate > 0"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_freelancer_profiles")),
    )
    op.create_table(
        "employer_profiles",
        _user("user_id", nullable=False, autoincrement=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("company", sa.String(100)),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        _fk("employer_profiles", "user_id", "users.id", "CASCADE"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_employer_profiles")),
    )
    op.create_table(
        "portfolio_items",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        _user("owner_id", nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("file_id", sa.String(200)),
        sa.Column("file_kind", sa.String(8)),
        sa.Column("link", sa.String(500)),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _fk("portfolio_items", "owner_id", "users.id", "CASCADE"),
        _ck("portfolio_items", "file_or_link", "(file_id IS NULL) <> (link IS NULL)"),
        _ck("portfolio_items", "file_kind",
            "(file_id IS NULL) = (file_kind IS NULL) AND "
            "(file_kind IS NULL OR file_kind IN ('document', 'photo'))"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portfolio_items")),
    )
    op.create_index("ix_portfolio_items_owner", "portfolio_items", ["owner_id", "id"])
    _create_projects()
    _create_applications()
    _create_contracts()
    op.create_table(
        "bookmarks",
        _user("owner_id", nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("target_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _fk("bookmarks", "owner_id", "users.id", "CASCADE"),
        _ck("bookmarks", "kind", "kind IN ('expert', 'project')"),
        sa.PrimaryKeyConstraint("owner_id", "kind", "target_id", name=op.f("pk_bookmarks")),
    )
    op.create_index("ix_bookmarks_list", "bookmarks", ["owner_id", "kind", "created_at"])
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_SEARCH if dialect == "sqlite" else POSTGRESQL_SEARCH:
        op.execute(statement)


def _create_projects() -> None:
    op.create_table(
        "projects",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        _user("owner_id", nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("category", sa.String(12), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("budget_min", sa.BigInteger(), nullable=False),
        sa.Column("budget_max", sa.BigInteger(), nullable=False),
        sa.Column("deadline", sa.Date()),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("published_at", UTCDateTime()),
        sa.Column("closed_at", UTCDateTime()),
        _fk("projects", "owner_id", "users.id", "CASCADE"),
        _ck("projects", "kind", "kind IN ('hourly', 'fixed')"),
        _ck("projects", "status", "status IN ('draft', 'published', 'closed')"),
        _ck("projects", "budget", "budget_min > 0 AND budget_min <= budget_max"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
    )
    op.create_index("ix_projects_owner", "projects", ["owner_id", "id"])
    op.create_index("ix_projects_browse", "projects", ["status", "id"])
    op.create_index("ix_projects_category", "projects", ["status", "category", "id"])
    op.create_index("ix_projects_kind", "projects", ["status", "kind", "id"])
    op.create_index("ix_projects_category_kind", "projects", ["status", "category", "kind", "id"])


def _create_applications() -> None:
    op.create_table(
        "applications",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("project_id", sa.BigInteger(), nullable=False),
        _user("freelancer_id", nullable=False),
        sa.Column("cover_letter", sa.Text(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        _fk("applications", "project_id", "projects.id", "CASCADE"),
        _fk("applications", "freelancer_id", "users.id", "CASCADE"),
        _ck("applications", "amount_positive", "amount > 0"),
        _ck("applications", "status",
            "status IN ('submitted', 'shortlisted', 'withdrawn', 'chosen', 'declined')"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
        sa.UniqueConstraint("project_id", "freelancer_id",
                            name=op.f("uq_applications_project_id_freelancer_id")),
    )
    op.create_index("ix_applications_freelancer", "applications", ["freelancer_id", "id"])


def _create_contracts() -> None:
    op.create_table(
        "contracts",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("project_id", sa.BigInteger(), nullable=False),
        sa.Column("application_id", sa.BigInteger(), nullable=False),
        sa.Column("client_id", sa.BigInteger(), nullable=False),
        sa.Column("expert_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("hourly_rate", sa.BigInteger()),
        sa.Column("weekly_limit", sa.Integer()),
        sa.Column("milestone_title", sa.String(100)),
        sa.Column("milestone_amount", sa.BigInteger()),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("accepted_at", UTCDateTime()),
        sa.Column("declined_at", UTCDateTime()),
        sa.Column("ended_at", UTCDateTime()),
        sa.Column("end_reason", sa.String(32)),
        sa.Column("ended_by", sa.BigInteger()),
        _fk("contracts", "project_id", "projects.id", "RESTRICT"),
        _fk("contracts", "application_id", "applications.id", "RESTRICT"),
        _fk("contracts", "client_id", "users.id", "RESTRICT"),
        _fk("contracts", "expert_id", "users.id", "RESTRICT"),
        _ck("contracts", "kind", "kind IN ('hourly', 'fixed')"),
        _ck("contracts", "status", "status IN ('offered', 'active', 'declined', 'ended')"),
        _ck("contracts", "two_parties", "client_id <> expert_id"),
        _ck("contracts", "hourly_terms", "kind <> 'hourly' OR hourly_rate > 0"),
        _ck("contracts", "fixed_terms",
            "kind <> 'fixed' OR (milestone_title IS NOT NULL AND milestone_amount > 0)"),
        _ck("contracts", "weekly_limit", "weekly_limit IS NULL OR weekly_limit BETWEEN 1 AND 168"),
        _ck("contracts", "end_recorded",
            "(status = 'ended') = (end_reason IS NOT NULL AND ended_at IS NOT NULL)"),
        _ck("contracts", "end_reason",
            "end_reason IS NULL OR end_reason IN ('completed', 'refused_to_collaborate',"
            " 'cancelled_by_client', 'cancelled_by_freelancer')"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contracts")),
        sa.UniqueConstraint("application_id", name=op.f("uq_contracts_application_id")),
    )
    op.create_index("ix_contracts_client", "contracts", ["client_id", "status", "id"])
    op.create_index("ix_contracts_expert", "contracts", ["expert_id", "status", "id"])


def downgrade() -> None:
    """Drop the marketplace (search objects first)."""
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_SEARCH_DROP if dialect == "sqlite" else POSTGRESQL_SEARCH_DROP:
        op.execute(statement)
    op.drop_table("bookmarks")
    op.drop_table("contracts")
    op.drop_table("applications")
    op.drop_table("projects")
    op.drop_table("portfolio_items")
    op.drop_table("employer_profiles")
    op.drop_table("freelancer_profiles")
