"""The marketplace's repositories (``uow.market``) on SQLAlchemy Core.

Rows map to the dataclasses of :mod:`core.projects`, :mod:`core.applications`,
:mod:`core.contracts`, :mod:`core.bookmarks` and :mod:`core.profiles`. Keyword search is the
one dialect-specific query (see :class:`SqlProjectsRepo.search`).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import (
    and_,
    case,
    column,
    delete,
    func,
    insert,
    or_,
    select,
    table,
    text,
    update,
)
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from core.applications import Application, ApplicationStatus
from core.bookmarks import Bookmark, BookmarkKind
from core.contracts import Contract, ContractStatus, EndReason
from core.profiles import AccountType, EmployerProfile, FreelancerProfile, PortfolioItem
from core.projects import Page, Project, ProjectKind, ProjectStatus
from storage.repos.base import dialect_name, fetch_page, insert_ignore, upsert
from storage.tables.market import (
    applications,
    bookmarks,
    contracts,
    employer_profiles,
    freelancer_profiles,
    portfolio_items,
    projects,
)

__all__ = [
    "SqlApplicationsRepo",
    "SqlBookmarksRepo",
    "SqlContractsRepo",
    "SqlMarketRepos",
    "SqlProfilesRepo",
    "SqlProjectsRepo",
    "keyword_terms",
]

MAX_TERMS = 8
PREFIX_MIN, PREFIX_MAX = 3, 6  # as the FTS5 prefix indexes of migration 0004
PG_PROBE = 500
_WORD = re.compile(r"\w+")


def keyword_terms(keyword: str) -> list[str]:
    """The words of a search keyword, lower-cased (at most 8); punctuation is dropped."""
    return _WORD.findall(keyword.casefold())[:MAX_TERMS]


def _prefix(term: str, prefix: str, whole: str) -> str:
    """``term`` as a prefix query (cut to six letters) or, when short, as a whole word."""
    if len(term) >= PREFIX_MIN:
        return prefix.format(term[:PREFIX_MAX])
    return whole.format(term)


def _fields(obj: Any, table: Any, *skip: str) -> dict[str, Any]:
    """The dataclass fields of ``obj`` that are columns of ``table``."""
    return {c.name: getattr(obj, c.name) for c in table.columns
            if c.name not in skip and hasattr(obj, c.name)}


def _project(row: RowMapping) -> Project:
    values = {c.name: row[c.name] for c in projects.columns}
    values["kind"], values["status"] = ProjectKind(row["kind"]), ProjectStatus(row["status"])
    return Project(**values)


class SqlProjectsRepo:
    """:class:`core.ports.ProjectsRepo`."""

    def __init__(self, session: AsyncConnection) -> None:
        self.session = session

    async def add(self, project: Project) -> Project:
        """Insert ``project``; returns it with its new id."""
        values = _fields(project, projects, "id")
        values["updated_at"] = project.updated_at or project.created_at
        new_id = (await self.session.execute(
            insert(projects).values(**values).returning(projects.c.id))).scalar_one()
        project.id = new_id
        return project

    async def get(self, project_id: int) -> Project | None:
        """The project with ``project_id``, or None."""
        row = (await self.session.execute(
            select(projects).where(projects.c.id == project_id))).mappings().first()
        return _project(row) if row is not None else None

    async def get_many(self, project_ids: list[int]) -> dict[int, Project]:
        """The projects among ``project_ids`` that exist, by id."""
        if not project_ids:
            return {}
        rows = (await self.session.execute(
            select(projects).where(projects.c.id.in_(project_ids)))).mappings().all()
        return {row["id"]: _project(row) for row in rows}

    async def save(self, project: Project) -> None:
        """Write every field of an existing project."""
        values = _fields(project, projects, "id", "owner_id", "created_at")
        values["updated_at"] = project.updated_at or project.created_at
        result = await self.session.execute(
            update(projects).where(projects.c.id == project.id).values(**values))
        if not result.rowcount:
            raise LookupError(f"no project {project.id} to save")

    async def by_owner(self, owner_id: int, page: int, page_size: int) -> Page[Project]:
        """The owner's projects, newest first."""
        query = (select(projects).where(projects.c.owner_id == owner_id)
                 .order_by(projects.c.id.desc()))
        return await fetch_page(self.session, query, page, page_size, _project)

    async def search(self, category: str | None, keyword: str | None,
                     kind: ProjectKind | None, page: int, page_size: int) -> Page[Project]:
        """Published projects by category, kind and keyword, newest (highest id) first.

        Every word of the keyword must occur. Words of three or more letters match by their
        first six letters at most, as prefixes ("transl" and "translator" both find
        "translation": a crude, language-neutral stemming); shorter words match whole words.

        SQLite walks the FTS5 index ``projects_fts`` in descending rowid (= project id) order
        and stops once the page is full, so common words cost no more than rare ones.
        PostgreSQL matches the generated ``search_tsv`` column through its GIN index; see
        :meth:`_postgresql_search` for how it stays fast for rare and common words alike.
        """
        conditions = [projects.c.status == ProjectStatus.PUBLISHED.value]
        if category is not None:
            conditions.append(projects.c.category == category)
        if kind is not None:
            conditions.append(projects.c.kind == ProjectKind(kind).value)
        terms = keyword_terms(keyword) if keyword else []
        query = select(projects)
        if not terms:
            query = query.order_by(projects.c.id.desc())
        elif dialect_name(self.session) == "postgresql":
            query = await self._postgresql_search(terms, conditions)
        else:
            match = " ".join(_prefix(t, '"{}"*', '"{}"') for t in terms)
            fts = table("projects_fts", column("rowid"))
            query = (query.select_from(fts.join(projects, projects.c.id == fts.c.rowid))
                     .where(text("projects_fts MATCH :match").bindparams(match=match))
                     .order_by(fts.c.rowid.desc()))
        return await fetch_page(self.session, query.where(and_(*conditions)), page, page_size,
                                _project)

    async def _postgresql_search(self, terms: list[str], conditions: list[Any]) -> Any:
        """The keyword query for PostgreSQL, shaped by how many projects match.

        Walking the id index newest first and testing each row is fast when matches are
        dense, hopeless when they are rare (every row is tested); collecting the matches
        through the GIN index and sorting them is the reverse. A probe counts up to
        :data:`PG_PROBE` matches through the index: fewer means rare (collect and sort),
        as many means common (walk).
        """
        tsquery = " & ".join(_prefix(t, "{}:*", "{}") for t in terms)
        matches = text("projects.search_tsv @@ to_tsquery('simple', :tsquery)").bindparams(
            tsquery=tsquery)
        hits = select(projects.c.id).where(matches, *conditions)
        probe = select(func.count()).select_from(hits.limit(PG_PROBE).subquery())
        if (await self.session.execute(probe)).scalar_one() >= PG_PROBE:
            return select(projects).where(matches).order_by(projects.c.id.desc())
        rare = hits.cte("hits").prefix_with("MATERIALIZED")
        return (select(projects).where(projects.c.id.in_(select(rare.c.id)))
                .order_by(projects.c.id.desc()))


