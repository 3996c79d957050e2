"""Sign-up through /start: language, role (ACC-01), names and e-mail, RAT-01's +50."""

from __future__ import annotations

from core.accounts import Role
from tests.conversation.harness import BotHarness


async def test_onboarding_in_english_asks_role_then_names_then_email(bot: BotHarness) -> None:
    alice = bot.user(1, "Alice", "Smith", language_code="en")
    await alice.command("/start")
    assert "How will you use it?" in alice.reply
    assert alice.buttons() == ["I'm a freelancer", "I'm an employer", "Both"]
    await alice.press("I'm an employer")
    assert "Your roles: employer." in alice.reply
    assert "What is your first name?" in alice.reply
    await alice.say("Alicia")
    assert "last name" in alice.reply
    await alice.say("Smith-Jones")
    assert "e-mail address" in alice.reply
    await alice.say("alicia@Example.com")
    assert "You're all set, Alicia Smith-Jones!" in alice.reply
    assert "Your profile is complete: +50 rating points." in alice.reply
    assert alice.buttons() == ["My profile", "Language", "Help"]
    user = await bot.stored(1)
    assert (user.first_name, user.last_name, user.email) == ("Alicia", "Smith-Jones",
                                                             "alicia@example.com")
    assert user.roles == {Role.CLIENT} and user.language is None
    assert await bot.dialog(1) == (None, {})


async def test_telegram_russian_user_is_answered_in_russian_without_being_asked(
        bot: BotHarness) -> None:
    boris = bot.user(2, "Борис", "Петров", language_code="ru")
    await boris.command("/start")
    assert "Добро пожаловать на биржу!" in boris.reply
    await boris.press("Я фрилансер")
    assert "Как вас зовут?" in boris.reply
    await boris.press("Борис")
    await boris.press("Петров")
    await boris.say("boris@example.com")
    assert "Готово, Борис Петров!" in boris.reply
    assert "+50 баллов рейтинга" in boris.reply
    assert (await bot.stored(2)).roles == {Role.EXPERT}


async def test_unsupported_telegram_language_asks_to_pick_one_and_remembers_it(
        bot: BotHarness) -> None:
    dieter = bot.user(3, "Dieter", language_code="de")
    await dieter.command("/start")
    assert "Choose your language:" in dieter.reply and "Elige tu idioma:" in dieter.reply
    assert dieter.buttons() == ["English", "Русский", "Українська", "Español"]
    await dieter.press("Español")
    assert "Idioma elegido: Español." in dieter.reply
    assert "¿Cómo lo vas a usar?" in dieter.reply
    assert (await bot.stored(3)).language == "es"
    await dieter.press("Ambos")
    assert "¿Cuál es tu nombre?" in dieter.reply


async def test_acc_01_choosing_both_makes_freelancer_and_employer(bot: BotHarness) -> None:
    carol = bot.user(4, "Carol", language_code="en")
    await carol.command("/start")
    await carol.press("Both")
    assert "Your roles: freelancer, employer." in carol.reply
    assert (await bot.stored(4)).roles == {Role.EXPERT, Role.CLIENT}


async def test_an_invalid_email_is_re_asked_with_the_reason_and_the_state_kept(
        bot: BotHarness) -> None:
    dan = bot.user(5, "Dan", "Brown", language_code="en")
    await dan.command("/start")
    await dan.press("I'm a freelancer")
    await dan.press("Dan")
    await dan.press("Brown")
    await dan.say("dan at example dot com")
    assert "does not look like an e-mail address" in dan.reply
    assert "Your e-mail address?" in dan.reply
    assert await bot.dialog(5) == ("start.email", {})
    assert (await bot.stored(5)).email is None
    await dan.say("dan@example.com")
    assert "You're all set" in dan.reply


async def test_an_invalid_name_is_re_asked_with_the_translated_reason(bot: BotHarness) -> None:
    olena = bot.user(6, "Олена", language_code="uk")
    await olena.command("/start")
    await olena.press("Я фрилансер")
    await olena.say("12345")
    assert "Будь ласка, введіть ім’я з літер." in olena.reply
    assert await bot.dialog(6) == ("start.first_name", {})
    assert (await bot.stored(6)).first_name is None


async def test_rat_01_profile_completion_awards_50_points_only_once(bot: BotHarness) -> None:
    erin = bot.user(7, "Erin", language_code="en")
    await erin.sign_up(first="Erin", last="Gray", email="erin@example.com")
    assert await bot.points(7) == 50 + 1  # +50 profile, +1 today's visit (RAT-01)
    await erin.command("/profile")
    await erin.press("Edit e-mail")
    await erin.say("erin@example.org")
    assert "rating point" not in erin.reply
    await erin.press("Edit first name")
    await erin.say("Erina")
    assert await bot.points(7) == 51
    assert "Rating points: 51" in erin.reply


async def test_deep_link_payload_is_kept_in_the_draft_and_does_not_break_sign_up(
        bot: BotHarness) -> None:
    fay = bot.user(8, "Fay", language_code="en")
    await fay.command("/start project_42")
    assert await bot.dialog(8) == ("start.role", {"payload": "project_42"})
    await fay.press("Both")
    assert await bot.dialog(8) == ("start.first_name", {"payload": "project_42"})
    await fay.command("/start")
    assert await bot.dialog(8) == ("start.first_name", {"payload": "project_42"})
    await fay.command("/start " + "x" * 65)  # not a valid payload: ignored, old one kept
    assert await bot.dialog(8) == ("start.first_name", {"payload": "project_42"})
    for answer in ("Fay", "Wray", "fay@example.com"):
        await fay.say(answer)
    assert "You're all set, Fay Wray!" in fay.reply


async def test_a_returning_user_gets_the_short_menu(bot: BotHarness) -> None:
    gus = bot.user(9, "Gus", language_code="en")
    await gus.sign_up(first="Gus", last="Fring")
    await gus.command("/start")
    assert gus.reply == "Welcome back, Gus Fring! What would you like to do?"
    assert gus.buttons() == ["My profile", "Language", "Help"]
    await gus.press("My profile")
    assert "First name: Gus" in gus.reply
    await gus.command("/start")
    await gus.press("Help")
    assert "/profile" in gus.reply
    await gus.command("/start")
    await gus.press("Language")
    assert gus.buttons() == ["✓ English", "Русский", "Українська", "Español"]


async def test_cancelled_sign_up_keeps_the_answers_given_and_start_resumes(
        bot: BotHarness) -> None:
    hal = bot.user(10, "Hal", language_code="en")
    await hal.command("/start")
    await hal.press("I'm a freelancer")
    await hal.say("Hal")
    await hal.command("/cancel")
    assert "Sign-up paused" in hal.reply
    assert await bot.dialog(10) == (None, {})
    user = await bot.stored(10)
    assert (user.roles, user.first_name, user.last_name) == ({Role.EXPERT}, "Hal", None)
    await hal.command("/start")
    assert hal.reply == "And your last name?"
