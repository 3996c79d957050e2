"""Parity: one multi-user scenario on aiogram and on PTB gives the very same transcripts.

The two runtimes are thin adapters around the same handlers, so everything a user sees must
be identical: message texts, buttons (labels and callback data), edits, callback answers
(text and alert), invoices. The scenario runs on each framework against a fresh sandbox
server and a fresh database, records each user's chat, and the two records are compared.
The scenario: sign-up in English and Russian, /help, /language, a /profile edit with a refused
value, forged buttons, an unknown command, a document where text is awaited, /post and an
application, a relayed text and a relayed document (the outbox and SendDocument), /topup 50
paid, /wallet. After each step ``settle`` sends an unknown command and waits for its answer, so
everything before it in that chat has been handled and the order is the same on both runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.sandbox import SandboxServer, SandboxUser
from core.clock import FixedClock
from handlers.dispatch import UNKNOWN_COMMAND
from locales import LANGUAGES, translator
from tests.conftest import START
from tests.e2e.conftest import SUPPORT_ID, TOKEN, start_bot
from tests.e2e.test_bot import onboard
from tests.e2e.test_market_e2e import _apply, _post

pytestmark = pytest.mark.e2e

WAIT = 10.0
EN = translator("en")
PROVIDER_TOKEN = "284685063:TEST:sandbox-provider"
_UNKNOWN = {translator(language)(UNKNOWN_COMMAND) for language in LANGUAGES}


class Recorder:
    """What each user saw: the bot's messages at the end, and every callback answer."""

    def __init__(self) -> None:
        self.answers: dict[int, list[tuple[str, str | None, bool]]] = {}

    async def press(self, user: SandboxUser, message: Any, data: str) -> None:
        """Press (or forge) ``data`` on ``message`` and record the answer."""
        answer = await user.press_data(message, data, WAIT)
        self.answers.setdefault(user.id, []).append((data, answer.text, answer.show_alert))

    def transcript(self, users: list[SandboxUser]) -> dict[int, list[Any]]:
        """Every bot message of each chat (with its edit history) and the answers."""
        return {user.id: [_message(m) for m in user.messages] + [("answers", self.answers.get(
            user.id, []))] for user in users}


def _message(message: Any) -> tuple[Any, ...]:
    """One bot message as the user sees it, with the versions before its edits."""
    raw = message.raw
    versions = [*message.history, raw]
    return (message.message_id,
            [(v.get("text", v.get("caption")), v.get("reply_markup")) for v in versions],
            raw.get("invoice"), message.payload,
            (raw.get("document") or {}).get("file_name"))


async def settle(user: SandboxUser) -> None:
    """Send an unknown command and wait for its answer: everything before it was handled."""
    seen = len(user.messages)
    await user.command("/sync")
    await user.wait_for(lambda: any(m.text in _UNKNOWN for m in user.messages[seen:]), WAIT,
                        "the answer to /sync")


def _last_with(user: SandboxUser, prefix: str) -> Any:
    """The latest bot message with a button whose callback data starts with ``prefix``."""
    return next(m for m in reversed(user.messages)
                if any(data.startswith(prefix) for row in m.buttons for _, data in row))


async def scenario(server: SandboxServer) -> dict[int, list[Any]]:
    """Two users through the skeleton and the marketplace; their transcripts."""
    rec = Recorder()
    alice = server.user(1001, "Alice", language_code="en", username="alice")
    boris = server.user(1002, "Boris", language_code="ru", username="boris")
    await onboard(alice, "en", 1, None, "Liddell", "alice@example.com")
    await onboard(boris, "ru", 0, "Борис", "Иванов", "boris@example.com")
    await alice.command("/help")
    await boris.command("/help")
    await settle(alice)
    await settle(boris)

    await boris.command("/language")
    await settle(boris)
    await rec.press(boris, _last_with(boris, "lang:"), "lang:en")
    await rec.press(boris, _last_with(boris, "lang:"), "lang:ru")
    await settle(boris)

    await alice.command("/profile")
    await settle(alice)
    await rec.press(alice, _last_with(alice, "prof:"), "prof:edit:last")
    await alice.send("x" * 300)  # refused with the reason
    await settle(alice)
    await alice.send("Pleasance")
    await settle(alice)

    await rec.press(alice, alice.messages[-1], "forged:1")
    await rec.press(alice, alice.messages[-1], "prof:edit:nothing")
    await alice.command("/nosuchcommand")
    await settle(alice)

    await alice.command("/post")
    await alice.wait_message(WAIT)
    await alice.upload_document(b"%PDF-1.4", "brief.pdf", mime="application/pdf")
    await settle(alice)
    await alice.command("/cancel")
    await settle(alice)
    project_id = await _post(alice)
    await _apply(boris, project_id)
    await alice.wait_for(lambda: any((m.text or "").startswith("📨") for m in alice.messages),
                         WAIT, "the application notice")
    notice = next(m for m in alice.messages if (m.text or "").startswith("📨"))
    await rec.press(alice, notice, notice.flat_buttons[0]["callback_data"])
    await alice.wait_edit(notice, WAIT)
    await rec.press(alice, notice, _last_with(alice, "msg:").button(EN("Message"))[
        "callback_data"])
    await settle(alice)
    await alice.send("Can you start on Monday?")
    relayed = await boris.wait_message(WAIT, predicate=lambda m: "Monday" in (m.text or ""))
    await settle(alice)
    await rec.press(boris, relayed, relayed.flat_buttons[0]["callback_data"])  # Reply
    await settle(boris)
    await boris.upload_document(b"%PDF-1.4 portfolio", "portfolio.pdf", "application/pdf")
    await alice.wait_for(lambda: any("portfolio.pdf" in (m.text or "") for m in alice.messages),
                         WAIT, "the file notice")
    file_notice = next(m for m in alice.messages if "portfolio.pdf" in (m.text or ""))
    await rec.press(alice, file_notice, file_notice.flat_buttons[0]["callback_data"])
    await alice.wait_for(lambda: any(m.document for m in alice.messages), WAIT, "the file")
    await settle(alice)
    await boris.command("/cancel")
    await settle(boris)

    await boris.command("/topup 50")
    invoice = await boris.wait_message(WAIT, predicate=lambda m: m.invoice is not None)
    assert (await boris.pay(invoice, WAIT)).ok
    await settle(boris)
    await boris.command("/wallet")
    await settle(boris)
    return rec.transcript([alice, boris])


async def _run_on(runtime: str, tmp_path: Path, clock: FixedClock) -> dict[int, list[Any]]:
    """The scenario on ``runtime`` against a fresh server and database."""
    server = SandboxServer(token=TOKEN, rate_limits=False, first_update_id=1,
                           time_source=lambda: 1_750_000_000.0)
    await server.start()
    try:
        server.user(SUPPORT_ID, "Sam", language_code="uk", username="sam_support")
        async with start_bot(server, runtime, tmp_path / f"{runtime}.db", clock):
            return await scenario(server)
    finally:
        await server.stop()


async def test_the_same_scenario_on_aiogram_and_on_ptb_shows_every_user_the_same_chat(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAYMENT_PROVIDER_TOKEN", PROVIDER_TOKEN)
    aiogram = await _run_on("aiogram", tmp_path, FixedClock(START))
    ptb = await _run_on("ptb", tmp_path, FixedClock(START))
    assert set(aiogram) == set(ptb) == {1001, 1002}
    for user_id in aiogram:
        assert len(aiogram[user_id]) > 10
        for left, right in zip(aiogram[user_id], ptb[user_id], strict=False):
            assert left == right, f"user {user_id}"
        assert aiogram[user_id] == ptb[user_id]
