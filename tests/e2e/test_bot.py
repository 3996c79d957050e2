"""The real bot on aiogram and on python-telegram-bot, driven over HTTP by sandbox users."""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from pydantic import SecretStr

from bot.app import build_app, serve
from bot.config import ConfigError
from bot.sandbox import SandboxServer, SandboxUser
from core.accounts import Role
from core.clock import FixedClock
from handlers.dispatch import STALE_BUTTON, UNKNOWN_COMMAND
from handlers.menu import admin_commands, commands_for, user_commands
from handlers.start import PRESS_A_BUTTON, PROMPTS, OnboardingStep
from locales import LANGUAGES, translator
from tests.e2e.conftest import SECRET, SUPPORT_ID, TOKEN, Running, e2e_settings, start_bot
from tests.fakes import present

pytestmark = pytest.mark.e2e

ROLE, FIRST, LAST, EMAIL = (OnboardingStep.ROLE, OnboardingStep.FIRST_NAME,
                            OnboardingStep.LAST_NAME, OnboardingStep.EMAIL)


async def onboard(user: SandboxUser, language: str, role_button: int, first: str | None,
                  last: str, email: str) -> list[str]:
    """Sign up through /start; ``first=None`` takes the name Telegram shows (a button)."""
    tr, seen = translator(language), list[str]()
    await user.command("/start")
    prompt = await user.wait_message()
    assert prompt.text == tr(PROMPTS[ROLE])
    await user.press(prompt, role_button)
    name_prompt = await user.wait_message(predicate=lambda m: m.text == tr(PROMPTS[FIRST]))
    if first is None:
        await user.press(name_prompt, 0)
    else:
        await user.send(first)
    await user.wait_message(predicate=lambda m: m.text == tr(PROMPTS[LAST]))
    await user.send(last)
    await user.wait_message(predicate=lambda m: m.text == tr(PROMPTS[EMAIL]))
    await user.send(email)
    done = await user.wait_message(predicate=lambda m: (m.text or "").startswith(
        tr("You're all set, {name}!", name="").rstrip("!")))
    seen.append(present(done.text))
    return seen


async def test_acc_01_two_users_sign_up_at_once_each_in_their_own_language(
        running: Running) -> None:
    alice = running.server.user(1001, "Alice", language_code="en", username="alice")
    bob = running.server.user(1002, "Bob", language_code="ru", username="bob")
    await asyncio.gather(
        onboard(alice, "en", 1, None, "Liddell", "alice@example.com"),
        onboard(bob, "ru", 0, "Борис", "Иванов", "bob@example.com"),
    )
    stored_alice = await running.user_record(alice.id)
    stored_bob = await running.user_record(bob.id)
    assert (stored_alice.roles, stored_alice.first_name, stored_alice.email) == (
        {Role.CLIENT}, "Alice", "alice@example.com")
    assert (stored_bob.roles, stored_bob.last_name, stored_bob.email) == (
        {Role.EXPERT}, "Иванов", "bob@example.com")
    assert all(m.text and "Добро" not in m.text for m in alice.messages)


def _expected_menu(language: str, staff: bool = False) -> list[dict[str, str]]:
    tr = translator(language)
    pairs = user_commands() + (admin_commands() if staff else [])
    return [{"command": name, "description": tr(text)} for name, text in pairs]


def _own_menu(roles: set[Role], language: str) -> list[dict[str, str]]:
    tr = translator(language)
    return [{"command": name, "description": tr(text)} for name, text in commands_for(roles)]


async def test_command_menus_are_registered_per_language_and_for_each_admin(
        running: Running) -> None:
    server = running.server
    for language in LANGUAGES:
        assert server.commands("default", language) == _expected_menu(language)
    assert server.commands("default") == _expected_menu("en")  # the fallback: DEFAULT_LANGUAGE
    admin_scope = {"type": "chat", "chat_id": SUPPORT_ID}
    # the admin's own menu: no account yet, so every user's commands and all staff ones
    assert server.commands(admin_scope) == _own_menu({Role.ADMIN}, "en")
    assert all(server.commands(admin_scope, language) == [] for language in LANGUAGES)
    assert server.menu_for(SUPPORT_ID, "uk") == _own_menu({Role.ADMIN}, "en")
    assert server.menu_for(1002, "ru") == _expected_menu("ru")
    assert _expected_menu("ru") != _expected_menu("en")


async def test_each_user_gets_their_own_menu_for_their_roles_and_language(
        running: Running) -> None:
    """Sign-up, /language and the support role each set that chat's menu (chat scope)."""
    server = running.server
    bob = server.user(1002, "Bob", language_code="ru", username="bob")
    sam = server.user(SUPPORT_ID, "Sam", language_code="uk", username="sam_support")
    await onboard(bob, "ru", 0, "Борис", "Иванов", "bob@example.com")
    bob_scope = {"type": "chat", "chat_id": bob.id}
    await bob.wait_for(lambda: server.commands(bob_scope) == _own_menu({Role.EXPERT}, "ru"),
                       what="Bob's freelancer menu in Russian")
    assert server.menu_for(bob.id, "ru") == _own_menu({Role.EXPERT}, "ru")
    assert "post" not in {c["command"] for c in server.menu_for(bob.id, "ru")}
    await bob.command("/language")
    picker = await bob.wait_message(predicate=lambda m: m.text == translator("ru")(
        "Choose your language:"))
    await bob.press(picker, "Español")
    await bob.wait_for(lambda: server.commands(bob_scope) == _own_menu({Role.EXPERT}, "es"),
                       what="Bob's menu in Spanish")
    await sam.command(f"/grant_support {bob.id} new colleague")
    await sam.wait_message()
    await bob.wait_for(lambda: server.commands(bob_scope) == _own_menu(
        {Role.EXPERT, Role.SUPPORT}, "es"), what="Bob's support menu")
    assert "grant_support" not in {c["command"] for c in server.commands(bob_scope)}


