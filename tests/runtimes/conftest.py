"""Fixtures for the runtime adapter tests: raw Bot API updates parsed by each framework."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot.runtimes import aiogram_runtime, ptb_runtime
from handlers.contract import Incoming

BOT_USERNAME = "Market_Bot"
ALICE = {"id": 1001, "is_bot": False, "first_name": "Alice", "last_name": "Liddell",
         "username": "alice", "language_code": "en-GB"}
PRIVATE = {"id": 1001, "type": "private", "first_name": "Alice"}


def message(**content: Any) -> dict[str, Any]:
    """A raw ``message`` update from Alice in her private chat."""
    return {"update_id": 77, "message": {"message_id": 5, "date": 1_750_000_000,
                                         "chat": PRIVATE, "from": ALICE, **content}}


def _aiogram(raw: dict[str, Any]) -> Incoming | None:
    """Parse with aiogram's own types and convert with the aiogram adapter."""
    from aiogram.types import Update

    return aiogram_runtime.to_incoming(Update.model_validate(raw), BOT_USERNAME)


def _ptb(raw: dict[str, Any]) -> Incoming | None:
    """Parse with python-telegram-bot's own types and convert with the PTB adapter."""
    from telegram import Update

    return ptb_runtime.to_incoming(Update.de_json(raw, None), BOT_USERNAME)


@pytest.fixture(params=["aiogram", "ptb"])
def convert(request: pytest.FixtureRequest) -> Callable[[dict[str, Any]], Incoming | None]:
    """A raw update -> Incoming, through one framework's types and adapter."""
    return _aiogram if request.param == "aiogram" else _ptb
