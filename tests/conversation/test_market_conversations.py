"""Marketplace conversations: each dialog and screen, in the reader's language."""

from __future__ import annotations

from sqlalchemy import Table, select

from handlers.contract import AnswerCallback, SendDocument, SendPhoto
from storage.tables.market import applications, contracts, projects
from tests.conversation.harness import BotHarness
from tests.conversation.market_kit import (
    apply_to,
    deliver,
    market_rows,
    newest_id,
    offer,
    post_project,
    team,
)


async def _value(bot: BotHarness, table: Table, row_id: int, column: str) -> object:
    async with bot.database.uow() as uow:
        return (await uow.session.execute(select(table.c[column]).where(
            table.c.id == row_id))).scalar_one()


async def test_acc_01_a_freelancer_cannot_post_and_is_told_how_to_become_an_employer(
        bot: BotHarness) -> None:
    _, boris, _ = await team(bot)
    await boris.command("/post")
    assert "Это могут только заказчики" in boris.reply
    assert await bot.dialog(boris.id) == (None, {})


async def test_the_post_dialog_re_asks_a_bad_answer_with_the_reason(bot: BotHarness) -> None:
    alice, _, _ = await team(bot)
    await alice.command("/post")
    await alice.say("Logo")
    assert "too short" in alice.reply
    await alice.say("Logo for a bakery")
    await alice.say("A round logo")
    assert "at least 20 characters" in alice.reply
    await alice.say("A round logo with a pretzel in it, two colours.")
    await alice.say("design")
    assert "choose with the buttons" in alice.reply
    await alice.press_data("pp:cat:design")
    await alice.press_data("pp:kind:fixed")
    await alice.say("300-100")
    assert "must not exceed" in alice.reply
    await alice.say("100-300")
    await alice.say("2020-01-01")
    assert "in the future" in alice.reply
    await alice.say("31.12.2026")
    assert "Here is your draft" in alice.reply and "$100.00–$300.00" in alice.reply
    assert "Dec 31, 2026" in alice.reply
    await alice.forge("pp:nodl")
    assert alice.answer is not None and alice.answer.alert


async def test_cancel_drops_an_unfinished_project(bot: BotHarness) -> None:
    alice, _, _ = await team(bot)
    await alice.command("/post")
    await alice.say("Logo for a bakery")
    await alice.command("/cancel")
    assert (await market_rows(bot))["projects"] == []


async def test_the_owner_edits_and_closes_a_project(bot: BotHarness) -> None:
    alice, boris, _ = await team(bot)
    project_id = await post_project(alice)
    await alice.press_data(f"pj:ed:{project_id}")
    assert "Hourly or fixed" not in alice.buttons()
    await alice.press_data(f"pj:ef:{project_id}:title")
    await alice.say("Redesign a gearbox housing")
    assert "Saved." in alice.reply
    assert await _value(bot, projects, project_id, "title") == "Redesign a gearbox housing"
    await alice.press_data(f"pj:ed:{project_id}")
    await alice.press_data(f"pj:ef:{project_id}:budget")
    await alice.say("1 000 – 2 000")
    assert await _value(bot, projects, project_id, "budget_max") == 200_000
    await alice.press_data(f"pj:cl:{project_id}")
    await alice.press_data(f"pj:clok:{project_id}")
    assert await _value(bot, projects, project_id, "status") == "closed"
    await boris.forge(f"pj:v:{project_id}")
    assert "закрыт" in boris.reply and "ap:new" not in str(boris.messages[-1].buttons())


