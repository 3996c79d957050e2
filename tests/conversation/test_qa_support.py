"""QA of the staff side (ACC-02..04, MSG-02/03): what support sees must fit in one message."""

from __future__ import annotations

from core.messages import MESSAGE_MAX
from handlers.contract import SendDocument, SendPhoto
from tests.conversation.conftest import ADMIN_ID
from tests.conversation.harness import BotHarness
from tests.conversation.relay_kit import audit_rows, open_items, people

TELEGRAM_TEXT_MAX = 4096


async def test_msg_03_the_queue_card_of_a_longest_flagged_message_fits_in_one_telegram_message(
        bot: BotHarness) -> None:
    alice, bob, _ = await people(bot)
    admin = bot.user(ADMIN_ID, "Ада", "Адміністратор", username="ada", language_code="uk")
    await bob.forge(f"msg:new:{alice.id}")
    await bob.say(("write to me: a@b.co " * 200)[:MESSAGE_MAX])  # masked: text != delivered
    [item] = await open_items(bot)
    await admin.command("/queue")
    await admin.press_data(f"sup:i:{item.id}")
    card = admin.reply
    assert "Bob Ivanov" in card and "a@b.co" in card and "[•••]" in card
    assert len(card) <= TELEGRAM_TEXT_MAX


async def test_msg_02_a_report_card_with_a_long_reason_and_long_message_fits_after_closing(
        bot: BotHarness) -> None:
    alice, bob, _ = await people(bot)
    admin = bot.user(ADMIN_ID, "Ada", "Admin", username="ada")
    await bob.forge(f"msg:new:{alice.id}")
    await bob.say("x" * MESSAGE_MAX)
    async with bot.database.uow() as uow:
        thread = await uow.relay.thread_between(alice.id, bob.id)
        assert thread is not None and thread.id is not None
        message_id = (await uow.relay.messages(thread.id, 0, 1)).items[0].id
    await alice.forge(f"msg:rep:{message_id}")
    await alice.say("r" * 500)
    [item] = await open_items(bot)
    await admin.forge(f"sup:c:{item.id}:d")
    await admin.say("n" * 500)
    await admin.forge(f"sup:i:{item.id}")
    assert "r" * 100 in admin.reply and "n" * 100 in admin.reply
    assert len(admin.reply) <= TELEGRAM_TEXT_MAX


async def test_acc_03_an_audit_page_of_long_reasons_fits_in_one_telegram_message(
        bot: BotHarness) -> None:
    _, bob, _ = await people(bot)
    admin = bot.user(ADMIN_ID, "Ada", "Admin", username="ada", language_code="es")
    for n in range(8):
        await admin.command(f"/suspend @bob {n} " + "pidió pagos fuera de la plataforma " * 14)
        assert "Bob Ivanov" in admin.reply
        await admin.command(f"/reinstate @bob {n} " + "apeló y prometió no repetirlo " * 16)
        assert "Bob Ivanov" in admin.reply
    await admin.command("/audit @bob")
    log = admin.reply
    assert "Bob Ivanov" in log and "pidió pagos" in log and "apeló" in log
    assert len(log) <= TELEGRAM_TEXT_MAX
    assert admin.buttons()  # the older entries are one page away


async def test_acc_01_an_admin_granting_support_to_an_admin_or_themself_is_refused_unaudited(
        bot: BotHarness) -> None:
    admin = bot.user(ADMIN_ID, "Ада", "Адмін", username="ada", language_code="uk")
    await admin.command("/start")
    await admin.command("/grant_support @ada")
    assert "адміністратор" in admin.reply
    await admin.command(f"/grant_support {ADMIN_ID} just in case")
    assert "адміністратор" in admin.reply
    stored = await bot.stored(ADMIN_ID)
    assert stored.roles == {role for role in stored.roles if role.value != "support"}
    await admin.command("/audit")
    assert "Журнал дій" in admin.reply and "@ada (id 900):" not in admin.reply


