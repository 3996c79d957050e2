"""The outbox: notifications written in the transaction of the change that causes them.

A row is rendered already (text in the recipient's language, keyboard as JSON) and waits for
``bot.outbox`` to deliver it. ``not_before`` is when it may next be tried (NULL: at once): a
retry delay, or the lease of the sender that claimed it. ``created_at`` is the database's time
of the write, for operators only; nothing is scheduled by it. ``sent_at`` marks it delivered;
``failed_at`` marks a message Telegram refused for good (blocked bot, deleted chat), which is
never tried again.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, Table, Text, func

from storage.tables.base import metadata
from storage.types import JsonDocument, UTCDateTime

__all__ = ["outbox"]

outbox = Table(
    "outbox",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("user_id", BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("chat_id", BigInteger, nullable=False),
    Column("text", Text, nullable=False),
    Column("keyboard", JsonDocument),  # rows of {"label", "data" | "url"}, or NULL
    Column("dedupe_key", String(200), unique=True),  # one notification per key; NULL: no check
    Column("created_at", UTCDateTime, nullable=False, server_default=func.now()),
    Column("not_before", UTCDateTime),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("sent_at", UTCDateTime),
    Column("failed_at", UTCDateTime),
    Column("last_error", Text),
)
_UNSENT = outbox.c.sent_at.is_(None) & outbox.c.failed_at.is_(None)
# The sender's queries: each chat's unsent rows, oldest first. Partial on both backends, so it
# holds only what waits to be sent.
Index("ix_outbox_unsent", outbox.c.chat_id, outbox.c.id, postgresql_where=_UNSENT,
      sqlite_where=_UNSENT)

# The send budget shared by the bot processes on PostgreSQL (``bot.send_budget``): an unlogged
# table of coordination state that the budget creates on first use, outside the migrations.
metadata.info.setdefault("unmanaged_tables", set()).add("send_budget")
