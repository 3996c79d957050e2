"""Contracts: answering an offer, ending with a reason (REV-01 reads it), who may do what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.accounts import Role
from core.applications import ApplicationStatus
from core.contracts import Contract, ContractStatus, EndReason, reasons_for
from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.ids import require_id
from core.milestones import Milestone, MilestoneState
from core.money import Money
from core.projects import ProjectKind
from core.services.market import ProjectDraft, create_project, publish_project
from core.services.market_applications import OfferTerms, apply, choose
from core.services.market_contracts import (
    accept_offer,
    decline_offer,
    end_contract,
    my_contracts,
    visible_contract,
)
from core.services.milestone_plan import FIRST_MILESTONE_DUE, ensure_first_milestone
from tests.core.market_fakes import FakeUow, make_user
from tests.fakes import Unfaked

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=10)
EMPLOYER, FREELANCER, OUTSIDER = 1, 2, 3


@pytest.fixture
def uow() -> FakeUow:
    fake = FakeUow()
    fake.add_user(make_user(EMPLOYER, Role.CLIENT))
    fake.add_user(make_user(FREELANCER, Role.EXPERT))
    fake.add_user(make_user(OUTSIDER, Role.CLIENT, Role.EXPERT))
    return fake


async def offer(uow: FakeUow) -> Contract:
    owner, expert = uow.users.rows[EMPLOYER], uow.users.rows[FREELANCER]
    project = await create_project(uow, owner, ProjectDraft(
        title="Translate a manual", description="Forty pages from German into English.",
        category="writing", kind="hourly", budget_min=2_000, budget_max=4_000,
        currency="USD"), NOW)
    await publish_project(uow, owner, require_id(project), NOW)
    application = await apply(uow, expert, require_id(project),
                              "Native speaker, ten years of manuals.", 3_000, NOW)
    return await choose(uow, owner, require_id(application), OfferTerms(weekly_limit=10), NOW)


def test_a_contract_needs_terms_of_its_kind() -> None:
    with pytest.raises(InvalidInput):
        Contract(project_id=1, application_id=1, client_id=1, expert_id=2,
                 kind=ProjectKind.HOURLY, currency="USD", created_at=NOW)
    with pytest.raises(InvalidInput):
        Contract(project_id=1, application_id=1, client_id=1, expert_id=2,
                 kind=ProjectKind.FIXED, currency="USD", created_at=NOW, milestone_title="Draft")


async def test_only_the_expert_answers_the_offer(uow: FakeUow) -> None:
    contract = await offer(uow)
    with pytest.raises(Forbidden):
        await accept_offer(uow, uow.users.rows[EMPLOYER], require_id(contract), NOW)
    with pytest.raises(NotFound):
        await accept_offer(uow, uow.users.rows[OUTSIDER], require_id(contract), NOW)
    accepted = await accept_offer(uow, uow.users.rows[FREELANCER], require_id(contract), LATER)
    assert accepted.status is ContractStatus.ACTIVE and accepted.accepted_at == LATER
    with pytest.raises(Conflict):
        await decline_offer(uow, uow.users.rows[FREELANCER], require_id(contract), LATER)


async def test_declining_an_offer_marks_the_application(uow: FakeUow) -> None:
    contract = await offer(uow)
    declined = await decline_offer(uow, uow.users.rows[FREELANCER], require_id(contract), LATER)
    assert declined.status is ContractStatus.DECLINED
    application = await uow.market.applications.get(contract.application_id)
    assert application is not None and application.status is ApplicationStatus.DECLINED


def test_rev_01_each_side_gives_only_its_own_end_reasons() -> None:
    contract = Contract(project_id=1, application_id=1, client_id=1, expert_id=2,
                        kind=ProjectKind.HOURLY, currency="USD", created_at=NOW, hourly_rate=1)
    assert set(reasons_for(contract, 1)) == {EndReason.COMPLETED,
                                             EndReason.REFUSED_TO_COLLABORATE,
                                             EndReason.CANCELLED_BY_CLIENT}
    assert set(reasons_for(contract, 2)) == {EndReason.REFUSED_TO_COLLABORATE,
                                             EndReason.CANCELLED_BY_FREELANCER}
    assert reasons_for(contract, 3) == ()


async def test_rev_01_ending_records_the_reason_who_and_when(uow: FakeUow) -> None:
    contract = await offer(uow)
    with pytest.raises(Conflict):
        await end_contract(uow, uow.users.rows[EMPLOYER], require_id(contract), "completed", NOW)
    await accept_offer(uow, uow.users.rows[FREELANCER], require_id(contract), NOW)
    with pytest.raises(Forbidden):
        await end_contract(uow, uow.users.rows[FREELANCER], require_id(contract),
                           "completed", LATER)
    with pytest.raises(Forbidden):
        await end_contract(uow, uow.users.rows[FREELANCER], require_id(contract),
                           "cancelled_by_client", LATER)
    with pytest.raises(InvalidInput):
        await end_contract(uow, uow.users.rows[FREELANCER], require_id(contract), "forged", LATER)
    with pytest.raises(NotFound):
        await end_contract(uow, uow.users.rows[OUTSIDER], require_id(contract), "completed", LATER)
    ended = await end_contract(uow, uow.users.rows[FREELANCER], require_id(contract),
                               "cancelled_by_freelancer", LATER)
    assert ended.status is ContractStatus.ENDED
    assert (ended.end_reason, ended.ended_by, ended.ended_at) == (
        EndReason.CANCELLED_BY_FREELANCER, FREELANCER, LATER)
    with pytest.raises(Conflict):
        await end_contract(uow, uow.users.rows[EMPLOYER], require_id(contract), "completed", LATER)


async def test_a_contract_is_seen_only_by_its_parties_and_listed_by_tab(uow: FakeUow) -> None:
    contract = await offer(uow)
    for who in (EMPLOYER, FREELANCER):
        assert (await visible_contract(uow, uow.users.rows[who],
                                       require_id(contract))).id == require_id(contract)
        assert [c.id for c in (await my_contracts(uow, uow.users.rows[who], "o", 0)).items] \
            == [require_id(contract)]
    with pytest.raises(NotFound):
        await visible_contract(uow, uow.users.rows[OUTSIDER], require_id(contract))
    assert (await my_contracts(uow, uow.users.rows[OUTSIDER], "o", 0)).items == ()
    await accept_offer(uow, uow.users.rows[FREELANCER], require_id(contract), NOW)
    assert [c.id for c in (await my_contracts(uow, uow.users.rows[EMPLOYER], "a", 0)).items] \
        == [require_id(contract)]
    with pytest.raises(InvalidInput):
        await my_contracts(uow, uow.users.rows[EMPLOYER], "x", 0)


async def test_acc_02_a_suspended_party_cannot_act(uow: FakeUow) -> None:
    contract = await offer(uow)
    uow.users.rows[FREELANCER].suspended_reason = "chargebacks"
    with pytest.raises(Forbidden):
        await accept_offer(uow, uow.users.rows[FREELANCER], require_id(contract), NOW)


class _Milestones(Unfaked):
    """The milestones a contract got (just enough for the offer's first one)."""

    def __init__(self) -> None:
        self.rows: list[Milestone] = []

    async def for_contract(self, contract_id: int) -> list[Milestone]:
        return [m for m in self.rows if m.contract_id == contract_id]

    async def add(self, milestone: Milestone) -> Milestone:
        milestone.id = len(self.rows) + 1
        self.rows.append(milestone)
        return milestone


async def test_ms_01_accepting_a_fixed_offer_makes_its_first_milestone_at_once(
        uow: FakeUow) -> None:
    owner, expert = uow.users.rows[EMPLOYER], uow.users.rows[FREELANCER]
    milestones = _Milestones()
    uow.milestones = milestones
    project = await create_project(uow, owner, ProjectDraft(
        title="Design a gearbox housing", description="A cast aluminium housing, with drawings.",
        category="cad", kind="fixed", budget_min=50_000, budget_max=100_000,
        currency="USD"), NOW)
    await publish_project(uow, owner, require_id(project), NOW)
    application = await apply(uow, expert, require_id(project), "Forty housings designed.",
                              80_000, NOW)
    contract = await choose(uow, owner, require_id(application),
                            OfferTerms(milestone_title="Drawings", milestone_amount=30_000), NOW)
    assert milestones.rows == []
    await accept_offer(uow, expert, require_id(contract), LATER)
    [first] = milestones.rows
    assert (first.title, first.amount, first.state, first.from_offer) == (
        "Drawings", Money(30_000, "USD"), MilestoneState.APPROVED, True)
    assert first.due_date == LATER.date() + FIRST_MILESTONE_DUE
    accepted = await visible_contract(uow, expert, require_id(contract))
    assert await ensure_first_milestone(uow, accepted, LATER) is None  # safe to repeat
    assert len(milestones.rows) == 1
