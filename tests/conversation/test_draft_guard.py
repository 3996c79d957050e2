"""A button of another dialog never throws a draft away unasked: it asks first."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from handlers.contract import Edit, Send
from handlers.dialog_guard import DISCARDED, KEPT, PROMPT
from locales import LANGUAGES, translator
from storage.tables.market import projects
from tests.conversation.harness import BotHarness
from tests.conversation.market_kit import post_project, team


async def test_a_button_of_another_dialog_mid_post_asks_before_discarding_the_draft(
        bot: BotHarness) -> None:
    alice, _, _ = await team(bot)
    project_id = await post_project(alice)
    await alice.press_data(f"pj:ed:{project_id}")  # the edit screen of a posted project
    await alice.command("/post")
    await alice.say("Logo for a bakery")
    draft = await bot.dialog(alice.id)
    assert draft[0] == "post.description" and draft[1]["title"] == "Logo for a bakery"

    await alice.press_data(f"pj:ef:{project_id}:title")  # its old button: edit the title

    assert alice.reply == translator("en")(PROMPT)
    assert alice.buttons() == ["Discard and go on", "Keep my draft"]
    state, kept = await bot.dialog(alice.id)
    assert state == "post.description" and kept["title"] == "Logo for a bakery"

    await alice.press("Keep my draft")
    assert alice.reply == translator("en")(KEPT)
    assert await bot.dialog(alice.id) == draft
    await alice.say("A round logo with a pretzel in it, two colours.")  # the dialog goes on
    assert (await bot.dialog(alice.id))[0] == "post.category"


async def test_discarding_the_draft_does_what_the_button_was_for(bot: BotHarness) -> None:
    alice, _, _ = await team(bot)
    project_id = await post_project(alice)
    await alice.press_data(f"pj:ed:{project_id}")
    await alice.command("/post")
    await alice.say("Logo for a bakery")
    await alice.press_data(f"pj:ef:{project_id}:title")
    confirmation = alice.messages[-1].id

    actions = await alice.press("Discard and go on")

    assert Edit(translator("en")(DISCARDED)) in actions  # the question says what happened
    state, draft = await bot.dialog(alice.id)
    assert state is not None and state != "post.description" and "title" not in draft
    assert any(isinstance(a, Send | Edit) and a.text != translator("en")(DISCARDED)
               for a in actions)
    await alice.say("Redesign a gearbox housing")  # the title edit the button started
    assert "Saved." in alice.reply
    async with bot.database.uow() as uow:
        title = (await uow.session.execute(
            select(projects.c.title).where(projects.c.id == project_id))).scalar_one()
    assert title == "Redesign a gearbox housing"
    assert alice.messages[-1].id != confirmation or "Saved." in alice.last_text


async def test_the_dialogs_own_buttons_and_buttons_that_leave_it_alone_ask_nothing(
        bot: BotHarness) -> None:
    alice, _, _ = await team(bot)
    project_id = await post_project(alice)
    await alice.command("/post")
    await alice.say("Logo for a bakery")
    await alice.say("A round logo with a pretzel in it, two colours.")
    await alice.press_data("pp:cat:design")  # its own button
    assert (await bot.dialog(alice.id))[0] == "post.kind"
    await alice.forge(f"pj:ed:{project_id}")  # another feature's screen; the draft stays
    assert alice.reply != translator("en")(PROMPT)
    assert (await bot.dialog(alice.id))[0] == "post.kind"


async def test_a_stale_confirmation_is_refused(bot: BotHarness) -> None:
    alice, _, _ = await team(bot)
    await alice.forge("dg:go")
    assert alice.answer is not None and alice.answer.alert


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_confirmation_is_translated(language: str) -> None:
    tr = translator(language)
    for text in (PROMPT, KEPT, DISCARDED, "Discard and go on", "Keep my draft"):
        assert tr(text) and (language == "en" or tr(text) != text)


async def test_a_button_that_starts_another_dialog_of_the_same_feature_asks_too(
        bot: BotHarness) -> None:
    _, _, carol = await team(bot)  # a freelancer and an employer
    await carol.command("/freelancer_profile")
    await carol.press_data(carol.data_of(carol.buttons()[0]))  # the first step's answer
    state, draft = await bot.dialog(carol.id)
    assert state == "pf.headline" and draft

    await carol.forge("pe:e:name")  # the employer card's "edit the name", mid-dialog

    assert carol.reply == translator("en")(PROMPT)
    assert (await bot.dialog(carol.id))[0] == "pf.headline"
    await carol.press("Discard and go on")
    assert (await bot.dialog(carol.id)) == ("pe.name", {})