async def test_a_duplicated_update_is_processed_once(running: Running) -> None:
    server = running.server
    alice = server.user(1001, "Alice", language_code="en")
    await alice.command("/start")
    await alice.wait_message()
    original = next(u for u in reversed(server.updates_log)
                    if u.get("message", {}).get("from", {}).get("id") == alice.id)
    server.inject(original)  # Telegram redelivers the same update_id
    await alice.command("/help")  # same chat, so handled after the duplicate
    reply = await alice.wait_message()
    assert reply.text != translator("en")(PROMPTS[ROLE])
    assert len(alice.messages) == 2
    assert sum(1 for u in server.updates_log if u["update_id"] == original["update_id"]) == 2


async def test_forged_buttons_are_answered_and_change_nothing(running: Running) -> None:
    alice = running.server.user(1001, "Alice", language_code="en")
    await alice.command("/start")
    prompt = await alice.wait_message()
    before = await running.user_record(alice.id)
    stale = translator("en")(STALE_BUTTON)
    for forged in ("lang:xx", "lang:set:ru", "start:role:admin", "start:lang:ru",
                   "prof:edit:roles", "zz9:" + "f" * 60, "menu:../../1002"):
        answer = await alice.press_data(prompt, forged)
        assert answer.text == stale, forged
    after = await running.user_record(alice.id)
    assert (after.roles, after.language, after.first_name) == (
        before.roles, before.language, before.first_name) == (set(), None, None)
    assert len(alice.messages) == 1 and not prompt.edited


async def test_an_unknown_command_and_a_sticker_get_a_helpful_answer(running: Running) -> None:
    bob = running.server.user(1002, "Bob", language_code="ru")
    await bob.command("/frobnicate now")
    assert (await bob.wait_message()).text == translator("ru")(UNKNOWN_COMMAND)
    await bob.send_other(sticker={"file_id": "S1", "file_unique_id": "s1", "type": "regular",
                                  "width": 512, "height": 512, "is_animated": False,
                                  "is_video": False})
    answer = await bob.wait_message()
    assert answer.text and answer.text != translator("ru")(UNKNOWN_COMMAND)


async def test_stopping_finishes_the_update_in_flight_then_closes(
        running: Running, monkeypatch: pytest.MonkeyPatch) -> None:
    dispatcher = running.app.dispatcher
    entered, release = asyncio.Event(), asyncio.Event()
    process = dispatcher.process

    async def held(incoming: Any) -> Any:
        entered.set()
        await release.wait()
        return await process(incoming)

    monkeypatch.setattr(dispatcher, "process", held)
    alice = running.server.user(1001, "Alice", language_code="en")
    await alice.command("/start")
    await asyncio.wait_for(entered.wait(), 5)
    running.stop.set()
    await asyncio.sleep(0)
    assert not running.task.done()  # it waits for the update in flight
    release.set()
    await running.shut_down()
    assert alice.messages and alice.messages[0].text == translator("en")(PROMPTS[ROLE])


async def test_the_token_never_appears_in_the_logs(running: Running,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    alice = running.server.user(1001, "Alice", language_code="en")
    await alice.command("/start")
    await alice.wait_message()
    await running.shut_down()
    records = caplog.get_records("setup") + caplog.get_records("call")
    text = "\n".join(caplog.handler.format(record) for record in records)
    assert "runtime polling" in text and "runtime stopped" in text
    assert SECRET not in text


async def test_polling_removes_a_webhook_left_by_an_earlier_deployment(
        runtime: str, sandbox: SandboxServer, tmp_path: Path, clock: FixedClock) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{sandbox.url}/bot{TOKEN}/setWebhook",
                                json={"url": "https://example.org/hook"}) as response:
            assert (await response.json())["ok"]
    async with start_bot(sandbox, runtime, tmp_path / "hook.db", clock):
        alice = sandbox.user(1001, "Alice", language_code="en")
        await alice.command("/start")
        assert (await alice.wait_message()).text == translator("en")(PROMPTS[ROLE])


async def test_a_token_the_server_rejects_stops_start_up_naming_bot_token(
        runtime: str, sandbox: SandboxServer, tmp_path: Path, clock: FixedClock) -> None:
    settings = e2e_settings(sandbox, runtime, tmp_path / "bad.db").model_copy(
        update={"bot_token": SecretStr("123456:not-the-servers-token")})
    with pytest.raises(ConfigError, match="BOT_TOKEN"):
        await asyncio.wait_for(serve(build_app(settings, clock), asyncio.Event()), 15)
    gc.collect()  # an HTTP connection left open would be reported here, as a ResourceWarning


async def test_a_document_or_photo_where_a_button_is_awaited_is_asked_again(
        running: Running) -> None:
    alice = running.server.user(1001, "Alice", language_code="en")
    await alice.command("/start")
    await alice.wait_message()
    lead = translator("en")(PRESS_A_BUTTON)
    await alice.upload_document(b"%PDF-1.4 cv", "cv.pdf", mime="application/pdf")
    again = await alice.wait_message()
    await alice.send_photo(b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    once_more = await alice.wait_message()
    for reply in (again, once_more):
        assert (reply.text or "").startswith(lead) and reply.buttons
    assert (await running.user_record(alice.id)).roles == set()
