"""The marketplace flow through the real dispatcher: post, find, apply, choose, accept."""

from __future__ import annotations

from sqlalchemy import Table, select

from storage.tables.market import applications, contracts, projects
from tests.conversation.harness import BotHarness
from tests.conversation.market_kit import apply_to, deliver, offer, post_project, team


async def _row(bot: BotHarness, table: Table, row_id: int) -> dict[str, object]:
    async with bot.database.uow() as uow:
        row = (await uow.session.execute(select(table).where(table.c.id == row_id))
               ).mappings().one()
    return dict(row)


async def test_an_employer_posts_a_draft_and_publishes_it(bot: BotHarness) -> None:
    alice, _, _ = await team(bot)
    project_id = await post_project(alice, publish=False, deadline="2026-12-31")
    assert "Design a gearbox housing" in alice.reply
    assert (await _row(bot, projects, project_id))["status"] == "draft"
    assert alice.buttons()[:2] == ["Publish", "Edit"]
    await alice.press("Publish")
    row = await _row(bot, projects, project_id)
    assert row["status"] == "published" and row["budget_min"] == 50_000
    assert f"start=p{project_id}" in alice.last_text


async def test_rat_01_the_whole_flow_ends_in_an_active_contract(bot: BotHarness) -> None:
    alice, boris, _ = await team(bot)
    project_id = await post_project(alice, kind="hourly", budget="20-40")
    await boris.command("/projects gearbox")
    assert any(d == f"pj:v:{project_id}" for m in boris.messages[-1:] for _, d in m.buttons())
    application_id = await apply_to(boris, project_id, amount="35")
    assert (await _row(bot, applications, application_id))["amount"] == 3_500
    assert await bot.points(boris.id) >= 1
    assert await deliver(bot) == 1
    assert "New application" in alice.last_text
    contract_id = await offer(alice, application_id, kind="hourly")
    contract = await _row(bot, contracts, contract_id)
    assert (contract["status"], contract["hourly_rate"], contract["weekly_limit"]) == (
        "offered", 3_500, 20)
    await deliver(bot)
    await boris.press_data(f"ct:v:{contract_id}")
    await boris.press_data(f"ct:ok:{contract_id}")
    assert (await _row(bot, contracts, contract_id))["status"] == "active"
    await deliver(bot)
    assert "accepted your offer" in alice.last_text
    visit_points = await bot.points(alice.id)
    assert await bot.points(boris.id) == visit_points + 1 + 5
