"""What core needs from storage, as Protocols; ``storage`` implements them.

A unit of work is an async context manager: it rolls back unless :meth:`UnitOfWork.commit`
was called. Repositories never commit. Feature issues add their own repositories here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from core.accounts import User
from core.applications import Application
from core.bookmarks import Bookmark, BookmarkKind
from core.contracts import Contract, ContractStatus
from core.email_verification import EmailCode, OutgoingMail
from core.ledger import (
    Account,
    AccountKind,
    AccountRef,
    Hold,
    Owner,
    PostedTransaction,
    StatementLine,
    Transaction,
)
from core.ledger_audit import LedgerAudit
from core.messages import Message, Relation, Thread
from core.milestone_events import MilestoneEvent, MilestoneInvoice
from core.milestones import Milestone
from core.money import Money
from core.payments import TopUpIntent
from core.payouts.ports import PayoutsRepo
from core.profiles import EmployerProfile, FreelancerProfile, PortfolioItem
from core.projects import Page, Project, ProjectKind
from core.rating import Award
from core.support import AuditEntry, ItemKind, QueueItem

__all__ = ["DialogRepo", "LedgerAccountsRepo", "LedgerRepo", "OutboxRepo", "PointsRepo",
           "UnitOfWork", "UpdatesRepo", "UsersRepo"]
__all__ += ["EmailRepo", "Mailer", "RelayRepo", "SupportRepo"]
__all__ += ["PaymentsRepo"]
__all__ += ["MilestonesRepo"]
__all__ += ["ApplicationsRepo", "BookmarksRepo", "ContractsRepo", "MarketRepos", "ProfilesRepo",
            "ProjectsRepo"]


class UsersRepo(Protocol):
    async def get(self, user_id: int) -> User | None: ...

    async def add(self, user: User) -> None: ...

    async def save(self, user: User) -> None:
        """Persist changes to an existing user."""

    async def by_username(self, username: str) -> User | None: ...


class UpdatesRepo(Protocol):
    async def claim(self, update_id: int, at: datetime, *, user_id: int | None = None) -> bool:
        """Record ``update_id``; False if it was already processed (a duplicate).

        ``user_id``, the user the update comes from, lets the repository read that user in
        the same round trip, for the ``users.get`` that follows.
        """




class DialogRepo(Protocol):
    async def get(self, user_id: int) -> tuple[str | None, dict[str, Any]]:
        """The awaited input (``None`` outside a dialog) and its draft."""

    async def set(self, user_id: int, state: str | None, draft: Mapping[str, Any]) -> None: ...

    async def clear(self, user_id: int) -> None: ...


class PointsRepo(Protocol):
    async def award(self, user_id: int, award: Award, at: datetime) -> bool:
        """Record ``award`` once per (user, key); True if it was new."""

    async def total(self, user_id: int) -> int: ...


class OutboxRepo(Protocol):
    async def add(self, *, user_id: int, chat_id: int, text: str,
                  keyboard: list[list[dict[str, str]]] | None,
                  dedupe_key: str | None) -> bool:
        """Queue a rendered notification; False (nothing written) if ``dedupe_key`` was used."""


class LedgerAccountsRepo(Protocol):
    async def get_or_open(self, kind: AccountKind, owner: Owner, currency: str) -> Account:
        """The account, opened with a zero balance if it did not exist."""

    async def find(self, ref: AccountRef) -> Account | None: ...

    async def of_owner(self, owner: Owner) -> list[Account]:
        """Every account of ``owner``, in a stable order."""


class LedgerRepo(Protocol):
    """The ledger's storage (see :mod:`core.ledger` for the design and its invariants)."""

    @property
    def accounts(self) -> LedgerAccountsRepo:
        """Opening and finding accounts."""

    async def post(self, tx: Transaction) -> PostedTransaction:
        """Record a validated ``tx`` atomically, idempotently by its key.

        Raises:
            IdempotencyConflict: the key was used with other content (nothing is written).
            InsufficientFunds: a guarded account would go negative (nothing is written).
            HoldNotOpen: a pending debit names a hold that is not open with that amount.
        """

    async def get(self, key: str) -> PostedTransaction | None:
        """The transaction recorded under ``key``, if any."""

    async def balance(self, ref: AccountRef) -> Money:
        """The maintained balance (zero for an account never opened)."""

    async def holds_due(self, at: datetime, limit: int = 500) -> list[Hold]:
        """Open holds whose clearing instant is at or before ``at``, oldest first."""

    async def open_holds(self, owner: Owner, currency: str | None = None) -> list[Hold]:
        """Open holds of ``owner``'s pending accounts, by clearing date (HOLD-04)."""

    async def get_hold(self, hold_id: int) -> Hold | None: ...

    async def history(self, ref: AccountRef, limit: int = 10,
                      before_id: int | None = None) -> list[StatementLine]:
        """The account's latest transactions, newest first, older than ``before_id``."""

    async def audit(self, sample: int = 20) -> LedgerAudit:
        """Scan the whole ledger for the operator check (up to ``sample`` of each problem)."""


