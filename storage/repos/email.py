"""Verification codes and the e-mail outbox: :class:`core.ports.EmailRepo`, plus the
sender's queries.

An e-mail is written to ``email_outbox`` in the unit of work that causes it and sent by
``bot.mail.MailSender`` after the commit. The sender claims due rows by leasing them
(``not_before`` moves forward; ``FOR UPDATE SKIP LOCKED`` on PostgreSQL), so two processes
never send the same row while the lease runs and a crashed sender's rows are taken again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from core.email_verification import EmailCode, OutgoingMail
from storage.tables.support import email_codes, email_outbox

__all__ = ["QueuedMail", "SqlEmailRepo"]


@dataclass(frozen=True, slots=True)
class QueuedMail:
    """A claimed e-mail, ready to send."""

    id: int
    to: str
    subject: str
    body: str
    attempts: int


def _code(row: RowMapping) -> EmailCode:
    return EmailCode(user_id=row["user_id"], email=row["email"], code_hash=row["code_hash"],
                     salt=row["salt"], created_at=row["created_at"],
                     expires_at=row["expires_at"], attempts=row["attempts"],
                     used_at=row["used_at"], id=row["id"])


class SqlEmailRepo:
    """Codes (newest wins) and the queue of e-mails to send."""

    def __init__(self, session: AsyncConnection) -> None:
        self.session = session

    async def add_code(self, code: EmailCode) -> EmailCode:
        """Store a new code; returns it with its id."""
        result = await self.session.execute(insert(email_codes).values(
            user_id=code.user_id, email=code.email, code_hash=code.code_hash, salt=code.salt,
            created_at=code.created_at, expires_at=code.expires_at, attempts=code.attempts,
            used_at=code.used_at).returning(email_codes.c.id))
        code.id = int(result.scalar_one())
        return code

    async def latest_code(self, user_id: int) -> EmailCode | None:
        """The user's newest code, used or not."""
        result = await self.session.execute(
            select(email_codes).where(email_codes.c.user_id == user_id)
            .order_by(email_codes.c.id.desc()).limit(1))
        row = result.mappings().first()
        return _code(row) if row is not None else None

    async def save_code(self, code: EmailCode) -> None:
        """Persist the attempts and the use of a code."""
        await self.session.execute(update(email_codes).where(email_codes.c.id == code.id)
                                   .values(attempts=code.attempts, used_at=code.used_at))

    async def codes_sent_since(self, user_id: int, since: datetime) -> list[datetime]:
        """Creation times of the user's codes created at or after ``since``."""
        result = await self.session.execute(
            select(email_codes.c.created_at).where(email_codes.c.user_id == user_id,
                                                   email_codes.c.created_at >= since)
            .order_by(email_codes.c.id))
        return list(result.scalars())

    async def enqueue(self, mail: OutgoingMail) -> None:
        """Queue an e-mail, due at once."""
        await self.session.execute(insert(email_outbox).values(
            user_id=mail.user_id, to_address=mail.to, subject=mail.subject, body=mail.body,
            created_at=mail.created_at))

    async def claim_due(self, at: datetime, limit: int, lease: timedelta) -> list[QueuedMail]:
        """Take up to ``limit`` due e-mails, oldest first, leased until ``at + lease``."""
        result = await self.session.execute(
            select(email_outbox.c.id, email_outbox.c.to_address, email_outbox.c.subject,
                   email_outbox.c.body, email_outbox.c.attempts)
            .where(email_outbox.c.sent_at.is_(None), email_outbox.c.failed_at.is_(None),
                   or_(email_outbox.c.not_before.is_(None), email_outbox.c.not_before <= at))
            .order_by(email_outbox.c.id).limit(limit).with_for_update(skip_locked=True))
        mails = [QueuedMail(*row) for row in result.all()]
        if mails:
            await self.session.execute(
                update(email_outbox).where(email_outbox.c.id.in_([m.id for m in mails]))
                .values(not_before=at + lease))
        return mails

    async def mark_sent(self, mail_id: int, at: datetime) -> None:
        """The SMTP server accepted the e-mail."""
        await self.session.execute(
            update(email_outbox).where(email_outbox.c.id == mail_id)
            .values(sent_at=at, attempts=email_outbox.c.attempts + 1, last_error=None))

    async def defer(self, mail_id: int, until: datetime, error: str) -> None:
        """A failed try: due again at ``until``."""
        await self.session.execute(
            update(email_outbox).where(email_outbox.c.id == mail_id)
            .values(not_before=until, attempts=email_outbox.c.attempts + 1,
                    last_error=error[:500]))

    async def fail(self, mail_id: int, at: datetime, error: str) -> None:
        """Give up on an e-mail (refused for good, or too many tries)."""
        await self.session.execute(
            update(email_outbox).where(email_outbox.c.id == mail_id)
            .values(failed_at=at, attempts=email_outbox.c.attempts + 1,
                    last_error=error[:500]))
