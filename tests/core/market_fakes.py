"""In-memory repositories for the marketplace's core unit tests (no I/O)."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import datetime
from typing import Any

from core.accounts import Role, User
from core.applications import Application, ApplicationStatus
from core.bookmarks import Bookmark, BookmarkKind
from core.contracts import Contract, ContractStatus
from core.ids import require_id
from core.messages import Relation
from core.profiles import EmployerProfile, FreelancerProfile, PortfolioItem
from core.projects import Page, Project, ProjectKind, ProjectStatus
from core.rating import Award
from core.support import QueueItem
from tests.fakes import FakeUnitOfWork, Unfaked

__all__ = ["FakeUow", "make_user"]


def make_user(user_id: int, *roles: Role, suspended: str | None = None) -> User:
    """A user with ``roles``."""
    return User(id=user_id, first_name=f"User{user_id}", roles=set(roles),
                suspended_reason=suspended)


def _page(items: list[Any], page: int, size: int) -> Page[Any]:
    chunk = items[page * size: page * size + size + 1]
    return Page(tuple(copy.copy(i) for i in chunk[:size]), page, len(chunk) > size)


class _Ids:
    def __init__(self) -> None:
        self.last = 0

    def next(self) -> int:
        self.last += 1
        return self.last


class FakeUsers:
    def __init__(self) -> None:
        self.rows: dict[int, User] = {}

    async def get(self, user_id: int) -> User | None:
        return self.rows.get(user_id)

    async def add(self, user: User) -> None:
        self.rows[user.id] = user

    async def save(self, user: User) -> None:
        self.rows[user.id] = user

    async def by_username(self, username: str) -> User | None:
        return next((u for u in self.rows.values() if u.username == username), None)


class FakePoints:
    def __init__(self) -> None:
        self.rows: dict[tuple[int, str], int] = {}

    async def award(self, user_id: int, award: Award, at: datetime) -> bool:
        if (user_id, award.key) in self.rows:
            return False
        self.rows[user_id, award.key] = award.points
        return True

    async def total(self, user_id: int) -> int:
        return sum(p for (uid, _), p in self.rows.items() if uid == user_id)


class FakeProjects:
    def __init__(self) -> None:
        self.rows: dict[int, Project] = {}
        self.ids = _Ids()

    async def add(self, project: Project) -> Project:
        stored = replace(project, id=self.ids.next())
        self.rows[require_id(stored)] = stored
        return copy.copy(stored)

    async def get(self, project_id: int) -> Project | None:
        row = self.rows.get(project_id)
        return copy.copy(row) if row else None

    async def get_many(self, project_ids: list[int]) -> dict[int, Project]:
        return {i: copy.copy(self.rows[i]) for i in project_ids if i in self.rows}

    async def save(self, project: Project) -> None:
        self.rows[require_id(project)] = copy.copy(project)

    async def by_owner(self, owner_id: int, page: int, page_size: int) -> Page[Project]:
        rows = sorted((p for p in self.rows.values() if p.owner_id == owner_id),
                      key=lambda p: -require_id(p))
        return _page(rows, page, page_size)

    async def search(self, category: str | None, keyword: str | None,
                     kind: ProjectKind | None, page: int, page_size: int) -> Page[Project]:
        words = (keyword or "").casefold().split()
        rows = [p for p in self.rows.values() if p.status is ProjectStatus.PUBLISHED
                and (category is None or p.category == category)
                and (kind is None or p.kind is kind)
                and all(w in f"{p.title} {p.description}".casefold() for w in words)]
        rows.sort(key=require_id, reverse=True)
        return _page(rows, page, page_size)


class FakeApplications:
    def __init__(self) -> None:
        self.rows: dict[int, Application] = {}
        self.ids = _Ids()

    async def add(self, application: Application) -> Application:
        if await self.find(application.project_id, application.freelancer_id):
            raise AssertionError("unique (project, freelancer) violated")
        stored = replace(application, id=self.ids.next())
        self.rows[require_id(stored)] = stored
        return copy.copy(stored)

    async def get(self, application_id: int) -> Application | None:
        row = self.rows.get(application_id)
        return copy.copy(row) if row else None

    async def save(self, application: Application) -> None:
        self.rows[require_id(application)] = copy.copy(application)

    async def find(self, project_id: int, freelancer_id: int) -> Application | None:
        for row in self.rows.values():
            if row.project_id == project_id and row.freelancer_id == freelancer_id:
                return copy.copy(row)
        return None

    async def for_project(self, project_id: int, page: int,
                          page_size: int) -> Page[Application]:
        rows = [a for a in self.rows.values() if a.project_id == project_id
                and a.status is not ApplicationStatus.WITHDRAWN]
        rows.sort(key=lambda a: (a.status is not ApplicationStatus.SHORTLISTED, require_id(a)))
        return _page(rows, page, page_size)

    async def by_freelancer(self, freelancer_id: int, page: int,
                            page_size: int) -> Page[Application]:
        rows = sorted((a for a in self.rows.values() if a.freelancer_id == freelancer_id),
                      key=lambda a: -require_id(a))
        return _page(rows, page, page_size)

    async def count_by_freelancer(self, freelancer_id: int) -> int:
        return sum(1 for a in self.rows.values() if a.freelancer_id == freelancer_id)


class FakeContracts:
    def __init__(self) -> None:
        self.rows: dict[int, Contract] = {}
        self.ids = _Ids()

    async def add(self, contract: Contract) -> Contract:
        stored = replace(contract, id=self.ids.next())
        self.rows[require_id(stored)] = stored
        return copy.copy(stored)

    async def get(self, contract_id: int) -> Contract | None:
        row = self.rows.get(contract_id)
        return copy.copy(row) if row else None

    async def save(self, contract: Contract) -> None:
        self.rows[require_id(contract)] = copy.copy(contract)

    async def for_application(self, application_id: int) -> Contract | None:
        found = [c for c in self.rows.values() if c.application_id == application_id]
        return copy.copy(found[-1]) if found else None

    async def for_user(self, user_id: int, statuses: frozenset[ContractStatus], page: int,
                       page_size: int) -> Page[Contract]:
        rows = sorted((c for c in self.rows.values()
                       if c.is_party(user_id) and c.status in statuses),
                      key=lambda c: -require_id(c))
        return _page(rows, page, page_size)

    async def count_for(self, user_id: int, status: ContractStatus) -> int:
        return sum(1 for c in self.rows.values() if c.is_party(user_id) and c.status is status)


class FakeBookmarks:
    def __init__(self) -> None:
        self.rows: list[Bookmark] = []

    async def add(self, bookmark: Bookmark) -> bool:
        if await self.exists(bookmark.owner_id, bookmark.kind, bookmark.target_id):
            return False
        self.rows.append(bookmark)
        return True

    async def remove(self, owner_id: int, kind: BookmarkKind, target_id: int) -> bool:
        before = len(self.rows)
        self.rows = [b for b in self.rows
                     if (b.owner_id, b.kind, b.target_id) != (owner_id, kind, target_id)]
        return len(self.rows) < before

    async def exists(self, owner_id: int, kind: BookmarkKind, target_id: int) -> bool:
        return any((b.owner_id, b.kind, b.target_id) == (owner_id, kind, target_id)
                   for b in self.rows)

    async def count(self, owner_id: int) -> int:
        return sum(1 for b in self.rows if b.owner_id == owner_id)

    async def list(self, owner_id: int, kind: BookmarkKind, page: int,
                   page_size: int) -> Page[Bookmark]:
        rows = [b for b in reversed(self.rows) if b.owner_id == owner_id and b.kind is kind]
        return _page(rows, page, page_size)


class FakeProfiles:
    def __init__(self) -> None:
        self.freelancers: dict[int, FreelancerProfile] = {}
        self.employers: dict[int, EmployerProfile] = {}
        self.items: dict[int, PortfolioItem] = {}
        self.ids = _Ids()

    async def freelancer(self, user_id: int) -> FreelancerProfile | None:
        row = self.freelancers.get(user_id)
        return copy.copy(row) if row else None

    async def save_freelancer(self, profile: FreelancerProfile) -> None:
        self.freelancers[profile.user_id] = copy.copy(profile)

    async def employer(self, user_id: int) -> EmployerProfile | None:
        row = self.employers.get(user_id)
        return copy.copy(row) if row else None

    async def save_employer(self, profile: EmployerProfile) -> None:
        self.employers[profile.user_id] = copy.copy(profile)

    async def add_portfolio(self, item: PortfolioItem) -> PortfolioItem:
        stored = replace(item, id=self.ids.next())
        self.items[require_id(stored)] = stored
        return stored

    async def portfolio_item(self, item_id: int) -> PortfolioItem | None:
        return self.items.get(item_id)

    async def portfolio(self, owner_id: int) -> list[PortfolioItem]:
        return [i for i in self.items.values() if i.owner_id == owner_id]

    async def remove_portfolio(self, item_id: int) -> None:
        self.items.pop(item_id, None)


class FakeMarket:
    def __init__(self) -> None:
        self.profiles = FakeProfiles()
        self.projects = FakeProjects()
        self.applications = FakeApplications()
        self.contracts = FakeContracts()
        self.bookmarks = FakeBookmarks()


class FakeRelay(Unfaked):
    """What MSG-03 screening asks: does an accepted contract join two users?"""

    def __init__(self, market: FakeMarket) -> None:
        self.market = market

    async def relation(self, sender_id: int, recipient_id: int) -> Relation:
        pair = {sender_id, recipient_id}
        accepted = (ContractStatus.ACTIVE, ContractStatus.ENDED)
        contract = any({c.client_id, c.expert_id} == pair and c.status in accepted
                       for c in self.market.contracts.rows.values())
        return Relation(contract=contract)


class FakeSupport(Unfaked):
    """The support queue (MSG-03 flags land here)."""

    def __init__(self) -> None:
        self.items: list[QueueItem] = []

    async def add_item(self, item: QueueItem) -> QueueItem:
        item.id = len(self.items) + 1
        self.items.append(item)
        return item


class FakePayouts(Unfaked):
    """No pair is hired direct or brought as a client (PAY-06) in these tests."""

    async def pair_exempt(self, a: int, b: int) -> bool:
        return False


class FakeUow(FakeUnitOfWork):
    """Just the repositories the marketplace services use."""

    def __init__(self) -> None:
        super().__init__()
        self.users: FakeUsers = FakeUsers()
        self.points: FakePoints = FakePoints()
        self.market: FakeMarket = FakeMarket()
        self.relay: FakeRelay = FakeRelay(self.market)
        self.support: FakeSupport = FakeSupport()
        self.payouts: FakePayouts = FakePayouts()

    def add_user(self, user: User) -> User:
        self.users.rows[user.id] = user
        return user
