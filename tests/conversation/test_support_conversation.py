"""Support basics (ACC-02..04) as staff and users see them, with the audit log (ACC-03)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.accounts import Role
from core.support import AuditAction, ItemKind, ItemStatus, QueueItem
from handlers.contract import AnswerCallback
from tests.conversation.conftest import ADMIN_ID
from tests.conversation.harness import BotHarness, ChatUser
from tests.conversation.relay_kit import audit_rows, deliver, open_items, people


async def _staff(bot: BotHarness) -> tuple[ChatUser, ChatUser, ChatUser, ChatUser, ChatUser]:
    """Alice, Bob, Carol, the admin, and Sam whom the admin made support."""
    alice, bob, carol = await people(bot)
    admin = bot.user(ADMIN_ID, "Ada", "Admin", username="ada")
    sam = bot.user(1010, "Sam", "Support", username="sam")
    await sam.sign_up("expert", "Sam", "Support", "sam@example.com")
    await admin.command("/grant_support @sam new colleague")
    assert "Sam Support" in admin.reply and "support role" in admin.reply
    return alice, bob, carol, admin, sam


def _said(user: ChatUser) -> str:
    alerts = [a.text or "" for a in user.actions if isinstance(a, AnswerCallback)]
    return "\n".join([*user.replies, *alerts])


async def test_acc_02_support_suspends_a_user_who_can_read_but_not_act_then_reinstates(
        bot: BotHarness) -> None:
    alice, bob, _, _, sam = await _staff(bot)
    await deliver(bot)
    assert "/queue" in sam.last_text  # told in their language that they are support now
    await sam.command("/suspend @bob asked clients to pay outside the platform")
    assert "Bob Ivanov" in sam.reply
    await deliver(bot)
    assert "asked clients to pay outside the platform" in bob.last_text
    for reading in ("/help", "/profile", "/messages"):
        await bob.command(reading)
        assert "asked clients to pay outside" not in bob.reply, reading
    await bob.forge(f"msg:new:{alice.id}")
    assert "asked clients to pay outside the platform" in _said(bob)
    await bob.command("/verify_email")
    assert "asked clients to pay outside the platform" in bob.reply
    await bob.command("/report @alice she is rude")  # ACC-04: reporting stays open (decided)
    assert bob.reply == "Спасибо. Ваша жалоба передана в поддержку."
    await sam.command("/reinstate @bob appealed, first warning")
    await bob.forge(f"msg:new:{alice.id}")
    assert "Alice Smith" in bob.reply
    assert (await bot.stored(bob.id)).suspended_reason is None


async def test_acc_03_every_support_action_is_audited_with_who_when_what_and_why(
        bot: BotHarness) -> None:
    _, bob, carol, admin, sam = await _staff(bot)
    bot.clock.advance(timedelta(minutes=1))
    await sam.command("/suspend 1002 spam in messages")
    await sam.command("/reinstate @bob promised to stop")
    await carol.command("/report @bob took an advance and vanished")
    [item] = await open_items(bot)
    await sam.forge(f"sup:c:{item.id}:d")
    await sam.say("no evidence yet")
    await admin.command("/revoke_support @sam moved to another team")
    rows = await audit_rows(bot)
    assert [(r.action, r.actor_id, r.target_id, r.reason) for r in rows] == [
        (AuditAction.REVOKE_SUPPORT, ADMIN_ID, sam.id, "moved to another team"),
        (AuditAction.DISMISS, sam.id, bob.id, "no evidence yet"),
        (AuditAction.REINSTATE, sam.id, bob.id, "promised to stop"),
        (AuditAction.SUSPEND, sam.id, bob.id, "spam in messages"),
        (AuditAction.GRANT_SUPPORT, ADMIN_ID, sam.id, "new colleague"),
    ]
    assert rows[0].created_at == bot.clock.now() and rows[1].item_id == item.id
    await admin.command("/audit @bob")
    assert admin.reply.count("Sam Support") == 3 and "spam in messages" in admin.reply
    assert "new colleague" not in admin.reply
    await admin.command("/audit")
    assert "new colleague" in admin.reply and "moved to another team" in admin.reply


async def test_acc_04_a_fraud_report_from_any_user_reaches_the_queue_and_is_resolved(
        bot: BotHarness) -> None:
    alice, bob, _, _, sam = await _staff(bot)
    await alice.forge(f"rpt:{bob.id}")  # the Report button of Bob's profile card
    assert "Bob Ivanov" in alice.reply
    await alice.say("He took the advance and disappeared")
    assert "reached support" in alice.reply
    await sam.command("/queue")
    assert sam.buttons() == ["#1 · fraud report · Bob Ivanov"]
    await sam.press(sam.buttons()[0])
    card = sam.last_text
    assert "He took the advance and disappeared" in card and "Alice Smith" in card
    await sam.press("Resolve")
    await sam.say("Refunded the client; warned the freelancer")
    assert "Item #1 resolved." in sam.reply
    assert await open_items(bot) == []
    [entry, _grant] = await audit_rows(bot)
    assert (entry.action, entry.item_id, entry.target_id) == (AuditAction.RESOLVE, 1, bob.id)


async def test_msg_03_support_sees_a_flag_with_its_message_thread_and_what_was_hidden(
        bot: BotHarness) -> None:
    alice, bob, _, _, sam = await _staff(bot)
    await bob.forge(f"msg:new:{alice.id}")
    await bob.say("skype: bob.ivanov, pay me there")
    await sam.command("/queue")
    await sam.press(sam.buttons()[0])
    card = sam.last_text
    assert "skype: bob.ivanov, pay me there" in card  # the original, for support
    assert "messenger contacts" in card and "Alice Smith" in card and "Bob Ivanov" in card
    await sam.press("Dismiss")
    await sam.say("Harmless")
    async with bot.database.uow() as uow:
        item = await uow.support.get_item(1)
    assert item is not None and await open_items(bot) == []
    assert (item.kind, item.status, item.note, item.handled_by) == (
        ItemKind.FLAG, ItemStatus.DISMISSED, "Harmless", sam.id)


@pytest.mark.parametrize("line", [
    "/queue", "/audit", "/audit @bob", "/suspend @bob x", "/reinstate @bob",
    "/grant_support @carol", "/revoke_support @sam",
])
async def test_acc_02_users_without_the_role_cannot_run_support_commands(
        bot: BotHarness, line: str) -> None:
    _, bob, carol, _, _ = await _staff(bot)
    await carol.command(line)
    needed = "administrators" if "support @" in line else "support staff"
    assert carol.reply == f"{line.split()[0]} is for {needed} only."
    assert (await bot.stored(bob.id)).suspended_reason is None
    assert Role.SUPPORT not in (await bot.stored(carol.id)).roles
    assert len(await audit_rows(bot)) == 1  # the grant of the fixture only


@pytest.mark.parametrize("data", [
    "sup:q:0", "sup:i:1", "sup:c:1:r", "sup:c:1:d", "sup:a:0:0", "sup:a:1002:0",
])
async def test_acc_02_forged_support_buttons_show_nothing_to_users(bot: BotHarness,
                                                                   data: str) -> None:
    alice, bob, carol, _, _ = await _staff(bot)
    await alice.command("/report @bob secret evidence of fraud")
    await carol.forge(data)
    said = _said(carol)
    assert "Only support can do this." in said and "secret evidence" not in said
    assert await bot.dialog(carol.id) == (None, {})
    assert [i.status for i in await open_items(bot)] == [ItemStatus.OPEN]


@pytest.mark.parametrize("data", ["sup:i:²", "sup:c:1:x", "sup:c:²:r", "sup:a:0", "sup:q:-1",
                                  "sup:a:0:99999999", "sup"])
async def test_malformed_support_buttons_are_stale_even_for_staff(bot: BotHarness,
                                                                  data: str) -> None:
    alice, _, _, _, sam = await _staff(bot)
    await alice.command("/report @bob fraud attempt")
    await sam.forge(data)
    assert sam.answer is not None and sam.answer.alert
    assert "Only support" not in _said(sam)
    assert await bot.dialog(sam.id) == (None, {})


async def test_acc_02_support_cannot_grant_roles_or_touch_admins_support_or_itself(
        bot: BotHarness) -> None:
    _, bob, carol, admin, sam = await _staff(bot)
    await sam.command("/grant_support @carol")
    assert sam.reply == "/grant_support is for administrators only."
    await sam.command(f"/suspend {ADMIN_ID} abuse")
    assert "administrator" in sam.reply
    await sam.command("/suspend @sam testing")
    assert "your own account" in sam.reply
    await admin.command("/grant_support @carol")
    await sam.command("/suspend @carol abuse")
    assert "Only an administrator can suspend" in sam.reply
    await admin.command("/suspend @carol abuse of the role")
    assert (await bot.stored(carol.id)).suspended_reason == "abuse of the role"
    assert [r.action for r in await audit_rows(bot)] == [
        AuditAction.SUSPEND, AuditAction.GRANT_SUPPORT, AuditAction.GRANT_SUPPORT]


async def test_support_commands_explain_their_arguments_and_unknown_users(
        bot: BotHarness) -> None:
    _, bob, _, _, sam = await _staff(bot)
    await sam.command("/suspend @bob")
    assert "Usage: /suspend" in sam.reply
    await sam.command("/suspend @nobody spam")
    assert "There is no user @nobody" in sam.reply
    for who in ("²", "99999999999999999999", "-1002", "@"):
        await sam.command(f"/suspend {who} spam")
        assert f"There is no user {who}" in sam.reply
    await sam.command("/suspend @bob x")
    assert "at least 3 characters" in sam.reply
    await sam.command("/reinstate @bob")
    assert "not suspended" in sam.reply
    await bob.command("/report @bob myself")
    assert "Нельзя пожаловаться на самого себя." in bob.reply  # in his language (ru)
    assert len(await audit_rows(bot)) == 1


async def test_acc_02_a_support_member_whose_role_is_revoked_mid_dialog_cannot_close_items(
        bot: BotHarness) -> None:
    alice, _, _, admin, sam = await _staff(bot)
    await alice.command("/report @bob fraud attempt")
    await sam.command("/queue")
    await sam.press(sam.buttons()[0])
    await sam.press("Resolve")
    await admin.command("/revoke_support @sam")
    await sam.say("closing it")
    assert "Only support can do this." in sam.reply
    assert [i.status for i in await open_items(bot)] == [ItemStatus.OPEN]


async def test_acc_04_the_report_button_of_a_public_profile_card_reaches_the_queue(
        bot: BotHarness) -> None:
    alice, bob, _, _, _ = await _staff(bot)
    await alice.forge(f"pf:v:{bob.id}")  # Alice opens Bob's public card
    assert "Report" in alice.buttons() and "Message" in alice.buttons()
    await alice.press("Report")
    await alice.say("Asked for an advance outside the platform")
    [item] = await open_items(bot)
    assert (item.kind, item.subject_id, item.reporter_id) == (ItemKind.FRAUD, bob.id, alice.id)


async def test_ms_08_a_milestone_dispute_leaves_the_queue_only_through_resolve(
        bot: BotHarness) -> None:
    alice, bob, _, _, sam = await _staff(bot)
    async with bot.database.uow() as uow:
        item = await uow.support.add_item(QueueItem(
            kind=ItemKind.DISPUTE, subject_id=bob.id, reporter_id=alice.id,
            reason="Only half of the drawings", created_at=bot.clock.now()))
        await uow.commit()
    await sam.command("/queue")
    await sam.press(sam.buttons()[0])
    assert "Open the dispute" in sam.buttons()
    assert "Resolve" not in sam.buttons() and "Dismiss" not in sam.buttons()
    await sam.forge(f"sup:c:{item.id}:r")  # a forged close of the dispute's item
    assert "A milestone dispute is decided with /resolve" in _said(sam)
    await sam.say("closed it")
    assert [(i.id, i.status) for i in await open_items(bot)] == [(item.id, ItemStatus.OPEN)]
