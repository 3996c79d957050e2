"""Relayed messages through the bot (MSG-01..03, PAY-06), as users see them."""

from __future__ import annotations

from datetime import timedelta

from core.circumvention import MASK
from core.messages import Message
from core.support import ItemKind
from handlers.contract import SendDocument, SendPhoto
from tests.conversation.harness import BotHarness
from tests.conversation.relay_kit import contract_between, deliver, open_items, people


async def test_msg_01_a_freelancer_writes_from_a_profile_button_and_the_employer_replies(
        bot: BotHarness) -> None:
    alice, bob, _ = await people(bot)
    await bob.forge(f"msg:new:{alice.id}")  # the Message button of Alice's profile card
    assert "Alice Smith" in bob.reply
    await bob.say("Hello! I can draw your part.")
    assert "Alice Smith" in bob.reply and await deliver(bot) == 1
    assert alice.last_text == "✉️ Bob Ivanov wrote:\n\nHello! I can draw your part."
    assert alice.buttons() == ["Reply", "Report"]
    await alice.press("Reply")
    assert "Bob Ivanov" in alice.reply
    await alice.say("Great, when can you start?")
    await deliver(bot)
    assert "Great, when can you start?" in bob.last_text
    assert "Alice Smith" in bob.last_text
    await bob.say("Tomorrow.")  # still writing to Alice: the dialog stays open
    await deliver(bot)
    assert alice.last_text.endswith("Tomorrow.")
    await bob.command("/cancel")
    assert await bot.dialog(bob.id) == (None, {})


async def _last_message(bot: BotHarness, a: int, b: int) -> Message:
    async with bot.database.uow() as uow:
        thread = await uow.relay.thread_between(a, b)
        assert thread is not None and thread.id is not None
        return (await uow.relay.messages(thread.id, 0, 1)).items[0]


async def test_msg_01_documents_and_photos_are_passed_on_by_file_id(bot: BotHarness) -> None:
    alice, bob, _ = await people(bot)
    await bob.forge(f"msg:new:{alice.id}")
    await bob.document("portfolio.pdf")
    file_id = (await _last_message(bot, alice.id, bob.id)).file_id
    assert file_id is not None and file_id.startswith("doc")
    await deliver(bot)
    assert "portfolio.pdf" in alice.last_text and "Bob Ivanov" in alice.last_text
    assert alice.buttons() == ["Open the file", "Reply", "Report"]
    actions = await alice.press("Open the file")
    documents = [a for a in actions if isinstance(a, SendDocument)]
    assert [d.file_id for d in documents] == [file_id]
    await bob.photo(caption="the front view")
    await deliver(bot)
    assert "the front view" in alice.last_text
    photos = [a for a in await alice.press("Open the file") if isinstance(a, SendPhoto)]
    assert len(photos) == 1 and photos[0].caption == "the front view"


async def test_msg_01_the_history_shows_both_sides_newest_page_first(bot: BotHarness) -> None:
    alice, bob, _ = await people(bot)
    await bob.forge(f"msg:new:{alice.id}")
    for n in range(12):
        bot.clock.advance(timedelta(minutes=1))
        await bob.say(f"note {n:02d}")
    await alice.command("/messages")
    assert alice.buttons()[0].startswith("Bob Ivanov")
    await alice.press(alice.buttons()[0])
    page = alice.last_text
    assert "Conversation with Bob Ivanov" in page
    assert "note 11" in page and "note 02" in page and "note 01" not in page
    assert page.index("note 02") < page.index("note 11")  # oldest of the page first
    await alice.press("‹ Older")
    assert "note 00" in alice.last_text and "note 01" in alice.last_text
    await bob.command("/messages")
    await bob.press(bob.buttons()[0])
    assert "Вы: note 11" in bob.last_text or "You: note 11" in bob.last_text


async def test_msg_03_contacts_before_a_contract_are_masked_flagged_and_the_sender_warned(
        bot: BotHarness) -> None:
    alice, bob, _ = await people(bot)
    await bob.forge(f"msg:new:{alice.id}")
    await bob.say("Пишите мне на bob at mail dot ru или +7 912 345-67-89")
    warning = bob.replies[0]
    assert "⚠️" in warning and "вне платформы" in warning  # in Bob's language (ru)
    await deliver(bot)
    assert alice.last_text == f"✉️ Bob Ivanov wrote:\n\nПишите мне на {MASK} или {MASK}"
    [flag] = await open_items(bot)
    assert (flag.kind, flag.subject_id, flag.reason) == (ItemKind.FLAG, bob.id, "email,phone")
    await bob.command("/messages")
    await bob.press(bob.buttons()[0])
    assert "bob at mail dot ru" in bob.last_text  # the sender sees what they wrote
    await alice.command("/messages")
    await alice.press(alice.buttons()[0])
    assert "bob at mail dot ru" not in alice.last_text and MASK in alice.last_text


async def test_pay_06_an_english_sender_is_warned_in_english_about_paying_outside(
        bot: BotHarness) -> None:
    alice, _, carol = await people(bot)
    await alice.forge(f"msg:new:{carol.id}")
    await alice.say("I'll pay you via paypal.me/alice to save the fee")
    assert "payment details" in alice.replies[0] and "outside the platform" in alice.replies[0]
    await deliver(bot)
    assert "paypal" not in carol.last_text


async def test_msg_03_with_an_accepted_contract_contacts_pass_unmasked(bot: BotHarness) -> None:
    alice, bob, _ = await people(bot)
    await contract_between(bot, alice.id, bob.id)
    await bob.forge(f"msg:new:{alice.id}")
    await bob.say("My phone is +7 912 345-67-89")
    assert len(bob.replies) == 1 and "⚠️" not in bob.reply
    await deliver(bot)
    assert alice.last_text.endswith("My phone is +7 912 345-67-89")
    assert await open_items(bot) == []


async def test_msg_02_the_recipient_reports_a_message_with_a_reason_once(
        bot: BotHarness) -> None:
    alice, bob, _ = await people(bot)
    await bob.forge(f"msg:new:{alice.id}")
    await bob.say("Send the money to my card instead, it's cheaper")
    await deliver(bot)
    await alice.press("Report")
    assert "Why are you reporting this message?" in alice.reply
    await alice.press("Asks to pay outside the platform")
    assert "Support will look at this message." in alice.reply
    [report] = await open_items(bot)
    assert (report.kind, report.reporter_id, report.subject_id) == (ItemKind.REPORT, alice.id,
                                                                    bob.id)
    assert report.reason == "Asks to pay outside the platform"
    await alice.press("Report")
    assert alice.answer is not None and "already reported" in (alice.answer.text or "")
    assert len(await open_items(bot)) == 1


async def test_msg_02_a_typed_reason_is_kept_and_nobody_reports_their_own_message(
        bot: BotHarness) -> None:
    alice, bob, _ = await people(bot)
    await bob.forge(f"msg:new:{alice.id}")
    await bob.say("Hi")
    await deliver(bot)
    report_data = alice.data_of("Report")
    before = await bot.dialog(bob.id)
    await bob.forge(report_data)
    assert bob.answer is not None and bob.answer.alert
    assert await bot.dialog(bob.id) == before
    await alice.press("Report")
    await alice.say("Keeps writing at night")
    [report] = await open_items(bot)
    assert report.reason == "Keeps writing at night"
