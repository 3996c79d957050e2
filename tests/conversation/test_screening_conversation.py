"""MSG-03 beyond relayed messages, through the real dispatcher (issue 10).

Boris applies with "…bob.ivanov@gmail.com или +7 912 345-67-89" in the cover letter: Alice's
application card shows both masked, support has a flag naming the cover letter with the text,
and Boris still reads his own letter as he wrote it. A project description with a phone is
masked for freelancers browsing it, not for its owner.
"""

from __future__ import annotations

from core.circumvention import MASK
from core.support import ItemKind
from storage.tables.market import applications, projects
from tests.conversation.conftest import ADMIN_ID
from tests.conversation.harness import BotHarness
from tests.conversation.market_kit import newest_id, post_project, team
from tests.conversation.relay_kit import open_items

CONTACT = "bob.ivanov@gmail.com или +7 912 345-67-89"


async def test_msg_03_contact_details_in_a_cover_letter_are_masked_and_flagged(
        bot: BotHarness) -> None:
    alice, boris, _carol = await team(bot)
    project_id = await post_project(alice)
    await boris.forge(f"pj:v:{project_id}")
    await boris.press_data(f"ap:new:{project_id}")
    await boris.say(f"Сделаю за неделю, двадцать корпусов за плечами. Пишите: {CONTACT}")
    await boris.say("800")
    assert CONTACT in boris.reply  # his own card reads as he wrote it
    assert "⚠️ Другие видят ваше поле «сопроводительное письмо»" in boris.reply  # warned
    application_id = await newest_id(bot, applications)
    await alice.forge(f"ap:v:{application_id}")
    assert f"Пишите: {MASK} или {MASK}" in alice.last_text
    assert "gmail" not in alice.last_text and "912" not in alice.last_text
    items = await open_items(bot)
    assert [(i.kind, i.subject_id, i.field, i.reason) for i in items] == [
        (ItemKind.FLAG, boris.id, "cover_letter", "email,phone")]
    assert items[0].excerpt is not None and CONTACT in items[0].excerpt
    admin = bot.user(ADMIN_ID, "Sam", "Admin", language_code="en")
    await admin.sign_up("client", "Sam", "Admin", "sam@example.com")
    await admin.command("/queue")
    await admin.press_data(f"sup:i:{items[0].id}")
    assert "Written in: cover letter" in admin.last_text and CONTACT in admin.last_text


async def test_msg_03_a_project_description_with_a_phone_is_masked_for_freelancers(
        bot: BotHarness) -> None:
    alice, boris, _carol = await team(bot)
    await alice.command("/post")
    await alice.say("Design a gearbox housing")
    await alice.say("Cast aluminium housing; questions to +7 912 345-67-89 any time.")
    await alice.press_data("pp:cat:cad")
    await alice.press_data("pp:kind:fixed")
    await alice.say("500-1000")
    await alice.press_data("pp:nodl")
    project_id = await newest_id(bot, projects)
    assert ("⚠️ Others read your project description with the phone numbers hidden."
            in alice.reply)
    await alice.press_data(f"pj:pub:{project_id}")
    await boris.forge(f"pj:v:{project_id}")
    assert f"questions to {MASK} any time" in boris.last_text
    await alice.forge(f"pj:v:{project_id}")
    assert "+7 912 345-67-89" in alice.last_text
    assert [i.field for i in await open_items(bot)] == ["project_description"]
