"""notify(): rendered in the recipient's language, written with the change, deduplicated."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from core.accounts import User
from core.errors import N_
from core.money import Money
from handlers.contract import Button, keyboard
from handlers.jobs import HOLD_CLEARED
from handlers.notify import keyboard_from_json, keyboard_to_json, notify
from storage import Database
from storage.tables.outbox import outbox
from tests.conftest import START


async def _user(database: Database, user_id: int, *, language: str | None = None,
                telegram_language: str | None = "en") -> None:
    async with database.uow() as uow:
        await uow.users.add(User(id=user_id, first_name="Olga", language=language,
                                 telegram_language=telegram_language, created_at=START,
                                 last_seen_at=START))
        await uow.commit()


async def _rows(database: Database) -> list[dict[str, Any]]:
    async with database.engine.connect() as connection:
        result = await connection.execute(select(outbox).order_by(outbox.c.id))
        return [dict(row._mapping) for row in result]


async def test_hold_01_notification_is_rendered_in_the_recipients_language(
        database: Database) -> None:
    await _user(database, 42, language="ru", telegram_language="en")
    async with database.uow() as uow:
        await notify(uow, 42, HOLD_CLEARED, amount=Money.of("1234.5", "USD"))
        await uow.commit()

    [row] = await _rows(database)
    assert row["text"] == ("1\xa0234,50\xa0$ теперь доступны в вашем кошельке. "
                           "Отправьте /wallet, чтобы увидеть баланс.")
    assert row["chat_id"] == row["user_id"] == 42


async def test_telegram_language_is_used_when_the_recipient_chose_none(
        database: Database) -> None:
    await _user(database, 43, telegram_language="es-ES")
    async with database.uow() as uow:
        await notify(uow, 43, HOLD_CLEARED, amount=Money.of("5", "EUR"))
        await uow.commit()

    [row] = await _rows(database)
    assert row["text"].startswith("5,00\xa0€ ya está disponible")


async def test_button_labels_are_translated_and_the_keyboard_round_trips(
        database: Database) -> None:
    await _user(database, 44, language="uk")
    buttons = keyboard([Button(N_("Cancel"), data="x:1")],
                       [Button("https://example.org", url="https://example.org")])
    async with database.uow() as uow:
        await notify(uow, 44, HOLD_CLEARED, keyboard=buttons, amount=Money.of("1", "USD"))
        await uow.commit()

    [row] = await _rows(database)
    restored = keyboard_from_json(row["keyboard"])
    assert restored is not None
    assert restored[1][0] == buttons[1][0]
    assert restored[0][0].data == "x:1"
    assert keyboard_to_json(restored) == row["keyboard"]


async def test_a_repeated_dedupe_key_is_a_no_op(database: Database) -> None:
    await _user(database, 45)
    for _ in range(2):
        async with database.uow() as uow:
            written = await notify(uow, 45, HOLD_CLEARED, dedupe_key="hold-cleared:9",
                                   amount=Money.of("1", "USD"))
            await uow.commit()
    assert written is False
    assert len(await _rows(database)) == 1


async def test_without_a_dedupe_key_every_call_writes(database: Database) -> None:
    await _user(database, 46)
    async with database.uow() as uow:
        assert await notify(uow, 46, "Hello")
        assert await notify(uow, 46, "Hello")
        await uow.commit()
    assert [row["text"] for row in await _rows(database)] == ["Hello", "Hello"]


async def test_the_notification_exists_only_if_the_change_commits(database: Database) -> None:
    await _user(database, 47)
    async with database.uow() as uow:
        await notify(uow, 47, "Hello")
    assert await _rows(database) == []


async def test_notifying_an_unknown_user_is_a_programming_error(database: Database) -> None:
    async with database.uow() as uow:
        with pytest.raises(LookupError):
            await notify(uow, 404, "Hello")
