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
from tests.conversation.market_kit import apply_to, deliver, newest_id, offer, post_project, team
from tests.conversation.relay_kit import contract_between, open_items, people

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


async def test_msg_03_notices_quote_a_project_title_masked_until_a_contract(
        bot: BotHarness) -> None:
    """Every outbox notice that quotes the client's title reads it as its recipient may: the
    offer notice and the offer's card masked for the freelancer, the owner's own notices (new
    application, withdrawal, accepted) as she wrote it, the end notice after the accepted
    contract unmasked."""
    alice, boris, carol = await team(bot)
    phone = "+7 912 345-67-89"
    project_id = await post_project(alice, title=f"Gearbox housing, call {phone}")
    await deliver(bot)
    await boris.forge(f"pj:v:{project_id}")
    await boris.press_data(f"ap:new:{project_id}")  # the apply dialog's first prompt
    assert f"Gearbox housing, call {MASK}" in boris.last_text and "912" not in boris.last_text
    await boris.command("/cancel")
    application_id = await apply_to(boris, project_id)
    await apply_to(carol, project_id)
    await deliver(bot)
    assert phone in alice.last_text  # her own title, in the new-application notice
    await carol.press_data(f"ap:wd:{await newest_id(bot, applications)}")
    await deliver(bot)
    assert "withdrew" in alice.last_text and phone in alice.last_text
    contract_id = await offer(alice, application_id)
    await deliver(bot)
    assert f"Gearbox housing, call {MASK}" in boris.last_text and "912" not in boris.last_text
    await boris.press_data(f"ct:v:{contract_id}")  # the offer's card, before acceptance
    assert MASK in boris.last_text and "912" not in boris.last_text
    await boris.press_data(f"ct:ok:{contract_id}")
    assert phone in boris.last_text  # the accepted contract's card
    await deliver(bot)
    assert "accepted" in alice.last_text and phone in alice.last_text
    await alice.forge(f"ct:er:{contract_id}:c")
    await deliver(bot)
    assert phone in boris.last_text and MASK not in boris.last_text  # the end notice


async def test_msg_03_a_document_named_with_a_phone_is_masked_for_the_recipient(
        bot: BotHarness) -> None:
    """A relayed document's file name is text its sender wrote for the recipient: before a
    contract the notice and the recipient's history show it masked and support is told; the
    sender reads it as they named it; after a contract it is passed on as it is."""
    alice, bob, _carol = await people(bot)
    await bob.forge(f"msg:new:{alice.id}")
    await bob.document("cv call +7 912 345-67-89.pdf")
    assert "⚠️" in bob.replies[0]  # PAY-06: the sender is warned
    await deliver(bot)
    assert f"cv call {MASK}.pdf" in alice.last_text and "912" not in alice.last_text
    assert [(i.kind, i.subject_id) for i in await open_items(bot)] == [(ItemKind.FLAG, bob.id)]
    await alice.command("/messages")
    await alice.press(alice.buttons()[0])
    assert f"cv call {MASK}.pdf" in alice.last_text and "912" not in alice.last_text
    assert "912" not in " ".join(alice.buttons())
    await bob.command("/cancel")
    await bob.command("/messages")
    await bob.press(bob.buttons()[0])
    assert "cv call +7 912 345-67-89.pdf" in bob.last_text
    await contract_between(bot, alice.id, bob.id)
    await bob.forge(f"msg:new:{alice.id}")
    await bob.document("drawings +7 912 345-67-89.pdf")
    await deliver(bot)
    assert "drawings +7 912 345-67-89.pdf" in alice.last_text
