"""MSG-03 for every user-written field, through the real services, on both backends.

Issue 10: bob's cover letter carried "bob.ivanov@gmail.com или +7 912 345-67-89"; alice's
application card showed both unmasked and nothing was flagged. Every field declared in
:data:`core.screening.USER_TEXT` is written here with contact details through the service
that stores it: it must reach the support queue as a flag naming the field, and read by
another user before an accepted contract joins them it must come out masked. A field added to
the list without a writer here fails :func:`test_msg_03_every_declared_field_has_a_case_here`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from core.accounts import User
from core.circumvention import MASK
from core.clock import FixedClock
from core.contracts import ContractStatus
from core.ports import UnitOfWork
from core.screening import TextField
from core.services import market, market_applications, market_profiles
from core.services import milestone_plan as plan
from core.services.market_contracts import accept_offer, read_contract
from core.support import ItemKind
from storage import Database
from tests.milestones_kit import CLIENT, EXPERT, STRANGER, fixed_contract, seed_users, usd

CONTACT = "bob.ivanov@gmail.com или +7 912 345-67-89"


@pytest.fixture
async def db(database: Database, clock: FixedClock) -> Database:
    await seed_users(database, clock.now())
    return database


async def _user(uow: UnitOfWork, user_id: int) -> User:
    user = await uow.users.get(user_id)
    assert user is not None
    return user


async def _project(uow: UnitOfWork, now: datetime, title: str = "Gearbox housing drawings",
                   description: str = "Cast aluminium housing, STEP files please.") -> int:
    draft = market.ProjectDraft(title, description, "cad", "fixed", 100_00, 500_00, "USD")
    project = await market.create_project(uow, await _user(uow, CLIENT), draft, now)
    assert project.id is not None
    await market.publish_project(uow, await _user(uow, CLIENT), project.id, now)
    return project.id


# Each case writes CONTACT into one field and reads it back as another user would.
Case = Callable[[UnitOfWork, datetime], Awaitable[tuple[str, str]]]


async def _cover_letter(uow: UnitOfWork, now: datetime) -> tuple[str, str]:
    project_id = await _project(uow, now)
    letter = f"Готов начать сразу, десять лет в CAD: {CONTACT}"
    application = await market_applications.apply(uow, await _user(uow, EXPERT), project_id,
                                                   letter, 200_00, now)
    assert application.id is not None
    seen, _ = await market_applications.read_application(uow, await _user(uow, CLIENT),
                                                         application.id)
    mine, _ = await market_applications.read_application(uow, await _user(uow, EXPERT),
                                                         application.id)
    _project_again, listed = await market_applications.applicants(
        uow, await _user(uow, CLIENT), project_id, 0)
    assert listed.items[0].cover_letter == seen.cover_letter
    return seen.cover_letter, mine.cover_letter


async def _project_title(uow: UnitOfWork, now: datetime) -> tuple[str, str]:
    project_id = await _project(uow, now, title=f"Drawings, call {CONTACT}")
    seen = await market.read_project(uow, await _user(uow, STRANGER), project_id)
    found = await market.search_projects(uow, viewer=await _user(uow, STRANGER))
    assert found.items
    assert found.items[0].title == seen.title
    mine = await market.read_project(uow, await _user(uow, CLIENT), project_id)
    return seen.title, mine.title


async def _project_description(uow: UnitOfWork, now: datetime) -> tuple[str, str]:
    project_id = await _project(uow, now)
    await market.edit_project(uow, await _user(uow, CLIENT), project_id, now,
                              field="description", value=f"Details by phone: {CONTACT}")
    seen = await market.read_project(uow, await _user(uow, STRANGER), project_id)
    mine = await market.read_project(uow, await _user(uow, CLIENT), project_id)
    return seen.description, mine.description


async def _freelancer(uow: UnitOfWork, now: datetime, **changes: object) -> tuple[Any, Any]:
    await market_profiles.update_freelancer_profile(
        uow, await _user(uow, EXPERT), now,
        {"account_type": "professional", "headline": "Mechanical engineer", **changes}, "USD")
    seen = await market_profiles.public_card(uow, await _user(uow, STRANGER), EXPERT)
    mine = await market_profiles.public_card(uow, await _user(uow, EXPERT), EXPERT)
    return seen, mine


async def _headline(uow: UnitOfWork, now: datetime) -> tuple[str, str]:
    seen, mine = await _freelancer(uow, now, headline=f"Engineer {CONTACT}")
    return seen.freelancer.headline, mine.freelancer.headline


async def _skills(uow: UnitOfWork, now: datetime) -> tuple[str, str]:
    seen, mine = await _freelancer(uow, now, skills="AutoCAD, +7 912 345-67-89")
    return seen.freelancer.skills[1], mine.freelancer.skills[1]


async def _portfolio(uow: UnitOfWork, now: datetime, **item: str) -> tuple[Any, Any]:
    await _freelancer(uow, now)
    await market_profiles.add_portfolio_item(uow, await _user(uow, EXPERT), now, **item)
    seen = await market_profiles.public_card(uow, await _user(uow, STRANGER), EXPERT)
    mine = await market_profiles.public_card(uow, await _user(uow, EXPERT), EXPERT)
    return seen.portfolio[0], mine.portfolio[0]


async def _caption(uow: UnitOfWork, now: datetime) -> tuple[str, str]:
    seen, mine = await _portfolio(uow, now, title=f"Housing {CONTACT}",
                                  link="https://behance.net/bob")
    return seen.title, mine.title


async def _link(uow: UnitOfWork, now: datetime) -> tuple[str, str]:
    seen, mine = await _portfolio(uow, now, title="Housing",
                                  link="https://wa.me/79123456789")
    return seen.link, mine.link


async def _employer(uow: UnitOfWork, now: datetime, name: str,
                    company: str | None = None) -> tuple[Any, Any]:
    await market_profiles.save_employer_profile(uow, await _user(uow, CLIENT), now, name=name,
                                                company=company)
    seen = await market_profiles.public_card(uow, await _user(uow, STRANGER), CLIENT)
    mine = await market_profiles.public_card(uow, await _user(uow, CLIENT), CLIENT)
    return seen.employer, mine.employer


async def _employer_name(uow: UnitOfWork, now: datetime) -> tuple[str, str]:
    seen, mine = await _employer(uow, now, name="Anna +7 912 345-67-89")
    return seen.name, mine.name


async def _employer_company(uow: UnitOfWork, now: datetime) -> tuple[str, str]:
    seen, mine = await _employer(uow, now, name="Anna", company=f"Acme {CONTACT}")
    return seen.company, mine.company


async def _offer(uow: UnitOfWork, now: datetime) -> tuple[str, str]:
    project_id = await _project(uow, now)
    application = await market_applications.apply(
        uow, await _user(uow, EXPERT), project_id, "I fit this project well: ten years of CAD.",
        200_00, now)
    assert application.id is not None
    contract = await market_applications.choose(
        uow, await _user(uow, CLIENT), application.id,
        market_applications.OfferTerms(milestone_title=f"Draft {CONTACT}"), now)
    assert contract.id is not None and contract.status is ContractStatus.OFFERED
    seen = await read_contract(uow, await _user(uow, EXPERT), contract.id)
    mine = await read_contract(uow, await _user(uow, CLIENT), contract.id)
    return seen.milestone_title or "", mine.milestone_title or ""


CASES: dict[TextField, Case] = {
    TextField.COVER_LETTER: _cover_letter,
    TextField.PROJECT_TITLE: _project_title,
    TextField.PROJECT_DESCRIPTION: _project_description,
    TextField.PROFILE_HEADLINE: _headline,
    TextField.PROFILE_SKILLS: _skills,
    TextField.PORTFOLIO_CAPTION: _caption,
    TextField.PORTFOLIO_LINK: _link,
    TextField.EMPLOYER_NAME: _employer_name,
    TextField.EMPLOYER_COMPANY: _employer_company,
    TextField.OFFER_MILESTONE: _offer,
}
#: Written only inside an accepted contract: checked, and left as written (nothing to flag).
WITHIN_A_CONTRACT = {TextField.MILESTONE_TITLE, TextField.MILESTONE_DESCRIPTION,
                     TextField.MILESTONE_NOTE}


def test_msg_03_every_declared_field_has_a_case_here() -> None:
    assert set(CASES) | WITHIN_A_CONTRACT == set(TextField)


async def _flags(db: Database) -> list[tuple[str | None, str | None, str]]:
    async with db.uow() as uow:
        items = (await uow.support.open_items(0, 50)).items
    return [(item.field, item.excerpt, item.reason) for item in items
            if item.kind is ItemKind.FLAG]


@pytest.mark.parametrize("field", sorted(CASES))
async def test_msg_03_contact_details_in_a_field_are_flagged_and_masked_for_others(
        db: Database, clock: FixedClock, field: TextField) -> None:
    async with db.uow() as uow:
        seen, mine = await CASES[field](uow, clock.now())
        await uow.commit()
    assert MASK not in mine and "912" in mine  # its author reads what they wrote
    assert MASK in seen and "912" not in seen and "gmail" not in seen
    flags = await _flags(db)
    assert [f for f, _excerpt, _reason in flags] == [field.value]
    assert flags[0][1] is not None and "912" in flags[0][1]  # support reads the text


async def test_msg_03_clean_texts_are_not_flagged(db: Database, clock: FixedClock) -> None:
    async with db.uow() as uow:
        await _project(uow, clock.now())
        await uow.commit()
    assert await _flags(db) == []


async def test_msg_03_once_a_contract_is_accepted_the_offer_and_milestones_read_as_written(
        db: Database, clock: FixedClock) -> None:
    contract = await fixed_contract(db, clock.now(), first_title=f"Draft {CONTACT}",
                                    status=ContractStatus.OFFERED)
    assert contract.id is not None
    async with db.uow() as uow:
        expert = await _user(uow, EXPERT)
        assert CONTACT not in (await read_contract(uow, expert, contract.id)
                               ).milestone_title  # type: ignore[operator]
        await accept_offer(uow, expert, contract.id, clock.now())
        assert (await read_contract(uow, expert, contract.id)).milestone_title == (
            f"Draft {CONTACT}")
        await plan.create(uow, expert, contract.id, plan.Terms(
            "Drawings", f"Send to {CONTACT}", usd("100.00"),
            clock.now().date() + timedelta(days=9)), clock.now())
        await uow.commit()
    assert await _flags(db) == []
