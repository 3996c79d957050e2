"""Accounts and the per-update bookkeeping: users, processed updates, dialog state, points."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    false,
    func,
)

from storage.tables.base import metadata
from storage.types import JsonDocument, UTCDateTime

__all__ = ["dialog_state", "points", "processed_updates", "users"]

users = Table(
    "users",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),  # the Telegram user id
    Column("first_name", String(64)),
    Column("last_name", String(64)),
    Column("username", String(64)),
    Column("language", String(8)),  # chosen by the user
    Column("telegram_language", String(16)),  # as Telegram reports it
    Column("roles", Text, nullable=False, server_default=""),  # comma separated core Role values
    Column("email", String(254)),
    Column("email_verified", Boolean, nullable=False, server_default=false()),
    Column("suspended_reason", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
)
Index("ix_users_username_lower", func.lower(users.c.username))

processed_updates = Table(
    "processed_updates",
    metadata,
    Column("update_id", BigInteger, primary_key=True, autoincrement=False),
    Column("processed_at", UTCDateTime, nullable=False),
)

dialog_state = Table(
    "dialog_state",
    metadata,
    Column("user_id", BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True,
           autoincrement=False),
    Column("state", String(64)),
    Column("draft", JsonDocument, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

points = Table(
    "points",
    metadata,
    Column("user_id", BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(128), nullable=False),
    Column("points", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("user_id", "key"),  # an award counts once per (user, key)
)
