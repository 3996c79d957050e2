"""Who may read, write and report what (MSG-01/02, ACC-02): a third user never reaches a
thread of two others, however the callback data is forged; suspended users read only."""

from __future__ import annotations

import pytest

from handlers.contract import AnswerCallback, SendDocument, SendPhoto
from tests.conversation.harness import BotHarness, ChatUser
from tests.conversation.relay_kit import deliver, open_items, people

SECRET = "the secret plan for the bracket"


async def _thread_of_two(bot: BotHarness) -> tuple[ChatUser, ChatUser, ChatUser, int, int]:
    """Bob wrote Alice a text and a document; returns the users, the thread and message ids."""
    alice, bob, carol = await people(bot)
    await bob.forge(f"msg:new:{alice.id}")
    await bob.say(SECRET)
    await bob.document("secret.pdf")
    await bob.command("/cancel")
    await deliver(bot)
    async with bot.database.uow() as uow:
        thread = await uow.relay.thread_between(alice.id, bob.id)
        assert thread is not None and thread.id is not None
        newest = (await uow.relay.messages(thread.id, 0, 1)).items[0]
    assert newest.id is not None
    return alice, bob, carol, thread.id, newest.id


def _everything_said(user: ChatUser) -> str:
    """Every text of the last answer, alerts included."""
    alerts = [a.text or "" for a in user.actions if isinstance(a, AnswerCallback)]
    return "\n".join([*user.replies, *alerts])


@pytest.mark.parametrize("template", [
    "th:t:{thread}:0", "th:t:{thread}:1", "th:f:{message}", "th:f:{text_message}",
    "msg:w:{thread}", "msg:rep:{message}", "msg:rep:{text_message}",
    "msg:rr:{text_message}:spam", "msg:rr:{message}:fraud",
])
async def test_msg_01_a_third_user_never_reads_posts_or_reports_in_someone_elses_thread(
        bot: BotHarness, template: str) -> None:
    alice, bob, carol, thread_id, message_id = await _thread_of_two(bot)
    data = template.format(thread=thread_id, message=message_id, text_message=message_id - 1)
    before = await bot.dialog(carol.id)
    actions = await carol.forge(data)
    said = _everything_said(carol)
    assert SECRET not in said and "secret.pdf" not in said
    assert "does not exist or is not yours" in said
    assert not [a for a in actions if isinstance(a, SendDocument | SendPhoto)]
    assert await bot.dialog(carol.id) == before
    assert await open_items(bot) == []
    # ...and the participants still can.
    actions = await alice.forge(f"th:f:{message_id}")
    assert [a.file_id for a in actions if isinstance(a, SendDocument)]


async def test_msg_01_a_third_user_in_compose_with_a_forged_draft_cannot_post(
        bot: BotHarness) -> None:
    alice, bob, carol, thread_id, _ = await _thread_of_two(bot)
    await carol.forge(f"msg:w:{thread_id}")  # refused: no dialog started
    assert await bot.dialog(carol.id) == (None, {})
    await carol.say("hello both")
    assert await deliver(bot) == 0


@pytest.mark.parametrize("data", [
    "msg:w:abc", "msg:w:", "msg:new:-5", "msg:rep:1:2", "msg:rr:1:unknown", "msg:zz:1",
    "th:t:1", "th:l:x", "th:l:99999999999999999999", "th:f:", "th", "msg",
    "msg:w:²", "th:f:١٢", "th:t:1:²", "rpt:²", "rpt:", "msg:new:1:2",
])
async def test_malformed_relay_buttons_are_stale_and_change_nothing(bot: BotHarness,
                                                                    data: str) -> None:
    _, _, carol = await people(bot)
    await carol.forge(data)
    assert carol.answer is not None and carol.answer.alert
    assert await bot.dialog(carol.id) == (None, {})


async def test_msg_01_nobody_writes_to_themselves_to_strangers_or_to_unknown_ids(
        bot: BotHarness) -> None:
    alice, _, _ = await people(bot)
    stranger = bot.user(2001, "Sid")
    await stranger.command("/help")  # known to the bot but never signed up: no public card
    await alice.forge(f"msg:new:{alice.id}")
    assert "yourself" in _everything_said(alice)
    await alice.forge(f"msg:new:{stranger.id}")
    assert "public profile" in _everything_said(alice)
    await alice.forge("msg:new:424242")
    assert "no such user" in _everything_said(alice)
    assert await bot.dialog(alice.id) == (None, {})


async def test_acc_02_a_suspended_user_reads_and_reports_threads_but_cannot_write(
        bot: BotHarness) -> None:
    alice, bob, _, thread_id, message_id = await _thread_of_two(bot)
    await alice.forge(f"msg:w:{thread_id}")  # Alice starts a reply...
    await bot.suspend(alice.id, "payment fraud")
    await alice.say("are you there?")  # ...and is suspended before sending it
    assert "Reason: payment fraud" in alice.reply
    assert await deliver(bot) == 0
    await alice.command("/messages")
    await alice.press(alice.buttons()[0])
    assert SECRET in alice.last_text  # reading is still allowed
    for data in (f"msg:w:{thread_id}", f"msg:new:{bob.id}"):
        await alice.forge(data)
        assert "Reason: payment fraud" in _everything_said(alice)
    assert await open_items(bot) == []
    await alice.forge(f"msg:rep:{message_id}")  # MSG-02: reporting stays open (ACC-02, decided)
    await alice.forge(f"msg:rr:{message_id}:pay")
    assert "Support will look at this message" in alice.reply
    [item] = await open_items(bot)
    assert (item.reporter_id, item.message_id) == (alice.id, message_id)
