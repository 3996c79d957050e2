"""Webhook mode's configuration: one line naming the variable, exit status 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.__main__ import main
from bot.http import webhook_path, webhook_url
from tests.e2e.conftest import TOKEN

VARIABLES = ("BOT_TOKEN", "WEBHOOK_URL", "WEBHOOK_SECRET", "WEBHOOK_LISTEN", "METRICS_LISTEN",
             "DATABASE_URL", "DATABASE_SCHEMA", "TELEGRAM_API_URL")


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """Only a token set, no ``.env``."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    return monkeypatch


@pytest.mark.parametrize(("argv", "variables", "named"), [
    (["run", "--webhook"], {}, "WEBHOOK_URL"),
    (["run"], {"WEBHOOK_URL": "https://bot.example.org/tg"}, "WEBHOOK_SECRET"),
    (["run"], {"WEBHOOK_URL": "https://bot.example.org/tg", "WEBHOOK_SECRET": "no spaces"},
     "WEBHOOK_SECRET"),
    (["run", "--webhook"], {"WEBHOOK_URL": "ftp://bot.example.org"}, "WEBHOOK_URL"),
    (["run"], {"METRICS_LISTEN": "9100"}, "METRICS_LISTEN"),
    (["run"], {"DATABASE_SCHEMA": "tenant_1"}, "DATABASE_SCHEMA"),  # SQLite has no schemas
    (["run"], {"DATABASE_URL": "postgresql+asyncpg://db/x", "DATABASE_SCHEMA": "a;b"},
     "DATABASE_SCHEMA"),
])
def test_webhook_mode_without_its_settings_exits_2_naming_the_variable(
        env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str],
        variables: dict[str, str], named: str) -> None:
    for name, value in variables.items():
        env.setenv(name, value)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and named in err
    assert "no spaces" not in err


def test_the_webhook_path_is_derived_from_the_secret_and_kept_under_the_public_path() -> None:
    url = webhook_url("https://bot.example.org/tg/", "s3cret")
    assert url.startswith("https://bot.example.org/tg/") and len(url.rsplit("/", 1)[1]) == 32
    assert webhook_path("https://bot.example.org/tg", "s3cret") == url.removeprefix(
        "https://bot.example.org")
    assert webhook_url("https://bot.example.org/tg", "other") != url
