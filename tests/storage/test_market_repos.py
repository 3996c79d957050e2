"""The marketplace's repositories on SQLite and PostgreSQL: round trips, constraints, search."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from core.accounts import Role, User
from core.applications import Application, ApplicationStatus
from core.bookmarks import Bookmark, BookmarkKind
from core.contracts import Contract, ContractStatus, EndReason
from core.ids import require_id
from core.profiles import AccountType, EmployerProfile, FreelancerProfile, PortfolioItem
from core.projects import Project, ProjectKind, ProjectStatus
from storage import Database
from storage.repos.market import keyword_terms
from tests.conftest import START
from tests.fakes import present

EMPLOYER, FREELANCER, OTHER = 101, 202, 303


async def _users(database: Database) -> None:
    async with database.uow() as uow:
        for uid, roles in ((EMPLOYER, {Role.CLIENT}), (FREELANCER, {Role.EXPERT}),
                           (OTHER, {Role.EXPERT})):
            await uow.users.add(User(id=uid, first_name="U", roles=roles, created_at=START,
                                     last_seen_at=START))
        await uow.commit()


def _project(title: str = "Design a gearbox housing", *, category: str = "cad",
             kind: ProjectKind = ProjectKind.FIXED, published: int | None = 0,
             description: str = "Cast aluminium housing, STEP files wanted.") -> Project:
    return Project(owner_id=EMPLOYER, title=title, description=description, category=category,
                   kind=kind, currency="USD", budget_min=10_000, budget_max=20_000,
                   created_at=START, deadline=date(2026, 6, 1),
                   status=ProjectStatus.DRAFT if published is None else ProjectStatus.PUBLISHED,
                   published_at=None if published is None else START + timedelta(
                       minutes=published))


@pytest.fixture
async def db(database: Database) -> Database:
    await _users(database)
    return database


def test_keyword_terms_drop_punctuation_and_keep_eight_words() -> None:
    assert keyword_terms("C++, SolidWorks!  Чертёж") == ["c", "solidworks", "чертёж"]
    assert len(keyword_terms(" ".join(f"w{n}" for n in range(12)))) == 8
    assert keyword_terms('"quote" OR near*') == ["quote", "or", "near"]


async def test_a_project_round_trips_with_every_field(db: Database) -> None:
    async with db.uow() as uow:
        added = await uow.market.projects.add(_project())
        await uow.commit()
    async with db.uow() as uow:
        loaded = present(await uow.market.projects.get(require_id(added)))
        assert loaded == replace(added, updated_at=START)
        assert loaded.kind is ProjectKind.FIXED and loaded.status is ProjectStatus.PUBLISHED
        loaded.close(START + timedelta(days=1))
        await uow.market.projects.save(loaded)
        await uow.commit()
    async with db.uow() as uow:
        again = present(await uow.market.projects.get(require_id(added)))
        assert again.status is ProjectStatus.CLOSED and again.closed_at == START + timedelta(1)
        assert await uow.market.projects.get(require_id(added) + 1000) is None
        assert list(await uow.market.projects.get_many([require_id(added), 999])) == [
            require_id(added)]


async def test_the_database_refuses_a_budget_range_upside_down(db: Database) -> None:
    async with db.uow() as uow:
        with pytest.raises(IntegrityError):
            await uow.market.projects.add(replace(_project(), budget_min=30_000))


async def test_search_filters_by_status_category_kind_and_keyword(db: Database) -> None:
    async with db.uow() as uow:
        repo = uow.market.projects
        gearbox = await repo.add(_project())
        await repo.add(_project("Gearbox draft, hidden", published=None))
        hourly = await repo.add(_project("Support our gearbox line", kind=ProjectKind.HOURLY,
                                         published=5, description="Ongoing drawing changes."))
        logo = await repo.add(_project("Логотип для пекарни", category="design", published=9,
                                       description="Круглый логотип с кренделем."))
        await uow.commit()
    async with db.uow() as uow:
        repo = uow.market.projects

        async def ids(category: str | None = None, keyword: str | None = None,
                      kind: ProjectKind | None = None) -> list[int]:
            found = await repo.search(category, keyword, kind, 0, 10)
            return [require_id(p) for p in found.items]

        assert await ids() == [logo.id, hourly.id, gearbox.id]
        assert await ids(keyword="gearbox") == [hourly.id, gearbox.id]
        assert await ids(keyword="GEAR") == [hourly.id, gearbox.id]
        assert await ids(keyword="gearbox step") == [gearbox.id]
        assert await ids(keyword="логотип") == [logo.id]
        assert await ids(keyword="кренделем") == [logo.id]
        assert await ids(keyword="hidden") == []
        assert await ids(category="cad") == [hourly.id, gearbox.id]
        assert await ids(category="cad", kind=ProjectKind.HOURLY) == [hourly.id]
        assert await ids(keyword='"; DROP TABLE projects; --') == []


async def test_search_follows_edits_of_title_and_description(db: Database) -> None:
    async with db.uow() as uow:
        project = await uow.market.projects.add(_project())
        await uow.commit()
    async with db.uow() as uow:
        project.title = "Translate a user manual"
        await uow.market.projects.save(project)
        await uow.commit()
    async with db.uow() as uow:
        assert (await uow.market.projects.search(None, "gearbox", None, 0, 5)).items == ()
        found = await uow.market.projects.search(None, "manual", None, 0, 5)
        assert [p.id for p in found.items] == [project.id]


async def test_search_pages_are_newest_first_and_say_whether_more_follow(db: Database) -> None:
    async with db.uow() as uow:
        added = [await uow.market.projects.add(_project(f"Gearbox job {n}", published=n))
                 for n in range(7)]
        await uow.commit()
    async with db.uow() as uow:
        first = await uow.market.projects.search(None, "gearbox", None, 0, 5)
        second = await uow.market.projects.search(None, "gearbox", None, 1, 5)
    assert [p.id for p in first.items] == [p.id for p in reversed(added)][:5] and first.has_more
    assert [p.id for p in second.items] == [added[1].id, added[0].id] and not second.has_more


async def test_one_application_per_freelancer_per_project(db: Database) -> None:
    async with db.uow() as uow:
        project = await uow.market.projects.add(_project())
        app = Application(project_id=require_id(project), freelancer_id=FREELANCER,
                          cover_letter="I fit well.", amount=15_000, currency="USD",
                          created_at=START)
        added = await uow.market.applications.add(app)
        await uow.commit()
    async with db.uow() as uow:
        with pytest.raises(IntegrityError):
            await uow.market.applications.add(replace(app, id=None))
    async with db.uow() as uow:
        repo = uow.market.applications
        assert present(await repo.find(require_id(project), FREELANCER)).id == require_id(added)
        other = await repo.add(replace(app, id=None, freelancer_id=OTHER))
        other.shortlist(True, START)
        await repo.save(other)
        added.withdraw(START)
        await repo.save(added)
        await uow.commit()
    async with db.uow() as uow:
        repo = uow.market.applications
        page = await repo.for_project(require_id(project), 0, 5)
        assert [a.id for a in page.items] == [other.id]
        assert page.items[0].status is ApplicationStatus.SHORTLISTED
        assert await repo.count_by_freelancer(FREELANCER) == 1
        mine = await repo.by_freelancer(FREELANCER, 0, 5)
        assert [a.status for a in mine.items] == [ApplicationStatus.WITHDRAWN]


async def test_a_contract_round_trips_and_the_database_checks_its_terms(db: Database) -> None:
    async with db.uow() as uow:
        project = await uow.market.projects.add(_project(kind=ProjectKind.HOURLY))
        app = await uow.market.applications.add(Application(
            project_id=require_id(project), freelancer_id=FREELANCER, cover_letter="I fit.",
            amount=3_000, currency="USD", created_at=START))
        contract = await uow.market.contracts.add(Contract(
            project_id=require_id(project), application_id=require_id(app), client_id=EMPLOYER,
            expert_id=FREELANCER, kind=ProjectKind.HOURLY, currency="USD", created_at=START,
            hourly_rate=3_000, weekly_limit=20))
        await uow.commit()
    async with db.uow() as uow:
        repo = uow.market.contracts
        loaded = await repo.get(require_id(contract))
        assert loaded == contract
        loaded.accept(FREELANCER, START)
        loaded.end(EMPLOYER, EndReason.COMPLETED, START + timedelta(days=3))
        await repo.save(loaded)
        await uow.commit()
    async with db.uow() as uow:
        repo = uow.market.contracts
        ended = present(await repo.get(require_id(contract)))
        assert (ended.status, ended.end_reason, ended.ended_by) == (
            ContractStatus.ENDED, EndReason.COMPLETED, EMPLOYER)
        assert present(await repo.for_application(require_id(app))).id == require_id(contract)
        for who in (EMPLOYER, FREELANCER):
            page = await repo.for_user(who, frozenset({ContractStatus.ENDED}), 0, 5)
            assert [c.id for c in page.items] == [contract.id]
            assert await repo.count_for(who, ContractStatus.ENDED) == 1
        assert await repo.count_for(OTHER, ContractStatus.ENDED) == 0
    async with db.engine.connect() as connection:
        with pytest.raises(IntegrityError):
            await connection.execute(text(
                "UPDATE contracts SET status = 'ended', end_reason = NULL"))


async def test_bm_01_bookmarks_are_kept_once_listed_newest_first_and_removed(
        db: Database) -> None:
    async with db.uow() as uow:
        repo = uow.market.bookmarks
        assert await repo.add(Bookmark(EMPLOYER, BookmarkKind.EXPERT, FREELANCER, START))
        assert not await repo.add(Bookmark(EMPLOYER, BookmarkKind.EXPERT, FREELANCER, START))
        assert await repo.add(Bookmark(EMPLOYER, BookmarkKind.EXPERT, OTHER,
                                       START + timedelta(1)))
        await uow.commit()
    async with db.uow() as uow:
        repo = uow.market.bookmarks
        page = await repo.list(EMPLOYER, BookmarkKind.EXPERT, 0, 5)
        assert [b.target_id for b in page.items] == [OTHER, FREELANCER]
        assert (await repo.list(EMPLOYER, BookmarkKind.PROJECT, 0, 5)).items == ()
        assert await repo.count(EMPLOYER) == 2
        assert not await repo.remove(FREELANCER, BookmarkKind.EXPERT, OTHER)
        assert await repo.remove(EMPLOYER, BookmarkKind.EXPERT, OTHER)
        assert not await repo.exists(EMPLOYER, BookmarkKind.EXPERT, OTHER)


async def test_profiles_are_upserted_and_portfolio_items_listed(db: Database) -> None:
    profile = FreelancerProfile(user_id=FREELANCER, account_type=AccountType.STUDIO,
                                headline="CAD studio", created_at=START, skills=("AutoCAD",),
                                categories=("cad",), hourly_rate=4_000, country="PL")
    async with db.uow() as uow:
        repo = uow.market.profiles
        await repo.save_freelancer(profile)
        await repo.save_freelancer(replace(profile, headline="CAD studio, 12 people"))
        await repo.save_employer(EmployerProfile(EMPLOYER, "Anna", START, company="Acme"))
        item = await repo.add_portfolio(PortfolioItem(FREELANCER, "Gearbox", START,
                                                      link="https://example.com"))
        await repo.add_portfolio(PortfolioItem(FREELANCER, "Pump", START, file_id="F1"))
        await uow.commit()
    async with db.uow() as uow:
        repo = uow.market.profiles
        loaded = await repo.freelancer(FREELANCER)
        assert loaded == replace(profile, headline="CAD studio, 12 people", updated_at=START)
        assert present(await repo.employer(EMPLOYER)).company == "Acme"
        assert await repo.freelancer(EMPLOYER) is None
        assert [i.title for i in await repo.portfolio(FREELANCER)] == ["Gearbox", "Pump"]
        await repo.remove_portfolio(require_id(item))
        assert await repo.portfolio_item(require_id(item)) is None
        assert len(await repo.portfolio(FREELANCER)) == 1


@pytest.mark.parametrize("probe", [1, 500])
async def test_search_gives_the_same_page_whether_matches_look_rare_or_common(
        db: Database, probe: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("storage.repos.market.PG_PROBE", probe)
    async with db.uow() as uow:
        added = [await uow.market.projects.add(_project(f"Gearbox job {n}", published=n))
                 for n in range(4)]
        await uow.market.projects.add(_project("Logo for a bakery", category="design"))
        await uow.commit()
    async with db.uow() as uow:
        found = await uow.market.projects.search("cad", "gear", None, 0, 3)
    assert [p.id for p in found.items] == [p.id for p in reversed(added)][:3] and found.has_more
