"""The sender's flood limiter on an invented time source: Telegram never has to refuse."""

from __future__ import annotations

import math
import random

from bot.outbox import SendLimiter
from bot.outbox_limiter import Slot
from bot.sandbox.limiter import CHAT_BURST, RateLimiter
from bot.sandbox.params import ApiError


class Time:
    """Seconds moved by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_one_message_per_second_per_chat_counting_from_the_answer() -> None:
    time = Time()
    limiter = SendLimiter(time_source=time)
    slot = limiter.start(1)
    assert limiter.wait_time(1) == math.inf  # its request is still open
    assert limiter.wait_time(2) == 0
    time.now = 0.3
    limiter.finish(slot)
    assert 1.0 <= limiter.wait_time(1) <= 1.01
    time.now = 1.31
    assert limiter.wait_time(1) == 0


def test_at_most_thirty_a_second_overall() -> None:
    time = Time()
    limiter = SendLimiter(time_source=time)
    for chat in range(30):
        assert limiter.wait_time(chat) == 0
        limiter.finish(limiter.start(chat))
    assert 1.0 <= limiter.wait_time(99) <= 1.01
    time.now = 1.01
    assert limiter.wait_time(99) == 0


def test_a_pause_holds_every_chat() -> None:
    time = Time()
    limiter = SendLimiter(time_source=time)
    limiter.pause(7)
    assert limiter.wait_time(5) == 7
    time.now = 7
    assert limiter.wait_time(5) == 0


def test_a_random_load_paced_by_the_limiter_is_never_refused_by_telegrams_rules() -> None:
    rng = random.Random(7)
    time = Time()
    ours = SendLimiter(time_source=time)
    telegram = RateLimiter(time)
    open_slots: list[tuple[float, Slot]] = []
    sent = 0
    while sent < 2000:
        chat = rng.randrange(40)
        wait = ours.wait_time(chat)
        if wait == 0:
            slot = ours.start(chat)
            time.now += rng.random() * 0.02  # the request travels
            telegram.check(chat)  # raises ApiError(429) if a limit is broken
            open_slots.append((time.now + rng.random() * 0.05, slot))
            sent += 1
        else:
            time.now += 0.001 if wait == math.inf else min(wait, 0.01)
        for answered_at, slot in [s for s in open_slots if s[0] <= time.now]:
            ours.finish(slot)
            open_slots.remove((answered_at, slot))
    assert sent == 2000
    assert time.now < 2000 / 30 * 1.5  # and it kept close to the allowed rate


def test_telegrams_rules_refuse_what_an_unpaced_sender_does() -> None:
    time = Time()
    telegram = RateLimiter(time)
    for _ in range(CHAT_BURST):  # Telegram tolerates a short burst in a chat
        telegram.check(1)
    try:
        telegram.check(1)
    except ApiError as refusal:
        assert refusal.code == 429
    else:
        raise AssertionError("a message past the burst within a second was accepted")


def test_chats_that_went_quiet_are_forgotten() -> None:
    time = Time()
    limiter = SendLimiter(overall=1, time_source=time)
    for chat in range(2000):
        limiter.finish(limiter.start(chat))
        time.now += 2
    limiter.finish(limiter.start(5))
    assert len(limiter._chats) < 1100
    assert limiter.wait_time(5) > 0  # a chat that is not quiet still counts
