"""Profiles, portfolio (RAT-01), bookmarks (BM-01) and the public card."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.accounts import Role
from core.bookmarks import BookmarkKind
from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.ids import require_id
from core.profiles import (
    AccountType,
    country_name,
    parse_skills,
    validate_country,
    validate_link,
)
from core.services.market import ProjectDraft, create_project, publish_project
from core.services.market_bookmarks import (
    bookmark_expert,
    bookmark_project,
    list_bookmarks,
    remove_bookmark,
)
from core.services.market_profiles import (
    add_portfolio_item,
    public_card,
    remove_portfolio_item,
    save_employer_profile,
    update_freelancer_profile,
)
from tests.core.market_fakes import FakeUow, make_user

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
EMPLOYER, FREELANCER, OTHER = 1, 2, 3


@pytest.fixture
def uow() -> FakeUow:
    fake = FakeUow()
    fake.add_user(make_user(EMPLOYER, Role.CLIENT))
    fake.add_user(make_user(FREELANCER, Role.EXPERT))
    fake.add_user(make_user(OTHER, Role.EXPERT))
    return fake


async def profile(uow: FakeUow, who: int = FREELANCER) -> None:
    await update_freelancer_profile(uow, uow.users.rows[who], NOW, {
        "account_type": "studio", "headline": "CAD studio, 12 engineers"}, "USD")


@pytest.mark.parametrize(("text", "language", "code"), [
    ("de", "en", "DE"), ("Germany", "en", "DE"), ("Германия", "ru", "DE"),
    ("Україна", "uk", "UA"), ("alemania", "es", "DE"), ("Ukraine", "ru", "UA"),
])
def test_a_country_is_stored_as_its_iso_code(text: str, language: str, code: str) -> None:
    assert validate_country(text, language) == code


@pytest.mark.parametrize("bad", ["EU", "ZZ", "Atlantis", "001", ""])
def test_an_unknown_country_is_refused(bad: str) -> None:
    with pytest.raises(InvalidInput):
        validate_country(bad)


def test_a_country_name_is_shown_in_the_readers_language() -> None:
    assert country_name("DE", "ru") == "Германия"
    assert country_name("DE", "es") == "Alemania"


def test_skills_are_split_on_commas_without_repeats() -> None:
    assert parse_skills("AutoCAD, solidworks,  SolidWorks ; 3D\nFEA") == (
        "AutoCAD", "solidworks", "3D", "FEA")
    with pytest.raises(InvalidInput):
        parse_skills(" , ")
    with pytest.raises(InvalidInput):
        parse_skills(",".join(f"skill{n}" for n in range(21)))


@pytest.mark.parametrize("bad", ["ftp://x.org", "example.com", "https://", "javascript:x"])
def test_a_portfolio_link_must_be_http(bad: str) -> None:
    with pytest.raises(InvalidInput):
        validate_link(bad)


async def test_acc_01_a_freelancer_profile_is_professional_or_studio(uow: FakeUow) -> None:
    with pytest.raises(InvalidInput):
        await update_freelancer_profile(uow, uow.users.rows[FREELANCER], NOW,
                                        {"headline": "CAD studio, 12 engineers"}, "USD")
    await profile(uow)
    saved = await update_freelancer_profile(uow, uow.users.rows[FREELANCER], NOW, {
        "skills": "AutoCAD, Revit", "categories": ["cad"], "rate": 4_000, "country": "PL"},
        "USD")
    assert saved.account_type is AccountType.STUDIO
    assert (saved.skills, saved.categories, saved.hourly_rate, saved.country) == (
        ("AutoCAD", "Revit"), ("cad",), 4_000, "PL")
    with pytest.raises(InvalidInput):
        await update_freelancer_profile(uow, uow.users.rows[FREELANCER], NOW,
                                        {"account_type": "agency"}, "USD")
    with pytest.raises(Forbidden):
        await update_freelancer_profile(uow, uow.users.rows[EMPLOYER], NOW,
                                        {"account_type": "studio", "headline": "Hello world"},
                                        "USD")


async def test_rat_01_each_portfolio_item_earns_a_point_at_most_100(uow: FakeUow) -> None:
    me = uow.users.rows[FREELANCER]
    with pytest.raises(Conflict):
        await add_portfolio_item(uow, me, NOW, "Gearbox", link="https://example.com/g")
    await profile(uow)
    first, awarded = await add_portfolio_item(uow, me, NOW, "Gearbox",
                                              link="https://example.com/g")
    assert awarded and await uow.points.total(FREELANCER) == 1
    await remove_portfolio_item(uow, me, require_id(first))
    _, awarded = await add_portfolio_item(uow, me, NOW, "Gearbox again", file_id="F1")
    assert not awarded and await uow.points.total(FREELANCER) == 1
    for n in range(99):
        await add_portfolio_item(uow, me, NOW, f"Item {n}", file_id=f"F{n}")
    assert await uow.points.total(FREELANCER) == 100
    with pytest.raises(Conflict):
        await add_portfolio_item(uow, me, NOW, "One too many", file_id="F")


async def test_only_the_owner_removes_a_portfolio_item(uow: FakeUow) -> None:
    await profile(uow)
    item, _ = await add_portfolio_item(uow, uow.users.rows[FREELANCER], NOW, "Gearbox",
                                       file_id="F1")
    with pytest.raises(NotFound):
        await remove_portfolio_item(uow, uow.users.rows[OTHER], require_id(item))
    assert await uow.market.profiles.portfolio_item(require_id(item)) is not None


async def test_an_employer_profile_has_a_name_and_an_optional_company(uow: FakeUow) -> None:
    me = uow.users.rows[EMPLOYER]
    with pytest.raises(InvalidInput):
        await save_employer_profile(uow, me, NOW, company="Acme")
    saved = await save_employer_profile(uow, me, NOW, name="Anna Berg", company="Acme GmbH")
    assert (saved.name, saved.company) == ("Anna Berg", "Acme GmbH")
    saved = await save_employer_profile(uow, me, NOW, clear_company=True)
    assert saved.company is None
    with pytest.raises(Forbidden):
        await save_employer_profile(uow, uow.users.rows[FREELANCER], NOW, name="Bob")


async def test_the_public_card_counts_points_and_bookmarks(uow: FakeUow) -> None:
    await profile(uow)
    await add_portfolio_item(uow, uow.users.rows[FREELANCER], NOW, "Gearbox", file_id="F1")
    await bookmark_expert(uow, uow.users.rows[EMPLOYER], FREELANCER, NOW)
    card = await public_card(uow, uow.users.rows[EMPLOYER], FREELANCER)
    assert card.points == 1 and not card.profi and card.bookmarked and not card.is_self
    assert len(card.portfolio) == 1 and card.freelancer is not None
    uow.users.rows[99] = make_user(99)
    with pytest.raises(NotFound):
        await public_card(uow, uow.users.rows[EMPLOYER], 99)


async def test_bm_01_employers_bookmark_experts_and_experts_bookmark_projects(
        uow: FakeUow) -> None:
    employer, expert = uow.users.rows[EMPLOYER], uow.users.rows[FREELANCER]
    assert await bookmark_expert(uow, employer, FREELANCER, NOW)
    assert not await bookmark_expert(uow, employer, FREELANCER, NOW)
    with pytest.raises(Forbidden):
        await bookmark_expert(uow, expert, OTHER, NOW)
    with pytest.raises(NotFound):
        await bookmark_expert(uow, employer, EMPLOYER, NOW)
    project = await create_project(uow, employer, ProjectDraft(
        title="Logo for a bakery", description="A round logo with a pretzel in it, please.",
        category="design", kind="fixed", budget_min=10_000, budget_max=20_000,
        currency="USD"), NOW)
    with pytest.raises(NotFound):
        await bookmark_project(uow, expert, require_id(project), NOW)
    await publish_project(uow, employer, require_id(project), NOW)
    assert await bookmark_project(uow, expert, require_id(project), NOW)
    with pytest.raises(Forbidden):
        await bookmark_project(uow, employer, require_id(project), NOW)
    page = await list_bookmarks(uow, expert, BookmarkKind.PROJECT, 0)
    assert [b.target_id for b in page.items] == [project.id]
    assert (await list_bookmarks(uow, employer, BookmarkKind.PROJECT, 0)).items == ()


async def test_bm_01_each_side_removes_only_its_own_bookmarks(uow: FakeUow) -> None:
    employer = uow.users.rows[EMPLOYER]
    await bookmark_expert(uow, employer, FREELANCER, NOW)
    assert not await remove_bookmark(uow, uow.users.rows[OTHER], "expert", FREELANCER)
    assert await uow.market.bookmarks.exists(EMPLOYER, BookmarkKind.EXPERT, FREELANCER)
    assert await remove_bookmark(uow, employer, "expert", FREELANCER)
    assert (await list_bookmarks(uow, employer, BookmarkKind.EXPERT, 0)).items == ()
    with pytest.raises(NotFound):
        await remove_bookmark(uow, employer, "forged", FREELANCER)


async def test_acc_02_a_suspended_user_cannot_remove_a_bookmark(uow: FakeUow) -> None:
    employer = uow.users.rows[EMPLOYER]
    await bookmark_expert(uow, employer, FREELANCER, NOW)
    employer.suspended_reason = "chargebacks"
    with pytest.raises(Forbidden):
        await remove_bookmark(uow, employer, "expert", FREELANCER)
    assert await uow.market.bookmarks.exists(EMPLOYER, BookmarkKind.EXPERT, FREELANCER)