async def test_search_filters_by_category_kind_and_keyword_and_pages(bot: BotHarness) -> None:
    alice, boris, _ = await team(bot)
    for n in range(6):
        await post_project(alice, title=f"Gearbox housing number {n}")
    hourly = await post_project(alice, kind="hourly", budget="20-40", title="Hourly CAD help")
    await boris.command("/projects")
    assert "🔎 Все категории" in boris.reply and "Hourly CAD help" in boris.reply
    assert "Ещё ▶" in boris.buttons()
    await boris.press("Ещё ▶")
    assert "Gearbox housing number 0" in boris.reply
    await boris.press_data("ps:c:-:")
    await boris.press_data("ps:l:0:cad:-:")
    await boris.press_data("ps:l:0:cad:h:")
    assert [d for _, d in boris.messages[-1].buttons() if d.startswith("pj:v:")] == [
        f"pj:v:{hourly}"]
    await boris.press_data("ps:l:0:cad:f:")
    await boris.press_data("ps:l:0:cad:-:")
    await boris.press_data("ps:q:cad:-")
    await boris.say("number 3")
    assert "Gearbox housing number 3" in boris.reply and "number 4" not in boris.reply
    await boris.press_data("ps:c:-:number 3")
    await boris.press_data("ps:l:0:design:-:number 3")
    assert "Подходящих проектов нет" in boris.reply


async def test_a_freelancer_in_russian_applies_withdraws_and_applies_again(
        bot: BotHarness) -> None:
    alice, boris, _ = await team(bot)
    project_id = await post_project(alice)
    await boris.forge(f"pj:v:{project_id}")
    assert "Бюджет: 500,00\xa0$–1\xa0000,00\xa0$" in boris.reply
    await boris.press_data(f"ap:new:{project_id}")
    await boris.say("Коротко")
    assert "хотя бы 20 символов" in boris.reply
    await boris.say("Я спроектировал сорок корпусов редукторов в SolidWorks.")
    await boris.say("семьсот")
    assert "например 12,50" in boris.reply
    await boris.say("750,50")
    assert "Отклик отправлен" in boris.reply
    application_id = await newest_id(bot, applications)
    assert await _value(bot, applications, application_id, "amount") == 75_050
    await boris.press_data(f"ap:wd:{application_id}")
    assert await _value(bot, applications, application_id, "status") == "withdrawn"
    await deliver(bot)
    assert "withdrew" in alice.last_text
    await boris.forge(f"ap:new:{project_id}")
    await boris.say("Снова откликаюсь: готов начать завтра утром.")
    await boris.say("700")
    assert await _value(bot, applications, application_id, "status") == "submitted"


async def test_the_employer_shortlists_and_chooses_with_a_fixed_offer(bot: BotHarness) -> None:
    alice, boris, carol = await team(bot)
    project_id = await post_project(alice)
    first = await apply_to(boris, project_id)
    second = await apply_to(carol, project_id, amount="900")
    await alice.forge(f"ap:ls:{project_id}:0")
    assert "Boris Ivanov" in alice.reply and "Carol Jones" in alice.reply
    await alice.forge(f"ap:v:{second}")
    await alice.press("Shortlist")
    assert await _value(bot, applications, second, "status") == "shortlisted"
    await alice.forge(f"ap:ls:{project_id}:0")
    labels = [label for label, _ in alice.messages[-1].buttons()]
    assert labels[0].startswith("★ Carol")
    contract_id = await offer(alice, first)
    assert await _value(bot, contracts, contract_id, "milestone_amount") == 80_000
    assert "Offer sent" in alice.reply
    assert "First milestone: Drawings of the housing" in alice.reply
    await deliver(bot)
    assert "выбрал(а) вас" in boris.last_text
    await boris.press_data(f"ct:v:{contract_id}")
    await boris.press_data(f"ct:no:{contract_id}")
    assert await _value(bot, applications, first, "status") == "declined"
    await deliver(bot)
    assert "declined your offer" in alice.last_text


