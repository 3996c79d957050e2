"""/cancel, /language, /profile, /help and the answers to unexpected input."""

from __future__ import annotations

from core.accounts import Role
from tests.conversation.conftest import ADMIN_ID
from tests.conversation.harness import BotHarness


async def test_cancel_in_an_email_edit_keeps_the_old_email(bot: BotHarness) -> None:
    ann = bot.user(1, "Ann", language_code="en")
    await ann.sign_up(email="ann@example.com")
    await ann.command("/profile")
    await ann.press("Edit e-mail")
    assert "Type your new e-mail address" in ann.reply
    await ann.say("not-an-address")
    assert "does not look like an e-mail address" in ann.reply
    await ann.command("/cancel")
    assert ann.reply == "Cancelled. Nothing was changed."
    assert (await bot.stored(1)).email == "ann@example.com"
    assert await bot.dialog(1) == (None, {})
    await ann.say("new@example.com")  # no dialog any more: not taken as an e-mail
    assert (await bot.stored(1)).email == "ann@example.com"
    assert "Send /help" in ann.reply


async def test_cancel_outside_a_dialog_says_there_is_nothing_to_cancel(bot: BotHarness) -> None:
    ben = bot.user(2, "Ben", language_code="es")
    await ben.command("/cancel")
    assert ben.reply.startswith("No hay nada que cancelar.")


async def test_cancelled_role_choice_leaves_its_buttons_useless(bot: BotHarness) -> None:
    cid = bot.user(3, "Cid", language_code="en")
    await cid.sign_up(role="expert")
    await cid.command("/profile")
    await cid.press("Change roles")
    await cid.command("/cancel")
    before = await bot.snapshot(3)
    await cid.press("I'm an employer")
    assert cid.answer is not None and "no longer valid" in (cid.answer.text or "")
    assert await bot.snapshot(3) == before


async def test_language_command_switches_and_answers_in_the_new_language(
        bot: BotHarness) -> None:
    dora = bot.user(4, "Dora", language_code="en")
    await dora.sign_up()
    await dora.command("/language")
    assert dora.reply == "Choose your language:"
    await dora.press("Українська")
    assert dora.reply == "Обрано мову: Українська."
    assert dora.answer is not None and dora.answer.text == "Обрано мову: Українська."
    assert (await bot.stored(4)).language == "uk"
    await dora.command("/help")
    assert dora.reply.startswith("Команди:")
    await dora.command("/language")
    assert dora.buttons()[2] == "✓ Українська"


async def test_a_chosen_language_wins_over_telegrams(bot: BotHarness) -> None:
    eve = bot.user(5, "Eve", language_code="ru")
    await eve.command("/language")
    await eve.press("English")
    await eve.command("/cancel")
    assert eve.reply.startswith("Nothing to cancel.")


async def test_profile_shows_the_basics_and_edits_names_and_roles(bot: BotHarness) -> None:
    fox = bot.user(6, "Fox", language_code="en")
    await fox.sign_up(role="expert", first="Fox", last="Mulder", email="fox@example.com")
    await fox.command("/profile")
    assert fox.reply.splitlines() == [
        "Your profile", "First name: Fox", "Last name: Mulder", "E-mail: fox@example.com",
        "Roles: freelancer", "Language: English", "Rating points: 51",
    ]
    assert fox.buttons() == ["Edit first name", "Edit last name", "Edit e-mail", "Change roles"]
    await fox.press("Edit last name")
    await fox.say("  Mulder   Jr ")
    assert fox.replies[0] == "Saved."
    assert "Last name: Mulder Jr" in fox.reply
    await fox.press("Change roles")
    assert fox.buttons() == ["✓ I'm a freelancer", "I'm an employer", "Both"]
    await fox.press("Both")
    assert "Roles saved: freelancer, employer." in fox.reply
    assert (await bot.stored(6)).roles == {Role.EXPERT, Role.CLIENT}
    assert await bot.dialog(6) == (None, {})


async def test_profile_before_sign_up_points_to_start(bot: BotHarness) -> None:
    gil = bot.user(7, "Gil", language_code="en")
    await gil.command("/profile")
    assert gil.reply == "You have not signed up yet. Send /start to begin."


async def test_help_differs_by_role(bot: BotHarness) -> None:
    hana = bot.user(8, "Hana", language_code="en")
    await hana.command("/help")
    newcomer = hana.reply
    assert "Send /start to sign up" in newcomer
    await hana.sign_up(role="expert")
    await hana.command("/help")
    freelancer = hana.reply
    assert "/start – Sign up or open the main menu" in freelancer
    assert "Your roles: freelancer." in freelancer
    assert "As a freelancer" in freelancer and "As an employer" not in freelancer
    ivan = bot.user(9, "Ivan", language_code="en")
    await ivan.sign_up(role="client")
    await ivan.command("/help")
    assert "As an employer" in ivan.reply and "As a freelancer" not in ivan.reply
    assert len({newcomer, freelancer, ivan.reply}) == 3


async def test_help_names_the_admin_role_of_an_admin(bot: BotHarness) -> None:
    root = bot.user(ADMIN_ID, "Root", language_code="en")
    await root.sign_up(role="client")
    await root.command("/help")
    assert "Your roles: employer, admin." in root.reply


async def test_free_text_outside_a_dialog_gets_a_helpful_answer(bot: BotHarness) -> None:
    jo = bot.user(10, "Jo", language_code="en")
    await jo.say("hello?")
    assert jo.reply == "Hello! Send /start to sign up."
    await jo.sign_up()
    await jo.say("what now?")
    assert jo.reply == "I understand commands and buttons. Send /help to see what you can do."
    await jo.document()
    assert "I wasn't expecting a file" in jo.reply
    await jo.sticker()
    assert "I can't handle this kind of message" in jo.reply


async def test_a_photo_where_text_is_awaited_re_asks_for_text(bot: BotHarness) -> None:
    kim = bot.user(11, "Kim", language_code="ru")
    await kim.command("/start")
    await kim.press("Я заказчик")
    await kim.photo(caption="me")
    assert kim.reply.splitlines() == ["Пожалуйста, напишите ответ текстовым сообщением.",
                                      "Как вас зовут? Напишите имя."]
    assert await bot.dialog(11) == ("start.first_name", {})
    await kim.sticker()
    assert "/cancel" in kim.reply
    await kim.say("Ким")
    assert (await bot.stored(11)).first_name == "Ким"


async def test_text_while_buttons_are_awaited_shows_them_again(bot: BotHarness) -> None:
    lia = bot.user(12, "Lia", language_code="en")
    await lia.command("/start")
    await lia.say("freelancer")
    assert lia.reply.startswith("Please choose with the buttons, or send /cancel.")
    assert lia.buttons() == ["I'm a freelancer", "I'm an employer", "Both"]
    assert (await bot.stored(12)).roles == set()


async def test_an_unknown_command_gets_pointed_to_help(bot: BotHarness) -> None:
    max_ = bot.user(13, "Max", language_code="es")
    await max_.command("/frobnicate")
    assert max_.reply == "No conozco ese comando. Envía /help para ver los comandos."
