"""Command menus: setMyCommands, getMyCommands and deleteMyCommands by scope and language."""

from __future__ import annotations

from typing import Any

from tests.sandbox.conftest import Api

MENU = [{"command": "start", "description": "Start"}, {"command": "help", "description": "Help"}]


async def test_menus_are_kept_per_scope_and_language(api: Api) -> None:
    api.server.user(1001, "Sam")
    chat_scope = {"type": "chat", "chat_id": 1001}
    await api.ok("setMyCommands", commands=MENU)
    await api.ok("setMyCommands", commands=MENU[:1], language_code="ru")
    await api.ok(
        "setMyCommands",
        commands=MENU + [{"command": "admin", "description": "A"}],
        scope=chat_scope,
    )
    assert await api.ok("getMyCommands") == MENU
    assert await api.ok("getMyCommands", language_code="ru") == MENU[:1]
    assert await api.ok("getMyCommands", language_code="es") == []
    assert len(await api.ok("getMyCommands", scope=chat_scope)) == 3
    assert api.server.commands() == MENU
    assert api.server.commands("default", "ru") == MENU[:1]
    assert len(api.server.commands(chat_scope)) == 3


async def test_menu_for_resolves_scopes_like_telegram(api: Api) -> None:
    api.server.user(1001, "Sam")
    api.server.user(1002, "Bob")
    await api.ok("setMyCommands", commands=MENU)
    await api.ok("setMyCommands", commands=MENU[1:], language_code="ru")
    await api.ok("setMyCommands", commands=MENU[:1], scope={"type": "chat", "chat_id": 1001})
    assert api.server.menu_for(1001, "ru") == MENU[:1]
    assert api.server.menu_for(1002, "ru") == MENU[1:]
    assert api.server.menu_for(1002, "uk") == MENU


async def test_delete_my_commands_and_an_empty_list_clear_a_menu(api: Api) -> None:
    await api.ok("setMyCommands", commands=MENU, language_code="uk")
    await api.ok("deleteMyCommands", language_code="uk")
    assert await api.ok("getMyCommands", language_code="uk") == []
    await api.ok("setMyCommands", commands=MENU)
    await api.ok("setMyCommands", commands=[])
    assert await api.ok("getMyCommands") == []


async def test_scope_and_language_arrive_as_json_strings_in_forms(api: Api) -> None:
    api.server.user(1001, "Sam")
    status, _ = await api.form(
        "setMyCommands",
        commands=MENU,
        scope={"type": "chat", "chat_id": 1001},
        language_code="en",
    )
    assert status == 200
    assert api.server.commands({"type": "chat", "chat_id": 1001}, "en") == MENU


async def test_invalid_commands_scopes_and_languages_are_refused(api: Api) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"commands": [{"command": "Bad-Name", "description": "x"}]}, "BOT_COMMAND_INVALID"),
        ({"commands": [{"command": "ok", "description": ""}]}, "BOT_COMMAND_DESCRIPTION_INVALID"),
        ({"commands": MENU, "scope": {"type": "chat", "chat_id": 5}}, "chat not found"),
        ({"commands": MENU, "scope": {"type": "galaxy"}}, "wrong scope type specified"),
        ({"commands": MENU, "language_code": "english"}, "invalid language code specified"),
    ]
    for params, description in cases:
        status, body = await api.json("setMyCommands", **params)
        assert (status, body["description"]) == (400, f"Bad Request: {description}")