async def test_rev_01_either_side_ends_an_active_contract_with_its_own_reasons(
        bot: BotHarness) -> None:
    alice, boris, _ = await team(bot)
    application_id = await apply_to(boris, await post_project(alice))
    contract_id = await offer(alice, application_id)
    await boris.forge(f"ct:ok:{contract_id}")
    await boris.press_data(f"ct:end:{contract_id}")
    assert [d for _, d in boris.messages[-1].buttons()] == [
        f"ct:er:{contract_id}:r", f"ct:er:{contract_id}:cf", f"ct:v:{contract_id}"]
    await boris.press_data(f"ct:v:{contract_id}")
    await alice.forge(f"ct:end:{contract_id}")
    await alice.press_data(f"ct:er:{contract_id}:c")
    assert await _value(bot, contracts, contract_id, "end_reason") == "completed"
    assert "Completed: the work was accepted" in alice.reply
    await deliver(bot)
    assert "работа выполнена и принята" in boris.last_text
    await boris.command("/contracts")
    assert "Здесь пока пусто" in boris.reply
    await boris.press_data("ct:l:e:0")
    assert "Design a gearbox housing" in boris.reply


async def test_rat_01_a_freelancer_profile_and_each_portfolio_item_earn_points(
        bot: BotHarness) -> None:
    alice, boris, _ = await team(bot)
    await boris.command("/freelancer_profile")
    await boris.press_data("pf:at:studio")
    await boris.say("Инженерная студия, SolidWorks и МКЭ")
    await boris.say("SolidWorks, FEA, AutoCAD")
    await boris.press_data("pf:cd")
    assert boris.answer is not None and boris.answer.alert
    await boris.press_data("pf:ct:cad")
    await boris.press_data("pf:ct:data")
    await boris.press_data("pf:cd")
    await boris.say("45")
    await boris.say("Германия")
    assert "Студия · Инженерная студия" in boris.reply and "Страна: Германия" in boris.reply
    assert "45,00\xa0$ в час" in boris.reply
    points = await bot.points(boris.id)
    await boris.press_data("pf:pa")
    await boris.say("Корпус редуктора")
    await boris.photo()
    assert "+1 балл рейтинга" in boris.reply
    assert await bot.points(boris.id) == points + 1
    item_id = (await market_rows(bot))["portfolio_items"][0][0]
    await alice.forge(f"pf:v:{boris.id}")
    assert "Boris Ivanov" in alice.reply and "Portfolio: 1 item" in alice.reply
    actions = await alice.press_data(f"pf:po:{item_id}")
    assert [type(a) for a in actions if isinstance(a, SendPhoto | SendDocument)] == [SendPhoto]
    await alice.press_data(f"bm:ae:{boris.id}")
    assert "★ Bookmarked" in alice.buttons()
    await alice.command("/bookmarks")
    assert "Boris Ivanov" in alice.reply


async def test_bm_01_a_freelancer_bookmarks_a_project_and_removes_it_from_the_list(
        bot: BotHarness) -> None:
    alice, boris, _ = await team(bot)
    project_id = await post_project(alice)
    await boris.forge(f"pj:v:{project_id}")
    await boris.press_data(f"bm:ap:{project_id}")
    assert "★ В закладках" in boris.buttons()
    await boris.command("/bookmarks")
    assert "Design a gearbox housing" in boris.reply
    await boris.press_data(f"bm:xp:{project_id}:0")
    assert isinstance(boris.actions[0], AnswerCallback)
    assert "Закладок пока нет" in boris.reply


async def test_an_employer_profile_has_a_name_and_an_optional_company(bot: BotHarness) -> None:
    alice, _, _ = await team(bot)
    await alice.command("/employer_profile")
    await alice.say("Alice Smith")
    await alice.say("Acme Engineering")
    assert "Employer: Alice Smith (Acme Engineering)" in alice.reply
    await alice.press_data("pe:e:company")
    await alice.press_data("pe:nc")
    assert "Employer: Alice Smith\n" in alice.reply


