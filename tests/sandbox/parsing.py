"""Helpers proving that sandbox objects parse, losslessly, into both frameworks' types."""

from __future__ import annotations

from typing import Any, TypeVar

import aiogram.types
import telegram

__all__ = ["assert_message_parses", "assert_parses", "assert_update_parses", "ptb_bot"]

ptb_bot = telegram.Bot("123456:sandbox-token")

A = TypeVar("A", bound=aiogram.types.TelegramObject)
P = TypeVar("P", bound=telegram.TelegramObject)


def _covers(parsed: Any, raw: Any, path: str) -> None:
    """Assert every field of ``raw`` survives in ``parsed`` with the same value."""
    if isinstance(raw, dict):
        assert isinstance(parsed, dict), path
        for key, value in raw.items():
            assert key in parsed, f"{path}.{key} was dropped"
            _covers(parsed[key], value, f"{path}.{key}")
    elif isinstance(raw, list):
        assert isinstance(parsed, list | tuple) and len(parsed) == len(raw), path
        for index, (left, right) in enumerate(zip(parsed, raw, strict=True)):
            _covers(left, right, f"{path}[{index}]")
    else:
        assert parsed == raw, f"{path}: {parsed!r} != {raw!r}"


def assert_parses(raw: dict[str, Any], aiogram_type: type[A], ptb_type: type[P]) -> tuple[A, P]:
    """Parse ``raw`` with aiogram and python-telegram-bot; both must keep every field."""
    aiogram_object = aiogram_type.model_validate(raw)
    dumped = aiogram_object.model_dump(exclude_none=True, mode="json", by_alias=True)
    assert dumped == raw
    ptb_object = ptb_type.de_json(raw, ptb_bot)
    _covers(ptb_object.to_dict(), raw, ptb_type.__name__)
    return aiogram_object, ptb_object


def assert_update_parses(raw: dict[str, Any]) -> tuple[aiogram.types.Update, telegram.Update]:
    """An update parses into both frameworks' Update types."""
    return assert_parses(raw, aiogram.types.Update, telegram.Update)


def assert_message_parses(raw: dict[str, Any]) -> tuple[aiogram.types.Message, telegram.Message]:
    """A message parses into both frameworks' Message types."""
    return assert_parses(raw, aiogram.types.Message, telegram.Message)
