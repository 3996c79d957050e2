"""Keep the bot token out of the logs.

Both frameworks put the token in request URLs (``.../bot<token>/getUpdates``), and httpx (used
by python-telegram-bot) logs every URL at INFO. Two defences: :func:`quiet_http_loggers` raises
the HTTP client loggers to WARNING, and :class:`TokenRedactor` rewrites every log record created
while it is installed (message, arguments and traceback) so the token's secret part never
reaches any handler, whatever the logging configuration.
"""

from __future__ import annotations

import logging
from types import TracebackType
from typing import Any

__all__ = ["REDACTED", "TokenRedactor", "quiet_http_loggers"]

REDACTED = "<redacted>"
HTTP_LOGGERS = ("httpx", "httpcore", "aiohttp.client", "hpack")


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
        """``text`` with the secret replaced."""
        return text.replace(self.secret, REDACTED) if self.secret else text

    def _clean(self, record: logging.LogRecord) -> None:
        """Rewrite ``record`` in place if it mentions the secret."""
        if not self._active or not self.secret:
            return
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to logging's own error report
            return
        if self.secret in message:
            record.msg, record.args = self.scrub(message), None
        if record.exc_info and record.exc_info[0] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            if self.secret in text:
                record.exc_text = self.scrub(text)
        if record.stack_info and self.secret in record.stack_info:
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