async def test_acc_02_a_suspended_freelancer_reads_but_cannot_apply(bot: BotHarness) -> None:
    alice, boris, _ = await team(bot)
    project_id = await post_project(alice)
    await bot.suspend(boris.id, "spam")
    await boris.forge(f"pj:v:{project_id}")
    assert "Design a gearbox housing" in boris.reply
    await boris.press_data(f"ap:new:{project_id}")
    assert boris.answer is not None and "spam" in (boris.answer.text or "")
    assert (await market_rows(bot))["applications"] == []


async def test_a_deep_link_opens_the_project_after_a_newcomer_signs_up(bot: BotHarness) -> None:
    alice, _, _ = await team(bot)
    project_id = await post_project(alice)
    dana = bot.user(2004, "Dana", "Reyes", language_code="es")
    await dana.command(f"/start p{project_id}")
    await dana.press_data("start:role:expert")
    for answer in ("Dana", "Reyes", "dana@example.com"):
        await dana.say(answer)
    assert "Design a gearbox housing" in dana.last_text
    assert "Presupuesto: 500,00\xa0US$–1.000,00\xa0US$" in dana.last_text
    assert "Postularme" in dana.buttons()
    await dana.command(f"/start p{project_id}")
    assert "Design a gearbox housing" in dana.reply


async def test_the_owner_changes_category_kind_and_deadline_with_buttons(bot: BotHarness) -> None:
    alice, _, _ = await team(bot)
    project_id = await post_project(alice, publish=False, deadline="2026-06-30")
    await alice.press_data(f"pj:ed:{project_id}")
    await alice.press_data(f"pj:ef:{project_id}:category")
    await alice.press_data(f"pj:ec:{project_id}:design")
    await alice.press_data(f"pj:ed:{project_id}")
    await alice.press_data(f"pj:ef:{project_id}:kind")
    await alice.press_data(f"pj:ek:{project_id}:hourly")
    assert "per hour" in alice.reply
    await alice.press_data(f"pj:ed:{project_id}")
    await alice.press_data(f"pj:ef:{project_id}:deadline")
    await alice.press_data(f"pj:nd:{project_id}")
    row = (await market_rows(bot))["projects"][0]
    assert ("design", "hourly", None) == (row[4], row[5], row[9])
    await alice.command("/myprojects")
    assert "Design a gearbox housing — draft (only you can see it)" in alice.reply


async def test_a_freelancer_edits_the_profile_and_manages_the_portfolio(bot: BotHarness) -> None:
    _, boris, _ = await team(bot)
    await boris.command("/freelancer_profile")
    await boris.press_data("pf:at:professional")
    await boris.say("Инженер-конструктор, SolidWorks")
    await boris.say("SolidWorks")
    await boris.press_data("pf:ct:cad")
    await boris.press_data("pf:cd")
    await boris.press_data("pf:skip")
    await boris.press_data("pf:skip")
    await boris.press_data("pf:e:country")
    await boris.say("Атлантида")
    assert "DE или UA" in boris.reply
    await boris.say("pl")
    assert "Страна: Польша" in boris.reply
    await boris.press_data("pf:e:type")
    await boris.press_data("pf:at:studio")
    assert "Студия ·" in boris.reply
    await boris.press_data("pf:pa")
    await boris.say("Чертёж вала")
    await boris.document("shaft.pdf")
    await boris.press_data("pf:pl")
    item = (await market_rows(bot))["portfolio_items"][0][0]
    await boris.press_data(f"pf:px:{item}")
    assert (await market_rows(bot))["portfolio_items"] == []
    await boris.command("/applications")
    assert "/projects" in boris.reply


async def test_an_employer_renames_the_employer_profile(bot: BotHarness) -> None:
    alice, _, _ = await team(bot)
    await alice.command("/employer_profile")
    await alice.say("Alice Smith")
    await alice.press_data("pe:nc")
    await alice.press_data("pe:e:name")
    await alice.say("Smith Engineering")
    assert "Employer: Smith Engineering" in alice.reply
    await alice.command("/bookmarks")
    assert "No bookmarks yet" in alice.reply
