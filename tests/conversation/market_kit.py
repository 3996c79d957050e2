"""Helpers for the marketplace conversation tests: people, and the flow's steps by button data.

Buttons are pressed by their callback data, so the same steps work in every language.
"""

from __future__ import annotations

from sqlalchemy import Table, func, select

from storage.tables.market import (
    applications,
    bookmarks,
    contracts,
    employer_profiles,
    freelancer_profiles,
    portfolio_items,
    projects,
)
from tests.conversation.harness import BotHarness, ChatUser
from tests.conversation.relay_kit import deliver

__all__ = ["apply_to", "deliver", "market_rows", "newest_id", "offer", "post_project", "team"]

MARKET_TABLES = (projects, applications, contracts, bookmarks, freelancer_profiles,
                 employer_profiles, portfolio_items)
LETTER = "I have designed forty gearbox housings in SolidWorks and can start today."


async def team(bot: BotHarness) -> tuple[ChatUser, ChatUser, ChatUser]:
    """Alice (employer, en), Boris (freelancer, ru) and Carol (freelancer and employer, en)."""
    alice = bot.user(2001, "Alice", "Smith", language_code="en")
    boris = bot.user(2002, "Boris", "Ivanov", language_code="ru")
    carol = bot.user(2003, "Carol", "Jones", language_code="en")
    await alice.sign_up("client", "Alice", "Smith", "alice@example.com")
    await boris.sign_up("expert", "Boris", "Ivanov", "boris@example.com")
    await carol.sign_up("both", "Carol", "Jones", "carol@example.com")
    return alice, boris, carol


async def newest_id(bot: BotHarness, table: Table) -> int:
    """The highest id in a marketplace table."""
    async with bot.database.uow() as uow:
        value = (await uow.session.execute(select(func.max(table.c.id)))).scalar_one()
    assert value is not None
    return int(value)


async def market_rows(bot: BotHarness) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every marketplace table (to prove that nothing changed)."""
    async with bot.database.uow() as uow:
        return {t.name: [tuple(r) for r in (await uow.session.execute(
            select(t).order_by(*t.primary_key.columns))).all()] for t in MARKET_TABLES}


async def post_project(owner: ChatUser, kind: str = "fixed", *, publish: bool = True,
                       title: str = "Design a gearbox housing", budget: str = "500-1000",
                       deadline: str | None = None) -> int:
    """Post a project through the /post dialog (and publish it); returns its id."""
    await owner.command("/post")
    await owner.say(title)
    await owner.say("A cast aluminium housing for a two-stage gearbox; STEP files wanted.")
    await owner.press_data("pp:cat:cad")
    await owner.press_data(f"pp:kind:{kind}")
    await owner.say(budget)
    if deadline is None:
        await owner.press_data("pp:nodl")
    else:
        await owner.say(deadline)
    project_id = await newest_id(owner.bot, projects)
    if publish:
        await owner.press_data(f"pj:pub:{project_id}")
    return project_id


async def apply_to(freelancer: ChatUser, project_id: int, amount: str = "800") -> int:
    """Apply through the card's Apply button; returns the application id."""
    await freelancer.forge(f"pj:v:{project_id}")
    await freelancer.press_data(f"ap:new:{project_id}")
    await freelancer.say(LETTER)
    await freelancer.say(amount)
    return await newest_id(freelancer.bot, applications)


async def offer(owner: ChatUser, application_id: int, kind: str = "fixed") -> int:
    """Choose the applicant and send the offer; returns the contract id."""
    await owner.forge(f"ap:v:{application_id}")
    await owner.press_data(f"ap:ch:{application_id}")
    if kind == "hourly":
        await owner.press_data(f"ap:wl:{application_id}:20")
    else:
        await owner.say("Drawings of the housing")
        await owner.press_data(f"ap:ma:{application_id}")
    return await newest_id(owner.bot, contracts)
