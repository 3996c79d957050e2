"""QA of the marketplace as a demanding user: odd digits, huge numbers and old buttons.

Every case here was a real misbehaviour (an "unexpected error" reply, a crash) found by driving
the conversations; each test proves the answer is now clear and nothing changed.
"""

from __future__ import annotations

import pytest

from handlers.contract import AnswerCallback
from handlers.dispatch import STALE_BUTTON
from locales import translator
from tests.conversation.harness import BotHarness
from tests.conversation.market_kit import apply_to, market_rows, post_project, team

# Digits Python's str.isdigit() accepts but int() refuses (superscripts), Arabic-Indic digits,
# and page numbers too large for a database integer.
STALE_TEXTS = {translator(language)(STALE_BUTTON) for language in ("en", "ru", "uk", "es")}
ODD_PAGES = ["²", "¹⁰", "٣", "99999999999999999999999"]


@pytest.mark.parametrize("page", ODD_PAGES)
@pytest.mark.parametrize("pattern", [
    "pj:my:{page}", "ap:my:{page}", "ap:ls:{project}:{page}", "bm:l:p:{page}",
    "bm:xp:{project}:{page}", "ct:l:active:{page}", "ps:l:{page}:-:-:",
])
async def test_acc_01_a_forged_page_number_is_a_stale_button_not_an_error(
        bot: BotHarness, pattern: str, page: str) -> None:
    alice, boris, _ = await team(bot)
    project_id = await post_project(alice)
    await apply_to(boris, project_id)
    before = await market_rows(bot)
    for user in (alice, boris):
        actions = await user.forge(pattern.format(page=page, project=project_id))
        assert len(actions) == 1 and isinstance(actions[0], AnswerCallback), actions
        assert actions[0].alert and actions[0].text in STALE_TEXTS
    assert await market_rows(bot) == before


@pytest.mark.parametrize("hours", ["²", "٣"])
async def test_a_superscript_weekly_limit_is_re_asked_with_the_reason(bot: BotHarness,
                                                                      hours: str) -> None:
    alice, boris, _ = await team(bot)
    project_id = await post_project(alice, "hourly", budget="20-40")
    application_id = await apply_to(boris, project_id, "30")
    await alice.forge(f"ap:v:{application_id}")
    await alice.press_data(f"ap:ch:{application_id}")
    before = await market_rows(bot)
    await alice.say(hours)
    assert "whole number of hours" in alice.reply
    assert (await bot.dialog(alice.id))[0] == "ap.limit"
    assert await market_rows(bot) == before


async def test_an_edit_left_open_when_the_project_closes_ends_instead_of_trapping_the_owner(
        bot: BotHarness) -> None:
    alice, _, _ = await team(bot)
    project_id = await post_project(alice)
    await alice.forge(f"pj:ef:{project_id}:title")
    await alice.forge(f"pj:clok:{project_id}")  # the old "Yes, close it" button
    before = await market_rows(bot)
    await alice.say("A brand new title")
    assert alice.reply == "A closed project cannot be changed."
    assert await bot.dialog(alice.id) == (None, {})  # the next text is not refused again
    assert await market_rows(bot) == before


@pytest.mark.parametrize(("language", "quoted"), [
    ("en", "“gearbox”"), ("ru", "«gearbox»"), ("uk", "«gearbox»"), ("es", "«gearbox»")])
async def test_the_search_keyword_is_quoted_as_the_reader_quotes(bot: BotHarness, language: str,
                                                                 quoted: str) -> None:
    reader = bot.user(7101, "Rita", language_code=language)
    await reader.sign_up("expert", "Rita", "Ruiz", "rita@example.com", language=language)
    await reader.command("/projects gearbox")
    assert reader.reply.splitlines()[0].endswith(" · " + quoted), reader.reply


async def test_acc_01_the_employer_name_is_said_to_be_saved_before_the_optional_company(
        bot: BotHarness) -> None:
    """/cancel at the company answers "nothing was changed": the name must already read saved."""
    alice, _, _ = await team(bot)
    await alice.command("/employer_profile")
    await alice.say("Smith Engineering")
    assert alice.reply.startswith("Saved.\n"), alice.reply
    await alice.command("/cancel")
    await alice.command("/employer_profile")
    assert "Employer: Smith Engineering" in alice.reply
