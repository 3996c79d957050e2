"""The outbox sender against the sandbox Bot API server with Telegram's flood limits on.

Everything runs on one invented time (see ``conftest``): the server's limiter, the sender's
limiter and sleeps, and the rows' clock. A 429 therefore means our limiter let through what
Telegram would refuse.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.outbox import MessageSender, SendLimiter
from bot.sandbox import SandboxServer
from storage import Database
from storage.tables.outbox import outbox
from tests.outbox.conftest import (
    Probe,
    VirtualTime,
    add_users,
    deliver_everything,
    enqueue,
    make_sender,
    unsent,
)

CHATS = list(range(5001, 5021))  # 20 chats


def _texts(server: SandboxServer, chat_id: int) -> list[str]:
    return [m.text or "" for m in server.users[chat_id].messages]


async def _sixty_messages(database: Database, server: SandboxServer) -> list[tuple[int, str]]:
    """60 messages, 3 to each of 20 chats, interleaved."""
    await add_users(database, server, CHATS)
    messages = [(chat, f"message {i} to {chat}") for i in range(3) for chat in CHATS]
    await enqueue(database, messages)
    return messages


async def test_every_message_is_delivered_once_within_the_flood_limits(
        database: Database, limited_server: SandboxServer, framework_sender: MessageSender,
        vt: VirtualTime) -> None:
    await _sixty_messages(database, limited_server)
    probe = Probe(framework_sender)
    sender = make_sender(database, probe, vt)

    delivered = await sender.drain()

    assert delivered == 60
    assert probe.refused_429 == 0
    for chat in CHATS:
        assert _texts(limited_server, chat) == [f"message {i} to {chat}" for i in range(3)]
    assert await unsent(database) == 0
    # 3 messages per chat at 1/s take at least 2 s. (Invented time passes only in the sender's
    # sleeps, which may overtake a request still on its way: a round can cost two windows.)
    assert 2.0 <= vt.seconds <= 6.1


async def test_marks_record_the_send_instant_and_one_attempt(
        database: Database, limited_server: SandboxServer, framework_sender: MessageSender,
        vt: VirtualTime) -> None:
    await _sixty_messages(database, limited_server)
    await make_sender(database, framework_sender, vt).drain()

    async with database.engine.connect() as connection:
        rows = (await connection.execute(select(outbox.c.sent_at, outbox.c.attempts))).all()
    assert len(rows) == 60
    assert {attempts for _, attempts in rows} == {1}
    assert all(vt.start <= sent_at <= vt.now() for sent_at, _ in rows)


async def test_a_sender_killed_mid_run_and_restarted_loses_nothing(
        database: Database, limited_server: SandboxServer, framework_sender: MessageSender,
        vt: VirtualTime) -> None:
    messages = await _sixty_messages(database, limited_server)
    crashing = Probe(framework_sender)
    first = make_sender(database, crashing, vt)
    run = asyncio.create_task(first.drain())
    # Kill it right after its 25th send succeeded, before that row could be marked.
    crashing.after_send = lambda n: run.cancel() if n == 25 else None
    with pytest.raises(asyncio.CancelledError):
        await run
    async with database.engine.connect() as connection:
        unmarked = {row.text for row in (await connection.execute(
            select(outbox.c.text).where(outbox.c.sent_at.is_(None)))).all()}
    # What Telegram had received at the crash (some answers never reached the dead sender).
    received_before = {text for chat in CHATS for text in _texts(limited_server, chat)}
    sent_but_unmarked = received_before & unmarked
    assert {text for _, text in crashing.delivered[-1:]} <= sent_but_unmarked
    assert 1 <= len(sent_but_unmarked) <= first.max_in_flight

    # The restarted sender takes the dead one's rows once their lease ends.
    vt.seconds += first.lease.total_seconds()
    second = make_sender(database, Probe(framework_sender), vt)
    await deliver_everything(second, database, vt)

    received = Counter(text for chat in CHATS for text in _texts(limited_server, chat))
    assert set(received) == {text for _, text in messages}  # nothing lost
    duplicated = {text for text, count in received.items() if count > 1}
    assert duplicated == sent_but_unmarked  # only the documented window is resent
    assert max(received.values()) == 2


async def test_429_is_waited_out_and_the_message_still_goes_once(
        database: Database, limited_server: SandboxServer, framework_sender: MessageSender,
        vt: VirtualTime) -> None:
    messages = await _sixty_messages(database, limited_server)
    probe = Probe(framework_sender)
    # A limiter that believes Telegram allows 5 a second per chat: the server refuses some.
    careless = SendLimiter(overall=100, per_chat=5, time_source=vt.unix)
    sender = make_sender(database, probe, vt, limiter=careless)

    await deliver_everything(sender, database, vt)

    assert probe.refused_429 > 0
    received = Counter(text for chat in CHATS for text in _texts(limited_server, chat))
    assert received == Counter(text for _, text in messages)


async def test_a_message_retried_after_429_is_not_overtaken_in_its_chat(
        database: Database, limited_server: SandboxServer, framework_sender: MessageSender,
        vt: VirtualTime) -> None:
    await _sixty_messages(database, limited_server)
    probe = Probe(framework_sender, refuse_once={f"message 0 to {CHATS[3]}",
                                                 f"message 1 to {CHATS[7]}"})
    await deliver_everything(make_sender(database, probe, vt), database, vt)

    assert probe.refused_429 == 2
    for chat in CHATS:
        assert _texts(limited_server, chat) == [f"message {i} to {chat}" for i in range(3)]


async def test_network_errors_back_off_and_retry(
        database: Database, limited_server: SandboxServer, framework_sender: MessageSender,
        vt: VirtualTime) -> None:
    await add_users(database, limited_server, CHATS[:1])
    await enqueue(database, [(CHATS[0], "first"), (CHATS[0], "second")])
    probe = Probe(framework_sender, fail_first=3)
    sender = make_sender(database, probe, vt, backoff=(2.0, 60.0))

    await deliver_everything(sender, database, vt)

    assert _texts(limited_server, CHATS[0]) == ["first", "second"]
    # Three failures in a row: pauses of 2, 4 and 8 s before the send that worked.
    assert vt.seconds >= 2 + 4 + 8
    async with database.engine.connect() as connection:
        rows = (await connection.execute(select(outbox.c.attempts, outbox.c.last_error))).all()
    assert sum(attempts for attempts, _ in rows) == 5
    assert all(error is None for _, error in rows)


async def test_a_message_telegram_refuses_for_good_is_marked_failed_not_retried(
        database: Database, limited_server: SandboxServer, framework_sender: MessageSender,
        vt: VirtualTime) -> None:
    await add_users(database, limited_server, [CHATS[0]])
    await add_users(database, None, [777])  # a user whose chat the server does not know
    await enqueue(database, [(777, "lost"), (CHATS[0], "fine")])
    probe = Probe(framework_sender)
    sender = make_sender(database, probe, vt)

    await sender.drain()
    vt.seconds += 3600
    await sender.drain()

    assert _texts(limited_server, CHATS[0]) == ["fine"]
    assert probe.attempts == 2
    async with database.engine.connect() as connection:
        failed = (await connection.execute(
            select(outbox.c.failed_at, outbox.c.last_error).where(outbox.c.chat_id == 777)
        )).one()
    assert failed.failed_at is not None and "chat not found" in failed.last_error.lower()


async def test_a_running_sender_wakes_when_a_row_is_committed(
        database: Database, limited_server: SandboxServer, framework_sender: MessageSender,
        vt: VirtualTime) -> None:
    await add_users(database, limited_server, [CHATS[0]])
    sender = make_sender(database, framework_sender, vt, poll_interval=3600.0)
    running = asyncio.create_task(sender.run())
    try:
        await asyncio.sleep(0)
        await enqueue(database, [(CHATS[0], "wake up")])
        message = await limited_server.users[CHATS[0]].wait_message(timeout=10)
        assert message.text == "wake up"
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)


async def test_a_rolled_back_change_sends_nothing(
        database: Database, limited_server: SandboxServer, framework_sender: MessageSender,
        vt: VirtualTime) -> None:
    await add_users(database, limited_server, [CHATS[0]])
    async with database.uow() as uow:
        from handlers.notify import notify

        await notify(uow, CHATS[0], "never")
        await uow.rollback()

    assert await make_sender(database, framework_sender, vt).drain() == 0
    assert _texts(limited_server, CHATS[0]) == []


async def test_the_lease_keeps_a_second_sender_off_claimed_rows(
        database: Database, limited_server: SandboxServer, framework_sender: MessageSender,
        vt: VirtualTime) -> None:
    await add_users(database, limited_server, [CHATS[0]])
    await enqueue(database, [(CHATS[0], "mine")])
    async with database.uow() as uow:
        claimed = await uow.outbox.claim_due(vt.now(), 10, timedelta(seconds=60))
        await uow.commit()
    assert [row.text for row in claimed] == ["mine"]

    other = make_sender(database, framework_sender, vt)
    assert await other.drain() == 0
    vt.seconds += 61
    assert await other.drain() == 1


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_two_sender_processes_share_the_outbox_without_sending_anything_twice(
        database: Database, limited_server: SandboxServer, framework_sender: MessageSender,
        vt: VirtualTime) -> None:
    await _sixty_messages(database, limited_server)
    other_process = Database(database.url, schema=database.schema)
    try:
        # Each process gets half of Telegram's overall budget (see bot.outbox).
        probes = [Probe(framework_sender), Probe(framework_sender)]
        senders = [make_sender(db, probe, vt, batch_size=8,
                               limiter=SendLimiter(overall=15, time_source=vt.unix))
                   for db, probe in zip((database, other_process), probes, strict=True)]
        await asyncio.gather(*(deliver_everything(sender, db, vt)
                               for sender, db in zip(senders, (database, other_process),
                                                     strict=True)))
    finally:
        await other_process.dispose()

    assert all(sender.sent for sender in senders)  # both took part
    assert sum(sender.sent for sender in senders) == 60
    assert [probe.refused_429 for probe in probes] == [0, 0]
    for chat in CHATS:  # each chat served by one process at a time: once each, in order
        assert _texts(limited_server, chat) == [f"message {i} to {chat}" for i in range(3)]


class Stalled:
    """A transport whose requests hang until released."""

    def __init__(self, busy_at: int) -> None:
        self.started: list[int] = []
        self.busy_at = busy_at
        self.busy = asyncio.Event()
        self.release = asyncio.Event()

    async def send_text(self, chat_id: int, text: str, keyboard: object) -> None:
        self.started.append(chat_id)
        if len(self.started) == self.busy_at:
            self.busy.set()
        await self.release.wait()


async def test_with_every_request_slot_busy_the_sender_waits_instead_of_spinning(
        database: Database, vt: VirtualTime) -> None:
    await add_users(database, None, CHATS)
    await enqueue(database, [(chat, "hello") for chat in CHATS])
    stalled = Stalled(busy_at=3)
    naps: list[float] = []

    async def sleep(seconds: float) -> None:
        naps.append(seconds)
        await vt.sleep(seconds)

    sender = make_sender(database, stalled, vt, max_in_flight=3)
    sender.sleep = sleep
    draining = asyncio.create_task(sender.drain())
    await asyncio.wait_for(stalled.busy.wait(), 10)
    naps_when_busy = len(naps)
    for _ in range(200):
        await asyncio.sleep(0)
    assert len(stalled.started) == 3
    assert len(naps) == naps_when_busy  # no busy loop while three requests hang
    stalled.release.set()
    assert await draining == len(CHATS)
