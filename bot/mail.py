"""E-mail: an SMTP :class:`~core.ports.Mailer` and the sender that drains ``email_outbox``.

Why a queue: a verification code is created in the unit of work of the update that asked for
it, and its e-mail must go out only if that unit commits. So the e-mail is written to the
``email_outbox`` table in the same transaction (:meth:`storage.repos.email.SqlEmailRepo.enqueue`)
and :class:`MailSender` sends it afterwards: a rolled-back request sends nothing, a crash
between commit and send loses nothing (the row is sent when the bot is back), and a slow SMTP
server never holds a database transaction open.

Delivery: due rows are leased for :attr:`MailSender.lease` (several processes never send the
same row at once); a 5xx answer or too many tries marks a row failed; anything else (network,
4xx) is retried with a doubling pause. Sending is at least once: a crash after the server
accepted a mail but before the row was marked sends it again.

``SMTP_URL`` forms: ``smtp://user:password@host:587`` (STARTTLS when the server offers it),
``smtps://user:password@host:465`` (TLS from the start), ``smtp://localhost:1025`` (no
login); ``?from=bot@example.com`` sets the sender address (default: the user name if it is an
address, else ``noreply@<host>``) and ``?starttls=0`` disables STARTTLS.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

from core.clock import Clock
from core.ports import Mailer
from storage import Database
from storage.repos.email import QueuedMail

__all__ = ["MailSender", "SmtpConfig", "SmtpMailer", "mail_sender"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    """Where and how to send, parsed from ``SMTP_URL``."""

    host: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool
    start_tls: bool | None
    sender: str

    @classmethod
    def from_url(cls, url: str) -> SmtpConfig:
        """Parse ``smtp://`` or ``smtps://`` URLs; ValueError names what is wrong."""
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError("SMTP_URL must start with smtp:// or smtps://")
        if not parts.hostname:
            raise ValueError("SMTP_URL needs a host, e.g. smtp://user:pass@mail.example.com:587")
        query = parse_qs(parts.query)
        tls = parts.scheme == "smtps"
        username = unquote(parts.username) if parts.username else None
        sender = query.get("from", [""])[0] or (
            username if username and "@" in username else f"noreply@{parts.hostname}")
        start_tls = False if tls or query.get("starttls", [""])[0] == "0" else None
        return cls(host=parts.hostname, port=parts.port or (465 if tls else 25),
                   username=username,
                   password=unquote(parts.password) if parts.password else None,
                   use_tls=tls, start_tls=start_tls, sender=sender)


class SmtpMailer:
    """:class:`core.ports.Mailer` over SMTP with aiosmtplib."""

    def __init__(self, config: SmtpConfig, timeout: float = 30.0) -> None:
        self.config = config
        self.timeout = timeout

    @classmethod
    def from_url(cls, url: str) -> SmtpMailer:
        """A mailer for ``SMTP_URL``."""
        return cls(SmtpConfig.from_url(url))

    async def send(self, to: str, subject: str, body: str) -> None:
        """Send a plain-text UTF-8 e-mail; aiosmtplib's errors propagate."""
        message = EmailMessage()
        message["From"] = self.config.sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain=self.config.sender.rpartition("@")[2] or None)
        message.set_content(body)
        await aiosmtplib.send(
            message, hostname=self.config.host, port=self.config.port,
            username=self.config.username, password=self.config.password,
            use_tls=self.config.use_tls, start_tls=self.config.start_tls,
            timeout=self.timeout)


def _permanent(error: Exception) -> bool:
    """A refusal for good: the server answered 5xx (bad address, rejected)."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        return all(500 <= r.code < 600 for r in error.recipients)
    code = getattr(error, "code", None)
    return isinstance(code, int) and 500 <= code < 600


class MailSender:
    """Sends queued e-mails; :meth:`run` until cancelled, :meth:`drain` once."""

    def __init__(self, database: Database, mailer: Mailer, clock: Clock, *,
                 poll_interval: float = 2.0, lease: timedelta = timedelta(minutes=2),
                 max_attempts: int = 8, first_retry: timedelta = timedelta(seconds=30),
                 batch_size: int = 20) -> None:
        self.database = database
        self.mailer = mailer
        self.clock = clock
        self.poll_interval = poll_interval
        self.lease = lease
        self.max_attempts = max_attempts
        self.first_retry = first_retry
        self.batch_size = batch_size
        self._wakeup = asyncio.Event()

    def wake(self) -> None:
        """Look at the queue now instead of at the next poll."""
        self._wakeup.set()

    async def run(self) -> None:
        """Send due e-mails until cancelled, every ``poll_interval`` or when woken."""
        while True:
            self._wakeup.clear()
            try:
                await self.drain()
            except Exception:
                log.exception("mail: draining the e-mail outbox failed; trying again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), self.poll_interval)

    async def drain(self) -> int:
        """Send every e-mail due now; return how many the server accepted."""
        sent = 0
        while True:
            async with self.database.uow() as uow:
                batch = await uow.email.claim_due(self.clock.now(), self.batch_size, self.lease)
                await uow.commit()
            if not batch:
                return sent
            for mail in batch:
                sent += await self._deliver(mail)

    async def _deliver(self, mail: QueuedMail) -> int:
        """Send one e-mail and record the outcome; 1 if it was accepted."""
        try:
            await self.mailer.send(mail.to, mail.subject, mail.body)
        except Exception as error:  # every failure is recorded on the row
            now = self.clock.now()
            give_up = _permanent(error) or mail.attempts + 1 >= self.max_attempts
            log.warning("mail: e-mail %s to %s failed (%r)%s", mail.id, mail.to, error,
                        "; giving up" if give_up else "; retrying later")
            async with self.database.uow() as uow:
                if give_up:
                    await uow.email.fail(mail.id, now, repr(error))
                else:
                    await uow.email.defer(mail.id, now + self.first_retry * 2 ** mail.attempts,
                                          repr(error))
                await uow.commit()
            return 0
        async with self.database.uow() as uow:
            await uow.email.mark_sent(mail.id, self.clock.now())
            await uow.commit()
        return 1


def mail_sender(smtp_url: str | None, database: Database, clock: Clock) -> MailSender | None:
    """The sender for ``SMTP_URL``, or None when e-mail is not configured (codes then wait)."""
    if not smtp_url:
        log.warning("mail: SMTP_URL is not set; verification e-mails stay queued")
        return None
    return MailSender(database, SmtpMailer.from_url(smtp_url), clock)