def _application(row: RowMapping) -> Application:
    values = {c.name: row[c.name] for c in applications.columns}
    values["status"] = ApplicationStatus(row["status"])
    return Application(**values)


class SqlApplicationsRepo:
    """:class:`core.ports.ApplicationsRepo`."""

    def __init__(self, session: AsyncConnection) -> None:
        self.session = session

    async def add(self, application: Application) -> Application:
        """Insert ``application``; returns it with its new id."""
        values = _fields(application, applications, "id")
        values["updated_at"] = application.updated_at or application.created_at
        application.id = (await self.session.execute(
            insert(applications).values(**values).returning(applications.c.id))).scalar_one()
        return application

    async def get(self, application_id: int) -> Application | None:
        """The application with ``application_id``, or None."""
        row = (await self.session.execute(select(applications).where(
            applications.c.id == application_id))).mappings().first()
        return _application(row) if row is not None else None

    async def save(self, application: Application) -> None:
        """Write the changing fields of an existing application."""
        values = _fields(application, applications, "id", "project_id", "freelancer_id",
                         "created_at", "currency")
        values["updated_at"] = application.updated_at or application.created_at
        await self.session.execute(update(applications).where(
            applications.c.id == application.id).values(**values))

    async def find(self, project_id: int, freelancer_id: int) -> Application | None:
        """The freelancer's application to the project, or None."""
        row = (await self.session.execute(select(applications).where(
            applications.c.project_id == project_id,
            applications.c.freelancer_id == freelancer_id))).mappings().first()
        return _application(row) if row is not None else None

    async def for_project(self, project_id: int, page: int,
                          page_size: int) -> Page[Application]:
        """Not-withdrawn applications: shortlisted first, then oldest first."""
        shortlisted = case((applications.c.status == ApplicationStatus.SHORTLISTED.value, 0),
                           else_=1)
        query = (select(applications)
                 .where(applications.c.project_id == project_id,
                        applications.c.status != ApplicationStatus.WITHDRAWN.value)
                 .order_by(shortlisted, applications.c.id))
        return await fetch_page(self.session, query, page, page_size, _application)

    async def by_freelancer(self, freelancer_id: int, page: int,
                            page_size: int) -> Page[Application]:
        """The freelancer's applications, newest first."""
        query = (select(applications).where(applications.c.freelancer_id == freelancer_id)
                 .order_by(applications.c.id.desc()))
        return await fetch_page(self.session, query, page, page_size, _application)

    async def count_by_freelancer(self, freelancer_id: int) -> int:
        """How many projects the freelancer ever applied to."""
        return (await self.session.execute(select(func.count()).select_from(applications).where(
            applications.c.freelancer_id == freelancer_id))).scalar_one()


