"""Replies wait for the shared send budget and 429s are counted (the retry policy's hooks)."""

from __future__ import annotations

from bot.metrics import Metrics
from bot.runtimes.common import Failure, RetryPolicy, call_with_retry
from bot.send_budget import NoSharedBudget, reply_pacer


class Flood(Exception):
    """A 429."""


async def test_pace_is_awaited_before_every_attempt_and_each_429_is_reported() -> None:
    paced: list[str] = []
    floods: list[float] = []
    answers: list[Exception | str] = [Flood(), Flood(), "ok"]

    async def pace(what: str) -> None:
        paced.append(what)

    async def call() -> str:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def no_wait(_seconds: float) -> None:
        return None

    policy = RetryPolicy(sleep=no_wait, pace=pace, on_flood=floods.append)
    assert await call_with_retry(call, lambda _exc: Failure("flood", 3.0), policy,
                                 what="Send") == "ok"
    assert paced == ["Send", "Send", "Send"]
    assert floods == [3.0, 3.0]


async def test_only_counted_sends_take_a_token_and_a_lone_process_shares_nothing() -> None:
    taken: list[int | None] = []

    class Budget:
        async def take(self, chat_id: int | None) -> None:
            taken.append(chat_id)

    pace = reply_pacer(Budget())
    assert pace is not None
    for what in ("Send", "Edit", "SendInvoice", "AnswerCallback", "AnswerPreCheckout"):
        await pace(what)
    assert taken == [None, None, None]
    assert reply_pacer(NoSharedBudget()) is None


async def test_metrics_count_reply_floods_and_updates_by_kind_and_outcome() -> None:
    metrics = Metrics()
    metrics.reply_flood(1.0)
    page = (await metrics.render()).decode()
    assert 'bot_telegram_429_total{source="reply"} 1.0' in page
    assert 'bot_telegram_429_total{source="outbox"} 0.0' in page
