"""Configuration from the environment (and an optional ``.env`` file), via pydantic-settings.

A missing or malformed value stops start-up with one line naming the variable
(:func:`load_settings`). The token is a :class:`~pydantic.SecretStr`, never printed or logged.
"""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from core.payouts.policy import DEFAULT_UNSERVED, PayoutPolicy

__all__ = ["ConfigError", "Settings", "listen_address", "load_settings", "require_webhook_secret"]

DEFAULT_DB = f"sqlite+aiosqlite:///{Path('data') / 'marketplace.db'}"


class ConfigError(Exception):
    """A configuration problem, phrased as one line for the operator."""


class Settings(BaseSettings):
    """Every setting the bot reads; see the README's configuration table."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8",
                                      extra="ignore", case_sensitive=False)

    bot_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    database_url: str = DEFAULT_DB
    database_schema: str | None = None  # PostgreSQL: the schema to work in (search_path)
    #: python-telegram-bot by default: idle it needs about 93 MB and starts polling in about a
    #: third of aiogram's time (whose types alone take ~170 MB and seconds to import; issue 11).
    bot_runtime: Literal["aiogram", "ptb"] = "ptb"
    admin_ids: Annotated[frozenset[int], NoDecode] = Field(default_factory=frozenset)
    default_language: Literal["en", "ru", "uk", "es"] = "en"
    payment_provider_token: SecretStr = SecretStr("")
    currency: str = "USD"
    smtp_url: str | None = None
    log_level: str = "INFO"
    service_fee_percent: Decimal = Field(default=Decimal(10), ge=0, lt=100)  # FEE-01
    payout_holidays_country: str = "US"  # PAY-04
    payout_cutoff_hour: int = Field(default=12, ge=0, le=23)  # PAY-04, UTC
    payout_unserved_countries: Annotated[frozenset[str], NoDecode] = Field(
        default=DEFAULT_UNSERVED)  # PAY-02: where Payoneer replaces PayPal
    payout_provider: Literal["manual", "paypal"] = "manual"
    paypal_client_id: SecretStr = SecretStr("")
    paypal_client_secret: SecretStr = SecretStr("")
    paypal_api_url: str = "https://api-m.sandbox.paypal.com"
    # Running at scale (bot.webhook, bot.metrics, bot.send_budget): see the README.
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str | None = "127.0.0.1:8080"
    webhook_reply_within: float = Field(default=8.0, gt=0)
    metrics_listen: str | None = None
    tick_interval: float = Field(default=60.0, gt=0)
    # Telegram's limit is about 30/s; paid broadcasts raise it to as much as 1000/s.
    send_rate: float = Field(default=28.0, gt=0, le=1000)
    outbox_rate: float = Field(default=28.0, gt=0, le=30)
    outbox_retention_days: float = Field(default=30.0, ge=0)

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            if not all(p.lstrip("-").isdigit() for p in parts):
                raise ValueError(f"must be comma-separated Telegram user ids, got {value!r}")
            return frozenset(int(p) for p in parts)
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("payout_unserved_countries", mode="before")
    @classmethod
    def _countries(cls, value: object) -> object:
        if isinstance(value, str):
            codes = frozenset(p.strip().upper() for p in value.split(",") if p.strip())
            if not all(len(c) == 2 and c.isalpha() for c in codes):
                raise ValueError(f"must be comma-separated two-letter country codes, "
                                 f"got {value!r}")
            return codes
        return value

    @field_validator("payout_holidays_country")
    @classmethod
    def _holidays_country(cls, value: str) -> str:
        import holidays

        code = value.strip().upper()
        if code not in holidays.list_supported_countries():
            raise ValueError(f"{value!r} is not a country the holidays library knows")
        return code

    @field_validator("telegram_api_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _db(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must be a sqlite+aiosqlite:// or postgresql+asyncpg:// URL")
        return value

    @field_validator("database_schema")
    @classmethod
    def _schema(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None or not value.strip():
            return None
        if not str(info.data.get("database_url", "")).startswith("postgresql"):
            raise ValueError("is for PostgreSQL only (DATABASE_URL is not postgresql+asyncpg)")
        if not all(c.isascii() and (c.isalnum() or c == "_") for c in value.strip()):
            raise ValueError("must be a PostgreSQL schema name: letters, digits and _")
        return value.strip()

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        if len(value) != 3 or not value.isalpha():
            raise ValueError("must be a three-letter ISO 4217 code such as USD")
        return value.upper()

    @field_validator("smtp_url")
    @classmethod
    def _smtp(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("must look like smtp://user:password@host:587 or smtps://host:465")
        return value.strip()

    def payout_policy(self) -> PayoutPolicy:
        """What core's payout and fee rules read (:func:`core.payouts.policy.configure`)."""
        return PayoutPolicy(fee_percent=self.service_fee_percent,
                            holidays_country=self.payout_holidays_country,
                            cutoff=time(self.payout_cutoff_hour),
                            unserved_countries=self.payout_unserved_countries,
                            provider=self.payout_provider)

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be the public https:// URL Telegram posts updates to")
        return value.strip().rstrip("/")

    @field_validator("webhook_listen", "metrics_listen")
    @classmethod
    def _listen(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        host, _, port = value.strip().rpartition(":")
        if not host or not port.isdigit() or not 0 <= int(port) < 65536:
            raise ValueError(f"must be host:port such as 127.0.0.1:8080, got {value!r}")
        return value.strip()

    def require_token(self) -> str:
        """The bot token, or a :class:`ConfigError` naming ``BOT_TOKEN``."""
        if self.bot_token is None or not self.bot_token.get_secret_value().strip():
            raise ConfigError("BOT_TOKEN is not set: put the token from @BotFather in BOT_TOKEN")
        return self.bot_token.get_secret_value().strip()


def require_webhook_secret(settings: Settings) -> str:
    """WEBHOOK_SECRET for webhook mode, or a :class:`ConfigError` naming it.

    Telegram accepts 1-256 characters of ``A-Z``, ``a-z``, ``0-9``, ``_`` and ``-``.
    """
    secret = settings.webhook_secret.get_secret_value().strip() if settings.webhook_secret \
        else ""
    if not secret:
        raise ConfigError("WEBHOOK_SECRET is not set: webhook mode needs a secret token "
                          "(1-256 characters: letters, digits, _ and -)")
    if len(secret) > 256 or not all(c.isascii() and (c.isalnum() or c in "_-") for c in secret):
        raise ConfigError("WEBHOOK_SECRET is invalid: use 1-256 letters, digits, _ and -")
    return secret


def listen_address(value: str) -> tuple[str, int]:
    """``host:port`` as (host, port)."""
    host, _, port = value.rpartition(":")
    return host.strip("[]"), int(port)


def load_settings(**overrides: object) -> Settings:
    """Read the settings; a bad value becomes one :class:`ConfigError` line naming it."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]).upper() if error["loc"] else "configuration"
        message = error["msg"].removeprefix("Value error, ")
        raise ConfigError(f"{name} is invalid: {message}") from None
