"""Resilience of both runtimes: restarts, network and server errors, 429 storms, duplicates.

Issue 2: on 429 the runtimes wait ``retry_after`` and retry; network errors back off; a
duplicated update is processed once. The sandbox injects the faults
(:meth:`~bot.sandbox.server.SandboxServer.fail_next`) and, for flood limits, runs on a fake
time that only the bot's own retry pauses move, so nothing here waits for the wall clock.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.config import ConfigError
from bot.runtimes.common import RetryPolicy
from bot.sandbox import SandboxServer, SandboxUser
from core.clock import FixedClock
from handlers.dispatch import UNKNOWN_COMMAND
from locales import translator
from tests.e2e.conftest import SUPPORT_ID, TOKEN, Running, start_bot
from tests.e2e.test_bot import onboard
from tests.e2e.test_flood import FakeTime

pytestmark = pytest.mark.e2e

WAIT = 10.0
EN = translator("en")
UNKNOWN = EN(UNKNOWN_COMMAND)
TITLE_PROMPT = "Let's post a project. What is its title? (5 to 100 characters; /cancel stops)"
DESCRIPTION_PROMPT = ("Describe the work: what you need, what you have, what the result should "
                      "be (20 to 3000 characters).")
OTHER = {"aiogram": "ptb", "ptb": "aiogram"}


@pytest.fixture(autouse=True)
def provider_token(monkeypatch: pytest.MonkeyPatch) -> None:
    """PAYMENT_PROVIDER_TOKEN as an operator sets it (read when the bot starts)."""
    monkeypatch.setenv("PAYMENT_PROVIDER_TOKEN", "284685063:TEST:sandbox-provider")


def _texts(user: SandboxUser, text: str) -> int:
    """How many bot messages in the chat read exactly ``text``."""
    return sum(1 for m in user.messages if m.text == text)


async def _replies(user: SandboxUser, text: str, count: int) -> None:
    """Wait until ``count`` bot messages read ``text``."""
    await user.wait_for(lambda: _texts(user, text) >= count, WAIT, f"{count} x {text!r}")


async def test_a_restarted_bot_continues_the_post_dialog_where_the_user_was(
        runtime: str, sandbox: SandboxServer, tmp_path: Path, clock: FixedClock) -> None:
    sandbox.user(SUPPORT_ID, "Sam", language_code="uk")
    alice = sandbox.user(1001, "Alice", language_code="en", username="alice")
    db = tmp_path / "restart.db"
    async with start_bot(sandbox, runtime, db, clock):
        await onboard(alice, "en", 1, None, "Liddell", "alice@example.com")
        await alice.command("/post")
        await alice.wait_message(WAIT, predicate=lambda m: m.text == EN(TITLE_PROMPT))
        await alice.send("Design a gearbox housing")
        await alice.wait_message(WAIT, predicate=lambda m: m.text == EN(DESCRIPTION_PROMPT))
    # a new process, even on the other framework, on the same database
    async with start_bot(sandbox, OTHER[runtime], db, clock):
        await alice.send("A cast aluminium housing for a two-stage gearbox; STEP files wanted.")
        categories = await alice.wait_message(WAIT)
        assert categories.text == EN("Choose the category:")
        assert any(data == "pp:cat:cad" for row in categories.buttons for _, data in row)
    assert _texts(alice, EN(TITLE_PROMPT)) == _texts(alice, EN(DESCRIPTION_PROMPT)) == 1


@pytest.mark.parametrize("status", [502, 503, 0], ids=["502", "503", "dropped"])
async def test_a_reply_refused_by_server_errors_is_sent_once_after_the_backoff(
        runtime: str, status: int, tmp_path: Path, clock: FixedClock) -> None:
    time = FakeTime()
    server = SandboxServer(token=TOKEN, time_source=time)
    await server.start()
    try:
        async with start_bot(server, runtime, tmp_path / "faults.db", clock,
                             RetryPolicy(sleep=time.sleep)):
            alice = server.user(1001, "Alice", language_code="en")
            server.fail_next("sendMessage", status=status, times=2)
            await alice.command("/nosuch")
            await _replies(alice, UNKNOWN, 1)
            await alice.command("/nosuch2")  # after it, the first reply cannot be late
            await _replies(alice, UNKNOWN, 2)
            assert _texts(alice, UNKNOWN) == 2
    finally:
        await server.stop()
    assert server.failures == [("sendmessage", status)] * 2
    assert time.pauses[:2] == [0.5, 1.0]  # the policy's exponential back-off


@pytest.mark.parametrize("status", [502, 0], ids=["502", "dropped"])
async def test_get_updates_failing_for_a_while_does_not_stop_the_poller(
        running: Running, status: int) -> None:
    server = running.server
    alice = server.user(1001, "Alice", language_code="en")
    server.fail_next("getUpdates", status=status, times=2)
    await alice.command("/nosuch")  # ends the waiting long poll: the next two fail
    await _replies(alice, UNKNOWN, 1)
    await alice.wait_for(lambda: len(server.failures) == 2 and server.world.waiting_polls > 0,
                         20.0, "two failed getUpdates and a new long poll")
    await alice.command("/nosuch2")
    await _replies(alice, UNKNOWN, 2)
    assert not running.task.done()
    assert _texts(alice, UNKNOWN) == 2
    assert server.failures == [("getupdates", status)] * 2


async def test_a_429_storm_of_many_users_delivers_every_reply_exactly_once(
        runtime: str, tmp_path: Path, clock: FixedClock) -> None:
    time = FakeTime()
    server = SandboxServer(token=TOKEN, rate_limits=True, time_source=time)
    await server.start()
    try:
        async with start_bot(server, runtime, tmp_path / "storm.db", clock,
                             RetryPolicy(sleep=time.sleep)):
            users = [server.user(2000 + n, f"User{n}", language_code="en") for n in range(45)]
            for round_ in range(3):  # 135 replies due at once: over 30/s and 1/s per chat
                for user in users:
                    await user.command(f"/nosuch{round_}")
            await asyncio.gather(*(_replies(user, UNKNOWN, 3) for user in users))
            for user in users:
                assert [m.text for m in user.messages] == [UNKNOWN] * 3
    finally:
        await server.stop()
    assert time.pauses and all(p >= 1 for p in time.pauses)


async def test_a_duplicated_callback_and_a_duplicated_payment_under_load_take_effect_once(
        running: Running) -> None:
    server = running.server
    alice = server.user(1001, "Alice", language_code="en")
    crowd = [server.user(3000 + n, f"User{n}", language_code="en") for n in range(20)]
    await onboard(alice, "en", 1, None, "Liddell", "alice@example.com")
    await alice.command("/language")
    picker = await alice.wait_message(WAIT, predicate=lambda m: bool(m.buttons))
    answer = await alice.press_data(picker, "lang:uk", WAIT)
    await alice.wait_edit(picker, WAIT)
    press = next(u for u in reversed(server.updates_log) if "callback_query" in u)
    await alice.command("/topup 50")
    invoice = await alice.wait_message(WAIT, predicate=lambda m: m.invoice is not None)
    assert (await alice.pay(invoice, WAIT)).ok
    uk = translator("uk")
    receipt = await alice.wait_message(WAIT, predicate=lambda m: "50,00" in (m.text or ""))
    received = receipt.text or ""
    assert received.startswith(uk("Payment received: {amount} added to your wallet. "
                                  "Balance: {balance}.", amount="", balance="")[:10])
    paid = next(u for u in reversed(server.updates_log)
                if "successful_payment" in u.get("message", {}))

    answers = sum(1 for a in server.world.callback_answers.values() if a is not None)
    for user in crowd:  # the load, with the duplicates in the middle of it
        await user.command("/nosuch")
    server.inject(press)
    server.inject(paid)
    for user in crowd:
        await user.command("/nosuch")
    await alice.command("/wallet")  # after the duplicates in alice's chat: they are handled
    wallet = await alice.wait_message(WAIT, predicate=lambda m: any(
        data.startswith("wal:") for row in m.buttons for _, data in row))
    await asyncio.gather(*(_replies(user, UNKNOWN, 2) for user in crowd))

    assert answer.text == uk("Language set: {language}.", language="Українська")
    assert picker.version == 1  # edited once, not again by the duplicate
    assert _texts(alice, received) == 1
    assert (wallet.text or "").count("+50,00") == 1
    assert not any("already" in (m.text or "") or "вже" in (m.text or "")
                   for m in alice.messages)
    assert sum(1 for a in server.world.callback_answers.values() if a is not None) == answers


async def test_a_stop_with_updates_in_flight_loses_none_and_the_restart_repeats_none(
        runtime: str, sandbox: SandboxServer, tmp_path: Path, clock: FixedClock) -> None:
    users = [sandbox.user(4000 + n, f"User{n}", language_code="en") for n in range(12)]
    db = tmp_path / "inflight.db"
    world = sandbox.world
    async with start_bot(sandbox, runtime, db, clock) as bot:
        for user in users:
            await user.command("/nosuch")
        # stop as soon as the bot has fetched them, before it could confirm them
        await users[0].wait_for(lambda: all(q.delivered for q in world.pending), WAIT,
                                "the updates fetched")
        bot.stop.set()
    # aiogram hands fetched updates on and finishes them; PTB drops what arrives after its
    # stop and leaves it unconfirmed, so Telegram delivers it again to the next run
    assert all(_texts(user, UNKNOWN) <= 1 for user in users)
    async with start_bot(sandbox, OTHER[runtime], db, clock):
        for user in users:
            await user.command("/nosuch2")
        await asyncio.gather(*(_replies(user, UNKNOWN, 2) for user in users))
        for user in users:  # a third round: every earlier update, redelivered or not, is done
            await user.command("/nosuch3")
        await asyncio.gather(*(_replies(user, UNKNOWN, 3) for user in users))
    assert [_texts(user, UNKNOWN) for user in users] == [3] * len(users)


async def test_the_bot_starts_once_get_me_stops_failing(
        runtime: str, tmp_path: Path, clock: FixedClock) -> None:
    time = FakeTime()
    server = SandboxServer(token=TOKEN, time_source=time)
    server.fail_next("getMe", status=502, times=3)
    server.fail_next("getMe", status=0, times=2)
    await server.start()
    try:
        async with start_bot(server, runtime, tmp_path / "getme.db", clock,
                             RetryPolicy(sleep=time.sleep)):
            alice = server.user(1001, "Alice", language_code="en")
            await alice.command("/nosuch")
            await _replies(alice, UNKNOWN, 1)
    finally:
        await server.stop()
    assert [status for _, status in server.failures] == [502, 502, 502, 0, 0]
    assert time.pauses[:5] == [0.5, 1.0, 2.0, 4.0, 8.0]


async def test_the_bot_starts_polling_once_delete_webhook_stops_failing(
        runtime: str, tmp_path: Path, clock: FixedClock) -> None:
    time = FakeTime()
    server = SandboxServer(token=TOKEN, time_source=time)
    server.fail_next("deleteWebhook", status=502, times=2)
    await server.start()
    try:
        async with start_bot(server, runtime, tmp_path / "webhook.db", clock,
                             RetryPolicy(sleep=time.sleep)):
            alice = server.user(1001, "Alice", language_code="en")
            await alice.command("/nosuch")
            await _replies(alice, UNKNOWN, 1)
    finally:
        await server.stop()
    assert server.failures == [("deletewebhook", 502)] * 2


async def test_ptb_stopping_after_its_token_was_rejected_while_polling_reports_the_rejection(
        sandbox: SandboxServer, tmp_path: Path, clock: FixedClock) -> None:
    alice = sandbox.user(1001, "Alice", language_code="en")
    # the BOT_TOKEN ConfigError, not "Application is still running" (a half stop)
    with pytest.raises(ConfigError, match="BOT_TOKEN"):
        async with start_bot(sandbox, "ptb", tmp_path / "revoked.db", clock) as bot:
            sandbox.fail_next("getUpdates", status=401, times=1000)
            await alice.command("/nosuch")  # ends the long poll; the next one is refused
            await asyncio.wait_for(asyncio.shield(bot.task), WAIT)
    assert bot.task.done()
    assert sandbox.failures and set(sandbox.failures) == {("getupdates", 401)}