class PaymentsRepo(Protocol):
    """Top-up intents (:mod:`core.payments`), reached as ``uow.payments``."""

    async def add(self, intent: TopUpIntent) -> TopUpIntent:
        """Store a new intent; returns it with its ``id`` set."""

    async def get(self, intent_id: int) -> TopUpIntent | None: ...

    async def by_charge(self, charge_id: str) -> TopUpIntent | None:
        """The intent paid by the gateway charge ``charge_id``, if any."""

    async def mark_paid(self, intent: TopUpIntent) -> bool:
        """Record ``intent`` (status paid) if it is still invoiced; False if it was not."""

    async def escrow_of_client(self, user_id: int) -> list[Money]:
        """Per currency, what sits in the escrows this user's wallet funded (non-zero only)."""


class ProjectsRepo(Protocol):
    """Projects (:mod:`core.projects`)."""

    async def add(self, project: Project) -> Project:
        """Store a new project; returns it with its ``id`` set."""

    async def get(self, project_id: int) -> Project | None: ...

    async def get_many(self, project_ids: list[int]) -> dict[int, Project]: ...

    async def save(self, project: Project) -> None:
        """Persist changes to an existing project."""

    async def by_owner(self, owner_id: int, page: int, page_size: int) -> Page[Project]:
        """The owner's projects of every status, newest first."""

    async def search(self, category: str | None, keyword: str | None,
                     kind: ProjectKind | None, page: int, page_size: int) -> Page[Project]:
        """Published projects matching every given filter, newest first."""


class ApplicationsRepo(Protocol):
    """Applications (:mod:`core.applications`); one per (project, freelancer)."""

    async def add(self, application: Application) -> Application: ...

    async def get(self, application_id: int) -> Application | None: ...

    async def save(self, application: Application) -> None: ...

    async def find(self, project_id: int, freelancer_id: int) -> Application | None: ...

    async def for_project(self, project_id: int, page: int, page_size: int) -> Page[Application]:
        """Applications that are not withdrawn, shortlisted first, then oldest first."""

    async def by_freelancer(self, freelancer_id: int, page: int,
                            page_size: int) -> Page[Application]:
        """The freelancer's applications, newest first."""

    async def count_by_freelancer(self, freelancer_id: int) -> int:
        """How many projects the freelancer ever applied to (withdrawn ones included)."""


class ContractsRepo(Protocol):
    """Contracts (:mod:`core.contracts`)."""

    async def add(self, contract: Contract) -> Contract: ...

    async def get(self, contract_id: int) -> Contract | None: ...

    async def save(self, contract: Contract) -> None: ...

    async def for_application(self, application_id: int) -> Contract | None: ...

    async def for_user(self, user_id: int, statuses: frozenset[ContractStatus], page: int,
                       page_size: int) -> Page[Contract]:
        """Contracts in which ``user_id`` is a party, newest first."""

    async def count_for(self, user_id: int, status: ContractStatus) -> int: ...


