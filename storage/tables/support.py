"""Relayed messages, the support queue and audit log, e-mail codes and the e-mail outbox.

- ``relay_threads``: one row per pair of users (``user_a`` < ``user_b``, unique together).
- ``relay_messages``: what was sent (``text``) and what the recipient got (``delivered``, with
  contact details masked before a contract, MSG-03); files by Telegram file id.
- ``support_items``: the queue (flags, message reports, fraud reports, milestone disputes,
  appeals of suspended users);
  a reporter reports a message once (unique ``reporter_id, message_id``; flags have no
  reporter).
- ``support_audit``: append-only, one row per support action (ACC-03); ``details`` holds what
  it acted on as data (a milestone id, amounts in minor units and their currency), so that each
  line is worded at read time in the reader's language.
- ``email_codes``: verification codes, only their salted hash.
- ``email_outbox``: e-mails written in the transaction that causes them, sent by ``bot.mail``.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from storage.tables.base import metadata
from storage.types import JsonDocument, UTCDateTime

__all__ = ["email_codes", "email_outbox", "relay_messages", "relay_threads", "support_audit",
           "support_items"]

Id = BigInteger().with_variant(Integer, "sqlite")  # INTEGER PRIMARY KEY autoincrements on SQLite


def _user(name: str, nullable: bool = False) -> Column[int]:
    """A column referring to a user."""
    return Column(name, BigInteger, ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=nullable)


relay_threads = Table(
    "relay_threads",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    _user("user_a"),
    _user("user_b"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_message_at", UTCDateTime),
    UniqueConstraint("user_a", "user_b"),
    CheckConstraint("user_a < user_b", name="ordered_pair"),
)
Index("ix_relay_threads_user_b", relay_threads.c.user_b)

relay_messages = Table(
    "relay_messages",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("thread_id", BigInteger, ForeignKey("relay_threads.id", ondelete="CASCADE"),
           nullable=False),
    _user("sender_id"),
    Column("kind", String(16), nullable=False),
    Column("text", Text, nullable=False, server_default=""),
    Column("delivered", Text, nullable=False, server_default=""),
    Column("file_id", String(255)),
    Column("file_name", String(255)),
    Column("flagged", Boolean, nullable=False, server_default=false()),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("kind IN ('text', 'document', 'photo')", name="kind"),
)
Index("ix_relay_messages_thread_id_id", relay_messages.c.thread_id, relay_messages.c.id)

support_items = Table(
    "support_items",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    _user("subject_id"),
    _user("reporter_id", nullable=True),
    Column("message_id", BigInteger, ForeignKey("relay_messages.id", ondelete="SET NULL")),
    Column("thread_id", BigInteger, ForeignKey("relay_threads.id", ondelete="SET NULL")),
    Column("reason", Text, nullable=False),
    Column("status", String(16), nullable=False, server_default="open"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("handled_by", BigInteger, ForeignKey("users.id", ondelete="SET NULL")),
    Column("handled_at", UTCDateTime),
    Column("note", Text),
    Column("field", String(32)),  # MSG-03 on a stored text: which field (core.screening)
    Column("excerpt", Text),  # ... and the text as its author wrote it
    UniqueConstraint("reporter_id", "message_id"),
    CheckConstraint("kind IN ('flag', 'report', 'fraud', 'dispute', 'appeal')", name="kind"),
    CheckConstraint("status IN ('open', 'resolved', 'dismissed')", name="status"),
)
Index("ix_support_items_open", support_items.c.id,
      postgresql_where=support_items.c.status == "open",
      sqlite_where=support_items.c.status == "open")

support_audit = Table(
    "support_audit",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("actor_id", BigInteger, ForeignKey("users.id", ondelete="RESTRICT"), nullable=False),
    Column("action", String(32), nullable=False),
    Column("target_id", BigInteger, ForeignKey("users.id", ondelete="RESTRICT")),
    Column("item_id", BigInteger, ForeignKey("support_items.id", ondelete="RESTRICT")),
    Column("reason", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("details", JsonDocument),
)
Index("ix_support_audit_target_id_id", support_audit.c.target_id, support_audit.c.id)

email_codes = Table(
    "email_codes",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    _user("user_id"),
    Column("email", String(254), nullable=False),
    Column("code_hash", String(64), nullable=False),
    Column("salt", String(32), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("used_at", UTCDateTime),
    CheckConstraint("attempts >= 0", name="attempts"),
)
Index("ix_email_codes_user_id_id", email_codes.c.user_id, email_codes.c.id)

email_outbox = Table(
    "email_outbox",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("user_id", BigInteger, ForeignKey("users.id", ondelete="SET NULL")),
    Column("to_address", String(254), nullable=False),
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("not_before", UTCDateTime),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("sent_at", UTCDateTime),
    Column("failed_at", UTCDateTime),
    Column("last_error", Text),
)
Index("ix_email_outbox_due", email_outbox.c.id,
      postgresql_where=email_outbox.c.sent_at.is_(None) & email_outbox.c.failed_at.is_(None),
      sqlite_where=email_outbox.c.sent_at.is_(None) & email_outbox.c.failed_at.is_(None))
