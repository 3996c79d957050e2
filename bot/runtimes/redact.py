"""Keep the bot token, and payout details (e-mail addresses, IBANs), out of the logs.

Both frameworks put the token in request URLs (``.../bot<token>/getUpdates``), and httpx (used
by python-telegram-bot) logs every URL at INFO. Two defences: :func:`quiet_http_loggers` raises
the HTTP client loggers to WARNING, and :class:`TokenRedactor` rewrites every log record created
while it is installed (message, arguments and traceback) so the token's secret part never
reaches any handler, whatever the logging configuration. The same rewrite masks what looks like
payout details (:func:`scrub_details`: ``p***@example.com``, ``DE89 **** 3000``), should a
message or an error (a database error quoting its parameters, say) ever carry them.
"""

from __future__ import annotations

import logging
import re
from types import TracebackType
from typing import Any

__all__ = ["REDACTED", "TokenRedactor", "quiet_http_loggers", "scrub_details"]

REDACTED = "<redacted>"
HTTP_LOGGERS = ("httpx", "httpcore", "aiohttp.client", "hpack")
_EMAIL = re.compile(r"([A-Za-z0-9.!#$%&'*+/=?^_`{|}~-])[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]*"
                    r"@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
_IBAN = re.compile(r"\b([A-Z]{2}[0-9]{2})((?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?)\b")


def scrub_details(text: str) -> str:
    """``text`` with e-mail addresses and IBANs masked as the payout screens show them."""
    text = _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    return _IBAN.sub(lambda m: f"{m.group(1)} **** {m.group(2).replace(' ', '')[-4:]}", text)


def quiet_http_loggers() -> None:
    """Stop HTTP client libraries from logging request URLs (which contain the token)."""
    for name in HTTP_LOGGERS:
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.WARNING:
            logger.setLevel(logging.WARNING)


class TokenRedactor:
    """A log record factory wrapper that replaces the token's secret in every record.

    Use as a context manager (``with TokenRedactor(token): ...``) or call :meth:`install`
    and :meth:`uninstall`.
    """

    def __init__(self, token: str) -> None:
        """Redact the secret part of ``token``."""
        # The part after the colon is the secret; the bot id before it is public.
        self.secret = token.split(":", 1)[-1]
        self._previous: Any = None
        self._active = False

    def scrub(self, text: str) -> str:
        """``text`` with the secret replaced and payout details masked."""
        text = text.replace(self.secret, REDACTED) if self.secret else text
        return scrub_details(text)

    def _clean(self, record: logging.LogRecord) -> None:
        """Rewrite ``record`` in place if it mentions the secret or payout details."""
        if not self._active:
            return
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to logging's own error report
            return
        scrubbed = self.scrub(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        if record.exc_info and record.exc_info[0] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            if self.scrub(text) != text:
                record.exc_text = self.scrub(text)
        if record.stack_info and self.scrub(record.stack_info) != record.stack_info:
            record.stack_info = self.scrub(record.stack_info)

    def install(self) -> None:
        """Start rewriting new log records."""
        previous = logging.getLogRecordFactory()
        self._previous, self._active = previous, True

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            """The previous factory's record, cleaned."""
            record = previous(*args, **kwargs)
            self._clean(record)
            return record

        self._factory = factory
        logging.setLogRecordFactory(factory)

    def uninstall(self) -> None:
        """Stop rewriting (restores the previous factory unless another was installed since)."""
        self._active = False
        if logging.getLogRecordFactory() is getattr(self, "_factory", None):
            logging.setLogRecordFactory(self._previous)

    def __enter__(self) -> TokenRedactor:
        """Install; see :meth:`install`."""
        self.install()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        """Uninstall; see :meth:`uninstall`."""
        self.uninstall()