class BookmarksRepo(Protocol):
    """Bookmarks (BM-01), private to their owner."""

    async def add(self, bookmark: Bookmark) -> bool:
        """Keep ``bookmark``; False if the owner already had it."""

    async def remove(self, owner_id: int, kind: BookmarkKind, target_id: int) -> bool: ...

    async def exists(self, owner_id: int, kind: BookmarkKind, target_id: int) -> bool: ...

    async def count(self, owner_id: int) -> int: ...

    async def list(self, owner_id: int, kind: BookmarkKind, page: int,
                   page_size: int) -> Page[Bookmark]:
        """The owner's bookmarks of ``kind``, newest first."""


class ProfilesRepo(Protocol):
    """Freelancer and employer profiles and portfolio items (:mod:`core.profiles`)."""

    async def freelancer(self, user_id: int) -> FreelancerProfile | None: ...

    async def save_freelancer(self, profile: FreelancerProfile) -> None:
        """Insert or update."""

    async def employer(self, user_id: int) -> EmployerProfile | None: ...

    async def save_employer(self, profile: EmployerProfile) -> None:
        """Insert or update."""

    async def add_portfolio(self, item: PortfolioItem) -> PortfolioItem: ...

    async def portfolio_item(self, item_id: int) -> PortfolioItem | None: ...

    async def portfolio(self, owner_id: int) -> list[PortfolioItem]:
        """The owner's items, oldest first."""

    async def remove_portfolio(self, item_id: int) -> None: ...


class MarketRepos(Protocol):
    """The marketplace's repositories (issue 4), reached as ``uow.market``."""

    @property
    def profiles(self) -> ProfilesRepo: ...

    @property
    def projects(self) -> ProjectsRepo: ...

    @property
    def applications(self) -> ApplicationsRepo: ...

    @property
    def contracts(self) -> ContractsRepo: ...

    @property
    def bookmarks(self) -> BookmarksRepo: ...


class RelayRepo(Protocol):
    """Relayed-message threads and messages (:mod:`core.messages`), reached as ``uow.relay``."""

    async def relation(self, sender_id: int, recipient_id: int) -> Relation:
        """What joins the two users in the marketplace (applications, contracts, profiles)."""

    async def thread_between(self, a: int, b: int) -> Thread | None: ...

    async def add_thread(self, thread: Thread) -> Thread:
        """Store a new thread; returns it with its ``id`` set."""

    async def get_thread(self, thread_id: int) -> Thread | None: ...

    async def touch_thread(self, thread_id: int, at: datetime) -> None:
        """Record ``at`` as the thread's last message time."""

    async def threads_of(self, user_id: int, page: int, page_size: int) -> Page[Thread]:
        """The user's threads, most recently active first."""

    async def add_message(self, message: Message) -> Message:
        """Store a new message; returns it with its ``id`` set."""

    async def get_message(self, message_id: int) -> Message | None: ...

    async def messages(self, thread_id: int, page: int, page_size: int) -> Page[Message]:
        """The thread's messages, newest first."""


class SupportRepo(Protocol):
    """The support queue and the audit log (:mod:`core.support`), reached as ``uow.support``."""

    async def add_item(self, item: QueueItem) -> QueueItem:
        """Store a new queue item; returns it with its ``id`` set."""

    async def get_item(self, item_id: int) -> QueueItem | None: ...

    async def save_item(self, item: QueueItem) -> None: ...

    async def open_items(self, page: int, page_size: int) -> Page[QueueItem]:
        """Open items, oldest first."""

    async def reported(self, reporter_id: int, message_id: int) -> bool:
        """Whether ``reporter_id`` already reported ``message_id``."""

    async def open_item_of(self, kind: ItemKind, subject_id: int) -> QueueItem | None:
        """The oldest open item of ``kind`` about ``subject_id`` (an appeal), if any."""

    async def add_audit(self, entry: AuditEntry) -> None: ...

    async def audit(self, target_id: int | None, page: int,
                    page_size: int) -> Page[AuditEntry]:
        """Audit entries, newest first; only those about ``target_id`` when given."""


