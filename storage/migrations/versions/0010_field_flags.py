"""MSG-03 for every user-written field: a support flag names the field and keeps the text.

``support_items.field`` is the :class:`core.screening.TextField` a flag is about (a cover
letter, a project description...; empty for relayed messages, which keep ``message_id``), and
``support_items.excerpt`` the text as its author wrote it, for support to read.

Revision ID: 0010_field_flags
Revises: 0009_appeals
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_field_flags"
down_revision: str | None = "0009_appeals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add ``field`` and ``excerpt`` to ``support_items`` (plain ALTER TABLE on both)."""
    op.add_column("support_items", sa.Column("field", sa.String(32)))
    op.add_column("support_items", sa.Column("excerpt", sa.Text()))


def downgrade() -> None:
    """Drop them again (SQLite 3.35+ drops columns in place)."""
    op.drop_column("support_items", "excerpt")
    op.drop_column("support_items", "field")
