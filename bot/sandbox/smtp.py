"""A local SMTP server that catches e-mail, so the sandbox needs no mail account.

:class:`MailCatcher` runs aiosmtpd in the bot's own event loop on ``127.0.0.1`` (a free port
by default). Point ``SMTP_URL`` at :attr:`MailCatcher.url` and every e-mail the bot sends
lands in :attr:`MailCatcher.mails`; listeners added with :meth:`MailCatcher.on_mail` are
called with each one (the terminal chat prints it, so a newcomer can read their verification
code), and :meth:`MailCatcher.next_mail` awaits the next one (tests).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

__all__ = ["CaughtMail", "MailCatcher", "format_mail"]

Listener = Callable[["CaughtMail"], None]


@dataclass(frozen=True, slots=True)
class CaughtMail:
    """One e-mail the catcher received."""

    sender: str
    recipients: tuple[str, ...]
    subject: str
    body: str


def _parse(envelope: Envelope) -> CaughtMail:
    raw = envelope.original_content or envelope.content or b""
    message = message_from_bytes(raw if isinstance(raw, bytes) else raw.encode(),
                                 policy=policy.default)
    assert isinstance(message, EmailMessage)
    part = message.get_body(preferencelist=("plain", "html"))
    body = part.get_content().replace("\r\n", "\n") if part is not None else ""
    return CaughtMail(sender=envelope.mail_from or "", recipients=tuple(envelope.rcpt_tos),
                      subject=str(message.get("Subject", "")), body=body.strip())


class _Handler:
    """aiosmtpd's handler: accept every message and hand it to the catcher."""

    def __init__(self, catcher: MailCatcher) -> None:
        self.catcher = catcher

    async def handle_DATA(self, server: SMTP, session: Session,  # aiosmtpd's name
                          envelope: Envelope) -> str:
        """Store the message and tell the listeners."""
        self.catcher.deliver(_parse(envelope))
        return "250 Message accepted for delivery"


class MailCatcher:
    """An SMTP server on localhost that keeps what it receives."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self.mails: list[CaughtMail] = []
        self._listeners: list[Listener] = []
        self._server: asyncio.base_events.Server | None = None
        self._arrived = asyncio.Condition()

    @property
    def url(self) -> str:
        """The ``SMTP_URL`` that reaches this catcher (after :meth:`start`)."""
        return f"smtp://{self.host}:{self.port}?from=bot@sandbox.local&starttls=0"

    def on_mail(self, listener: Listener) -> None:
        """Call ``listener`` with every e-mail caught from now on."""
        self._listeners.append(listener)

    def deliver(self, mail: CaughtMail) -> None:
        """Keep ``mail`` and tell the listeners and anyone awaiting :meth:`next_mail`."""
        self.mails.append(mail)
        for listener in list(self._listeners):
            listener(mail)
        asyncio.get_running_loop().create_task(self._notify())

    async def _notify(self) -> None:
        async with self._arrived:
            self._arrived.notify_all()

    async def next_mail(self, after: int, timeout: float = 10.0) -> CaughtMail:
        """The e-mail number ``after`` (0-based), waiting up to ``timeout`` seconds for it."""
        async with asyncio.timeout(timeout):
            async with self._arrived:
                await self._arrived.wait_for(lambda: len(self.mails) > after)
        return self.mails[after]

    async def start(self) -> MailCatcher:
        """Listen (on a free port when ``port`` is 0)."""
        loop = asyncio.get_running_loop()
        handler = _Handler(self)

        def protocol() -> Any:
            return SMTP(handler, hostname="sandbox.local", loop=loop)

        self._server = await loop.create_server(protocol, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        """Stop listening."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> MailCatcher:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


def format_mail(mail: CaughtMail) -> str:
    """How the terminal chat shows a caught e-mail."""
    rule = "-" * 60
    return (f"{rule}\n[e-mail to {', '.join(mail.recipients)}] {mail.subject}\n\n"
            f"{mail.body}\n{rule}")