class EmailRepo(Protocol):
    """Verification codes and the e-mail outbox (:mod:`core.email_verification`)."""

    async def add_code(self, code: EmailCode) -> EmailCode: ...

    async def latest_code(self, user_id: int) -> EmailCode | None:
        """The user's newest code, used or not."""

    async def save_code(self, code: EmailCode) -> None: ...

    async def codes_sent_since(self, user_id: int, since: datetime) -> list[datetime]:
        """When the user's codes created at or after ``since`` were created."""

    async def enqueue(self, mail: OutgoingMail) -> None:
        """Queue an e-mail for ``bot.mail`` to send after the commit."""


class Mailer(Protocol):
    """Sends one e-mail (SMTP in ``bot.mail``; a catcher in tests and the sandbox)."""

    async def send(self, to: str, subject: str, body: str) -> None: ...


class MilestonesRepo(Protocol):
    """Milestones, their history and funding invoices (:mod:`core.milestones`), as
    ``uow.milestones``."""

    async def add(self, milestone: Milestone) -> Milestone:
        """Store a new milestone; returns it with its ``id`` set."""

    async def get(self, milestone_id: int, *, lock: bool = False) -> Milestone | None:
        """The milestone; ``lock`` holds it against concurrent changes until the end."""

    async def save(self, milestone: Milestone) -> None: ...

    async def for_contract(self, contract_id: int) -> list[Milestone]:
        """The contract's milestones, oldest first."""

    async def submitted_between(self, after: datetime, until: datetime,
                                reminders_below: int | None, limit: int) -> list[Milestone]:
        """Submitted with ``after < submitted_at <= until`` (and fewer reminders), oldest
        first."""

    async def after_contract_end(self, at: datetime, ended_before: datetime,
                                 limit: int) -> list[Milestone]:
        """MS-10: funded milestones of contracts ended by ``at``; open ones (not submitted by
        the end) of contracts ended by ``ended_before``; by the contract's end."""

    async def contracts_to_settle(self, user_id: int, limit: int) -> list[int]:
        """MS-10: ids of the user's ended contracts with a milestone holding money."""

    async def by_dispute_item(self, item_id: int) -> Milestone | None: ...

    async def add_event(self, event: MilestoneEvent) -> MilestoneEvent:
        """Append a history entry; returns it with its ``id`` set."""

    async def events(self, milestone_id: int, limit: int = 100) -> list[MilestoneEvent]:
        """The latest ``limit`` history entries, oldest first."""

    async def add_invoice(self, invoice: MilestoneInvoice) -> None: ...

    async def invoice(self, intent_id: int) -> MilestoneInvoice | None:
        """The milestone funding that payment intent ``intent_id`` pays, if any."""


class UnitOfWork(Protocol):
    """One transaction: repositories bound to it; rolls back unless committed.

    The repositories are read-only properties here so that implementations may hold
    concrete repository types as plain attributes.
    """

    @property
    def users(self) -> UsersRepo: ...

    @property
    def updates(self) -> UpdatesRepo: ...

    @property
    def dialogs(self) -> DialogRepo: ...

    @property
    def points(self) -> PointsRepo: ...

    @property
    def ledger(self) -> LedgerRepo: ...

    @property
    def outbox(self) -> OutboxRepo: ...

    @property
    def market(self) -> MarketRepos: ...

    @property
    def relay(self) -> RelayRepo: ...

    @property
    def support(self) -> SupportRepo: ...

    @property
    def email(self) -> EmailRepo: ...

    @property
    def payments(self) -> PaymentsRepo: ...

    @property
    def milestones(self) -> MilestonesRepo: ...

    @property
    def payouts(self) -> PayoutsRepo: ...

    async def __aenter__(self) -> UnitOfWork: ...

    async def __aexit__(self, *exc: object) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...