def _contract(row: RowMapping) -> Contract:
    values = {c.name: row[c.name] for c in contracts.columns}
    values["kind"], values["status"] = ProjectKind(row["kind"]), ContractStatus(row["status"])
    values["end_reason"] = EndReason(row["end_reason"]) if row["end_reason"] else None
    return Contract(**values)


class SqlContractsRepo:
    """:class:`core.ports.ContractsRepo`."""

    def __init__(self, session: AsyncConnection) -> None:
        self.session = session

    async def add(self, contract: Contract) -> Contract:
        """Insert ``contract``; returns it with its new id."""
        contract.id = (await self.session.execute(insert(contracts).values(
            **_fields(contract, contracts, "id")).returning(contracts.c.id))).scalar_one()
        return contract

    async def get(self, contract_id: int) -> Contract | None:
        """The contract with ``contract_id``, or None."""
        row = (await self.session.execute(
            select(contracts).where(contracts.c.id == contract_id))).mappings().first()
        return _contract(row) if row is not None else None

    async def save(self, contract: Contract) -> None:
        """Write the changing fields of an existing contract."""
        values = _fields(contract, contracts, "id", "project_id", "application_id",
                         "client_id", "expert_id", "kind", "currency", "created_at")
        await self.session.execute(
            update(contracts).where(contracts.c.id == contract.id).values(**values))

    async def for_application(self, application_id: int) -> Contract | None:
        """The offer (or contract) made by choosing this application, or None."""
        row = (await self.session.execute(select(contracts).where(
            contracts.c.application_id == application_id))).mappings().first()
        return _contract(row) if row is not None else None

    async def for_user(self, user_id: int, statuses: frozenset[ContractStatus], page: int,
                       page_size: int) -> Page[Contract]:
        """The user's contracts (either side) in ``statuses``, newest first."""
        query = (select(contracts)
                 .where(or_(contracts.c.client_id == user_id, contracts.c.expert_id == user_id),
                        contracts.c.status.in_(sorted(s.value for s in statuses)))
                 .order_by(contracts.c.id.desc()))
        return await fetch_page(self.session, query, page, page_size, _contract)

    async def count_for(self, user_id: int, status: ContractStatus) -> int:
        """How many contracts in ``status`` the user has, on either side."""
        return (await self.session.execute(select(func.count()).select_from(contracts).where(
            or_(contracts.c.client_id == user_id, contracts.c.expert_id == user_id),
            contracts.c.status == status.value))).scalar_one()


class SqlBookmarksRepo:
    """:class:`core.ports.BookmarksRepo`."""

    def __init__(self, session: AsyncConnection) -> None:
        self.session = session

    def _key(self, owner_id: int, kind: BookmarkKind, target_id: int) -> Any:
        return and_(bookmarks.c.owner_id == owner_id,
                    bookmarks.c.kind == BookmarkKind(kind).value,
                    bookmarks.c.target_id == target_id)

    async def add(self, bookmark: Bookmark) -> bool:
        """Keep ``bookmark``; False if it was already kept."""
        return await insert_ignore(self.session, bookmarks, {
            "owner_id": bookmark.owner_id, "kind": bookmark.kind.value,
            "target_id": bookmark.target_id, "created_at": bookmark.created_at,
        }, ("owner_id", "kind", "target_id"))

    async def remove(self, owner_id: int, kind: BookmarkKind, target_id: int) -> bool:
        """Drop the owner's bookmark; False if there was none."""
        result = await self.session.execute(
            delete(bookmarks).where(self._key(owner_id, kind, target_id)))
        return bool(result.rowcount)

    async def exists(self, owner_id: int, kind: BookmarkKind, target_id: int) -> bool:
        """Whether the owner keeps this target."""
        found = await self.session.execute(
            select(bookmarks.c.target_id).where(self._key(owner_id, kind, target_id)))
        return found.first() is not None

    async def count(self, owner_id: int) -> int:
        """How many bookmarks the owner keeps."""
        return (await self.session.execute(select(func.count()).select_from(bookmarks).where(
            bookmarks.c.owner_id == owner_id))).scalar_one()

    async def list(self, owner_id: int, kind: BookmarkKind, page: int,
                   page_size: int) -> Page[Bookmark]:
        """The owner's bookmarks of ``kind``, newest first."""
        query = (select(bookmarks)
                 .where(bookmarks.c.owner_id == owner_id,
                        bookmarks.c.kind == BookmarkKind(kind).value)
                 .order_by(bookmarks.c.created_at.desc(), bookmarks.c.target_id.desc()))
        return await fetch_page(self.session, query, page, page_size, lambda r: Bookmark(
            r["owner_id"], BookmarkKind(r["kind"]), r["target_id"], r["created_at"]))


