"""E-mail over real SMTP on localhost: the SMTP mailer, the e-mail outbox sender and the
sandbox's mail catcher (aiosmtpd), no internet."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import aiosmtplib
import pytest

from bot.config import ConfigError, load_settings
from bot.mail import MailSender, SmtpConfig, SmtpMailer, mail_sender
from bot.sandbox.smtp import MailCatcher, format_mail
from core.accounts import User
from core.clock import FixedClock
from core.email_verification import OutgoingMail
from storage import Database


async def test_smtp_url_forms_parse_into_host_port_login_and_tls() -> None:
    plain = SmtpConfig.from_url("smtp://bot%40example.com:p%40ss@mail.example.com:587")
    assert (plain.host, plain.port, plain.username, plain.password) == (
        "mail.example.com", 587, "bot@example.com", "p@ss")
    assert plain.sender == "bot@example.com" and not plain.use_tls and plain.start_tls is None
    tls = SmtpConfig.from_url("smtps://u:p@mail.example.com?from=noreply@example.com")
    assert (tls.port, tls.use_tls, tls.start_tls, tls.sender) == (
        465, True, False, "noreply@example.com")
    assert SmtpConfig.from_url("smtp://localhost").sender == "noreply@localhost"
    for bad in ("http://mail.example.com", "smtp://"):
        with pytest.raises(ValueError, match="SMTP_URL"):
            SmtpConfig.from_url(bad)


async def test_the_smtp_mailer_delivers_utf8_mail_to_the_catcher() -> None:
    async with MailCatcher() as catcher:
        await SmtpMailer.from_url(catcher.url).send("bob@example.com", "Код подтверждения",
                                                    "Ваш код: 123456")
        mail = await catcher.next_mail(0)
    assert mail.recipients == ("bob@example.com",)
    assert mail.sender == "bot@sandbox.local"
    assert (mail.subject, mail.body) == ("Код подтверждения", "Ваш код: 123456")
    assert "123456" in format_mail(mail)


async def _queue(database: Database, clock: FixedClock, *addresses: str) -> None:
    async with database.uow() as uow:
        await uow.users.add(User(id=7, first_name="Ann", created_at=clock.now(),
                                 last_seen_at=clock.now()))
        for address in addresses:
            await uow.email.enqueue(OutgoingMail(to=address, subject="Code", body="654321",
                                                 created_at=clock.now(), user_id=7))
        await uow.commit()


async def test_the_mail_sender_sends_queued_mail_once(database: Database,
                                                      clock: FixedClock) -> None:
    await _queue(database, clock, "ann@example.com")
    async with MailCatcher() as catcher:
        sender = mail_sender(catcher.url, database, clock)
        assert sender is not None
        assert await sender.drain() == 1
        assert await sender.drain() == 0
        mail = await catcher.next_mail(0)
    assert mail.recipients == ("ann@example.com",) and mail.body == "654321"
    assert len(catcher.mails) == 1


class FlakyMailer:
    """Fails with the given errors in turn, then accepts."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.sent: list[str] = []

    async def send(self, to: str, subject: str, body: str) -> None:
        if self.errors:
            raise self.errors.pop(0)
        self.sent.append(to)


async def test_a_failed_send_is_retried_later_and_a_5xx_refusal_is_given_up(
        database: Database, clock: FixedClock) -> None:
    await _queue(database, clock, "ann@example.com", "nobody@example.com")
    mailer = FlakyMailer(aiosmtplib.SMTPConnectError("down"),
                         aiosmtplib.SMTPResponseException(550, "no such mailbox"))
    sender = MailSender(database, mailer, clock, first_retry=timedelta(seconds=30))
    assert await sender.drain() == 0
    assert await sender.drain() == 0  # the first is waiting for its retry, the second failed
    clock.advance(timedelta(seconds=30))
    assert await sender.drain() == 1
    clock.advance(timedelta(days=1))
    assert await sender.drain() == 0
    assert mailer.sent == ["ann@example.com"]


async def test_without_smtp_url_no_sender_runs(tmp_path: Path, clock: FixedClock) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}")
    assert mail_sender(None, database, clock) is None
    assert mail_sender("", database, clock) is None
    await database.dispose()


def test_a_malformed_smtp_url_stops_start_up_with_one_line_naming_it() -> None:
    assert load_settings(_env_file=None, smtp_url=" ").smtp_url is None
    assert load_settings(_env_file=None, smtp_url="smtps://u:p@mail.example.com").smtp_url
    with pytest.raises(ConfigError, match="^SMTP_URL is invalid"):
        load_settings(_env_file=None, smtp_url="mail.example.com:25")