async def test_msg_02_support_can_open_the_reported_photo_or_document_others_cannot(
        bot: BotHarness) -> None:
    alice, bob, carol = await people(bot)
    admin = bot.user(ADMIN_ID, "Ada", "Admin", username="ada", language_code="ru")
    await bob.forge(f"msg:new:{alice.id}")
    await bob.photo(caption="look")
    async with bot.database.uow() as uow:
        thread = await uow.relay.thread_between(alice.id, bob.id)
        assert thread is not None and thread.id is not None
        message = (await uow.relay.messages(thread.id, 0, 1)).items[0]
    await alice.forge(f"msg:rep:{message.id}")
    await alice.press_data(f"msg:rr:{message.id}:abuse")
    [item] = await open_items(bot)
    await admin.command("/queue")
    await admin.press_data(f"sup:i:{item.id}")
    photos = [a for a in await admin.press_data(f"sup:f:{item.id}") if isinstance(a, SendPhoto)]
    assert [(p.file_id, p.caption) for p in photos] == [(message.file_id, "look")]
    await carol.command("/help")
    sent = await carol.forge(f"sup:f:{item.id}")
    assert not [a for a in sent if isinstance(a, SendPhoto | SendDocument)]


async def test_acc_03_a_note_for_an_item_another_agent_closed_meanwhile_ends_the_note_dialog(
        bot: BotHarness) -> None:
    alice, bob, _ = await people(bot)
    admin = bot.user(ADMIN_ID, "Ada", "Admin", username="ada", language_code="ru")
    sam = bot.user(1010, "Sam", "Support", username="sam", language_code="es")
    await sam.sign_up("expert", "Sam", "Support", "sam@example.com", language="es")
    await admin.command("/grant_support @sam")
    await bob.forge(f"msg:new:{alice.id}")
    await bob.say("call me +7 999 123 45 67")
    [item] = await open_items(bot)
    for agent, how in ((admin, "r"), (sam, "d")):
        await agent.command("/queue")
        await agent.press_data(f"sup:i:{item.id}")
        await agent.press_data(f"sup:c:{item.id}:{how}")
    await admin.say("warned him")
    await sam.say("nada que hacer")
    assert "ya fue atendido" in sam.reply
    assert await bot.dialog(sam.id) == (None, {})
    assert [row.reason for row in await audit_rows(bot, bob.id)] == ["warned him"]


async def test_acc_02_a_reason_typed_on_a_new_line_after_the_user_is_understood(
        bot: BotHarness) -> None:
    alice, bob, _ = await people(bot)
    admin = bot.user(ADMIN_ID, "Ada", "Admin", username="ada", language_code="ru")
    await admin.command("/suspend @bob\nпросил оплату на карту")
    assert "Bob Ivanov" in admin.reply
    assert (await bot.stored(bob.id)).suspended_reason == "просил оплату на карту"
    await alice.command("/report  @bob\nasked me to pay by card")
    assert "support" in alice.reply
    assert [item.reason for item in await open_items(bot)] == ["asked me to pay by card"]
    await admin.command("/suspend")
    assert "/suspend" in admin.reply
    await admin.command("/reinstate   ")
    assert "/reinstate" in admin.reply


async def test_msg_02_a_reported_photo_without_a_caption_is_named_in_the_agents_language(
        bot: BotHarness) -> None:
    alice, bob, _ = await people(bot)
    admin = bot.user(ADMIN_ID, "Ada", "Admin", username="ada", language_code="uk")
    await bob.forge(f"msg:new:{alice.id}")
    await bob.photo()
    async with bot.database.uow() as uow:
        thread = await uow.relay.thread_between(alice.id, bob.id)
        assert thread is not None and thread.id is not None
        message = (await uow.relay.messages(thread.id, 0, 1)).items[0]
    await alice.forge(f"msg:rep:{message.id}")
    await alice.press_data(f"msg:rr:{message.id}:abuse")
    [item] = await open_items(bot)
    await admin.command("/queue")
    await admin.press_data(f"sup:i:{item.id}")
    assert "📎 фото" in admin.reply and "photo" not in admin.reply
