"""The behaviour both runtimes share: retries, per-chat order, menus, token redaction."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Literal

import pytest

from bot.runtimes.common import ChatLanes, Failure, RetryPolicy, call_with_retry, menu_plan
from bot.runtimes.redact import TokenRedactor
from core.accounts import Role, User
from handlers.menu import admin_commands, user_commands
from locales import LANGUAGES, translator

TOKEN = "123456:AAHsecretPART-xyz"


class Flaky:
    """Fails with the given failures in turn, then returns ``"ok"``."""

    def __init__(self, *failures: Failure) -> None:
        self.failures = list(failures)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            raise FailureError(self.failures.pop(0))
        return "ok"


class FailureError(Exception):
    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.kind)
        self.failure = failure


def classify(exc: BaseException) -> Failure:
    return exc.failure if isinstance(exc, FailureError) else Failure("fatal")


class Sleeps(list[float]):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


async def test_a_429_waits_retry_after_then_retries() -> None:
    call, sleeps = Flaky(Failure("flood", 7)), Sleeps()
    assert await call_with_retry(call, classify, sleep=sleeps) == "ok"
    assert (call.calls, sleeps) == (2, [7])


async def test_network_errors_back_off_exponentially_up_to_a_cap() -> None:
    call, sleeps = Flaky(*[Failure("transient")] * 5), Sleeps()
    policy = RetryPolicy(attempts=10, base_delay=1, max_delay=5)
    assert await call_with_retry(call, classify, policy, sleep=sleeps) == "ok"
    assert sleeps == [1, 2, 4, 5, 5]


async def test_retries_stop_after_the_attempt_limit() -> None:
    call, sleeps = Flaky(*[Failure("transient")] * 9), Sleeps()
    with pytest.raises(FailureError):
        await call_with_retry(call, classify, RetryPolicy(attempts=3), sleep=sleeps)
    assert call.calls == 3 and len(sleeps) == 2


@pytest.mark.parametrize("kind", ["fatal", "not_modified", "unauthorized"])
async def test_other_errors_are_raised_at_once(
        kind: Literal["fatal", "not_modified", "unauthorized"]) -> None:
    call, sleeps = Flaky(Failure(kind)), Sleeps()
    with pytest.raises(FailureError):
        await call_with_retry(call, classify, sleep=sleeps)
    assert call.calls == 1 and sleeps == []


async def test_updates_of_one_chat_run_in_order_while_other_chats_overtake() -> None:
    lanes, log = ChatLanes(), []
    gate = asyncio.Event()

    def job(chat: int, n: int, wait: bool = False) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            if wait:
                await gate.wait()
            log.append((chat, n))
        return run

    await lanes.submit(1, job(1, 1, wait=True))  # chat 1 is blocked on its first update
    await lanes.submit(1, job(1, 2))
    await lanes.submit(2, job(2, 1))
    await lanes.submit(1, job(1, 3))
    for _ in range(5):
        await asyncio.sleep(0)  # let the tasks run as far as they can (no wall clock)
    assert log == [(2, 1)]
    gate.set()
    await lanes.drain()
    assert log == [(2, 1), (1, 1), (1, 2), (1, 3)]
    assert lanes.in_flight == 0


async def test_a_failing_update_does_not_block_its_chat() -> None:
    lanes, done = ChatLanes(), []

    async def boom() -> None:
        raise RuntimeError("handler bug")

    async def fine() -> None:
        done.append(True)

    await lanes.submit(5, boom)
    await lanes.submit(5, fine)
    await lanes.drain()
    assert done == [True]


def test_the_menu_plan_covers_every_language_the_fallback_and_each_admin() -> None:
    known = {42: User(id=42, language="uk", roles={Role.EXPERT})}
    plan = menu_plan({42, 7}, default_language="ru", known=known)
    defaults = {m.language_code: m for m in plan if m.chat_id is None}
    assert set(defaults) == {"en", "ru", "uk", "es", None}
    ru = translator("ru")
    assert defaults[None].commands == tuple((n, ru(d)) for n, d in user_commands())
    assert defaults["es"].commands[0][1] == translator("es")(user_commands()[0][1])
    admin_menus = [m for m in plan if m.chat_id is not None]
    assert {m.chat_id for m in admin_menus} == {7, 42}
    cleared = [m for m in admin_menus if not m.commands]  # older per-language chat menus
    assert sorted((m.chat_id, m.language_code) for m in cleared) == sorted(
        (admin, language) for admin in (7, 42) for language in LANGUAGES)
    own = {m.chat_id: m for m in admin_menus if m.commands}
    assert all(m.language_code is None for m in own.values())
    staff = {n for n, _ in admin_commands()}
    for admin, menu in own.items():
        names = [n for n, _ in menu.commands]
        assert staff <= set(names)
        assert ("applications" in names) == (admin == 42)  # 42 is also a freelancer
    assert dict(own[42].commands)["help"] == translator("uk")("What this bot can do")
    assert dict(own[7].commands)["help"] == ru("What this bot can do")
    assert plan.index(cleared[0]) < plan.index(own[7])


def test_the_token_never_reaches_a_log_handler(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("tests.redaction")
    caplog.set_level(logging.DEBUG)
    with TokenRedactor(TOKEN):
        logger.info("POST https://api.telegram.org/bot%s/getMe", TOKEN)
        logger.debug(f"url=/bot{TOKEN}/sendMessage")
        try:
            raise ValueError(f"cannot reach /bot{TOKEN}/getUpdates")
        except ValueError:
            logger.exception("failed")
    text = caplog.text
    assert "AAHsecretPART-xyz" not in text
    assert "bot123456:<redacted>/getMe" in text and "failed" in text
    logger.info("after: %s", TOKEN)  # uninstalled: records are left alone again
    assert caplog.records[-1].getMessage().endswith(TOKEN)