class SqlProfilesRepo:
    """:class:`core.ports.ProfilesRepo`."""

    def __init__(self, session: AsyncConnection) -> None:
        self.session = session

    async def freelancer(self, user_id: int) -> FreelancerProfile | None:
        """The user's freelancer profile, or None."""
        row = (await self.session.execute(select(freelancer_profiles).where(
            freelancer_profiles.c.user_id == user_id))).mappings().first()
        if row is None:
            return None
        values = {c.name: row[c.name] for c in freelancer_profiles.columns}
        values["account_type"] = AccountType(row["account_type"])
        values["skills"], values["categories"] = tuple(row["skills"]), tuple(row["categories"])
        return FreelancerProfile(**values)

    async def save_freelancer(self, profile: FreelancerProfile) -> None:
        """Insert or update the freelancer profile."""
        values = _fields(profile, freelancer_profiles)
        values["account_type"] = AccountType(profile.account_type).value
        values["skills"], values["categories"] = list(profile.skills), list(profile.categories)
        values["updated_at"] = profile.updated_at or profile.created_at
        await upsert(self.session, freelancer_profiles, values, ("user_id",))

    async def employer(self, user_id: int) -> EmployerProfile | None:
        """The user's employer profile, or None."""
        row = (await self.session.execute(select(employer_profiles).where(
            employer_profiles.c.user_id == user_id))).mappings().first()
        if row is None:
            return None
        return EmployerProfile(**{c.name: row[c.name] for c in employer_profiles.columns})

    async def save_employer(self, profile: EmployerProfile) -> None:
        """Insert or update the employer profile."""
        values = _fields(profile, employer_profiles)
        values["updated_at"] = profile.updated_at or profile.created_at
        await upsert(self.session, employer_profiles, values, ("user_id",))

    async def add_portfolio(self, item: PortfolioItem) -> PortfolioItem:
        """Insert a portfolio item; returns it with its new id."""
        item.id = (await self.session.execute(insert(portfolio_items).values(
            **_fields(item, portfolio_items, "id")).returning(portfolio_items.c.id))
        ).scalar_one()
        return item

    async def portfolio_item(self, item_id: int) -> PortfolioItem | None:
        """The portfolio item with ``item_id``, or None."""
        row = (await self.session.execute(select(portfolio_items).where(
            portfolio_items.c.id == item_id))).mappings().first()
        return PortfolioItem(**dict(row)) if row is not None else None

    async def portfolio(self, owner_id: int) -> list[PortfolioItem]:
        """The owner's portfolio, oldest first."""
        rows = (await self.session.execute(select(portfolio_items).where(
            portfolio_items.c.owner_id == owner_id).order_by(portfolio_items.c.id))
        ).mappings().all()
        return [PortfolioItem(**dict(row)) for row in rows]

    async def remove_portfolio(self, item_id: int) -> None:
        """Delete a portfolio item."""
        await self.session.execute(delete(portfolio_items).where(portfolio_items.c.id == item_id))


class SqlMarketRepos:
    """:class:`core.ports.MarketRepos`: every marketplace repository on one session."""

    def __init__(self, session: AsyncConnection) -> None:
        self.profiles = SqlProfilesRepo(session)
        self.projects = SqlProjectsRepo(session)
        self.applications = SqlApplicationsRepo(session)
        self.contracts = SqlContractsRepo(session)
        self.bookmarks = SqlBookmarksRepo(session)
