"""Applications and offers: one per project, withdraw, shortlist, choose; RAT-01 points."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.accounts import Role
from core.applications import ApplicationStatus
from core.contracts import ContractStatus
from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.ids import require_id
from core.projects import Project
from core.services.market import ProjectDraft, close_project, create_project, publish_project
from core.services.market_applications import (
    OfferTerms,
    applicants,
    apply,
    choose,
    my_applications,
    shortlist,
    visible_application,
    withdraw,
)
from tests.core.market_fakes import FakeUow, make_user

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
LETTER = "I have designed forty gearbox housings in SolidWorks."
EMPLOYER, FREELANCER, OTHER, OUTSIDER = 1, 2, 3, 4


def draft(kind: str = "fixed", title: str = "Design a gearbox housing") -> ProjectDraft:
    return ProjectDraft(title=title, description="A cast aluminium housing for a gearbox, "
                        "with drawings.", category="cad", kind=kind, budget_min=50_000,
                        budget_max=100_000, currency="USD")


@pytest.fixture
def uow() -> FakeUow:
    fake = FakeUow()
    fake.add_user(make_user(EMPLOYER, Role.CLIENT))
    fake.add_user(make_user(FREELANCER, Role.EXPERT))
    fake.add_user(make_user(OTHER, Role.EXPERT))
    fake.add_user(make_user(OUTSIDER, Role.CLIENT, Role.EXPERT))
    return fake


async def published(uow: FakeUow, kind: str = "fixed", title: str = "Design a gearbox housing",
                    owner: int = EMPLOYER) -> Project:
    project = await create_project(uow, uow.users.rows[owner], draft(kind, title), NOW)
    return await publish_project(uow, uow.users.rows[owner], require_id(project), NOW)


async def test_acc_01_only_a_freelancer_may_apply(uow: FakeUow) -> None:
    project = await published(uow)
    with pytest.raises(Forbidden):
        await apply(uow, uow.users.rows[EMPLOYER], require_id(project), LETTER, 70_000, NOW)


async def test_a_freelancer_cannot_apply_to_a_draft_a_closed_or_their_own_project(
        uow: FakeUow) -> None:
    me = uow.users.rows[OUTSIDER]
    hidden = await create_project(uow, uow.users.rows[EMPLOYER], draft(), NOW)
    with pytest.raises(NotFound):
        await apply(uow, me, require_id(hidden), LETTER, 1000, NOW)
    closed = await published(uow)
    await close_project(uow, uow.users.rows[EMPLOYER], require_id(closed), NOW)
    with pytest.raises(Conflict):
        await apply(uow, me, require_id(closed), LETTER, 1000, NOW)
    mine = await published(uow, owner=OUTSIDER)
    with pytest.raises(Forbidden):
        await apply(uow, me, require_id(mine), LETTER, 1000, NOW)


async def test_one_application_per_freelancer_per_project(uow: FakeUow) -> None:
    project = await published(uow)
    me = uow.users.rows[FREELANCER]
    first = await apply(uow, me, require_id(project), LETTER, 70_000, NOW)
    with pytest.raises(Conflict):
        await apply(uow, me, require_id(project), LETTER, 60_000, NOW)
    await withdraw(uow, me, require_id(first), NOW)
    again = await apply(uow, me, require_id(project), LETTER + " Again.", 60_000, NOW)
    assert again.id == first.id and again.status is ApplicationStatus.SUBMITTED
    assert again.amount == 60_000


async def test_a_cover_letter_and_amount_are_validated(uow: FakeUow) -> None:
    project = await published(uow)
    me = uow.users.rows[FREELANCER]
    with pytest.raises(InvalidInput):
        await apply(uow, me, require_id(project), "hi", 70_000, NOW)
    with pytest.raises(InvalidInput):
        await apply(uow, me, require_id(project), LETTER, 0, NOW)


async def test_rat_01_each_application_earns_one_point_once_per_project(uow: FakeUow) -> None:
    project = await published(uow)
    me = uow.users.rows[FREELANCER]
    application = await apply(uow, me, require_id(project), LETTER, 70_000, NOW)
    await withdraw(uow, me, require_id(application), NOW)
    await apply(uow, me, require_id(project), LETTER, 70_000, NOW)
    assert await uow.points.total(FREELANCER) == 1


async def test_rat_01_applications_earn_at_most_100_points(uow: FakeUow) -> None:
    me = uow.users.rows[FREELANCER]
    for n in range(102):
        project = await published(uow, title=f"Gearbox housing number {n}")
        await apply(uow, me, require_id(project), LETTER, 70_000, NOW)
    assert await uow.points.total(FREELANCER) == 100


async def test_an_application_is_seen_only_by_its_freelancer_and_the_owner(
        uow: FakeUow) -> None:
    project = await published(uow)
    application = await apply(uow, uow.users.rows[FREELANCER], require_id(project),
                              LETTER, 1000, NOW)
    for who in (FREELANCER, EMPLOYER):
        found, _ = await visible_application(uow, uow.users.rows[who], require_id(application))
        assert found.id == application.id
    with pytest.raises(NotFound):
        await visible_application(uow, uow.users.rows[OTHER], require_id(application))
    with pytest.raises(NotFound):
        await withdraw(uow, uow.users.rows[EMPLOYER], require_id(application), NOW)
    for who in (FREELANCER, OTHER):
        with pytest.raises(NotFound):
            await shortlist(uow, uow.users.rows[who], require_id(application), True, NOW)
        with pytest.raises(NotFound):
            await choose(uow, uow.users.rows[who], require_id(application), OfferTerms(), NOW)
        with pytest.raises(NotFound):
            await applicants(uow, uow.users.rows[who], require_id(project), 0)


async def test_the_owner_shortlists_and_sees_shortlisted_applicants_first(uow: FakeUow) -> None:
    project = await published(uow)
    owner = uow.users.rows[EMPLOYER]
    first = await apply(uow, uow.users.rows[FREELANCER], require_id(project), LETTER, 1000, NOW)
    second = await apply(uow, uow.users.rows[OTHER], require_id(project), LETTER, 2000, NOW)
    await shortlist(uow, owner, require_id(second), True, NOW)
    _, page = await applicants(uow, owner, require_id(project), 0)
    assert [a.id for a in page.items] == [second.id, first.id]
    await withdraw(uow, uow.users.rows[FREELANCER], require_id(first), NOW)
    _, page = await applicants(uow, owner, require_id(project), 0)
    assert [a.id for a in page.items] == [second.id]
    assert [a.id for a in (await my_applications(uow, uow.users.rows[FREELANCER], 0)).items] \
        == [first.id]


async def test_rat_01_choosing_sends_an_hourly_offer_and_earns_five_points(
        uow: FakeUow) -> None:
    project = await published(uow, kind="hourly")
    application = await apply(uow, uow.users.rows[FREELANCER], require_id(project),
                              LETTER, 4_500, NOW)
    contract = await choose(uow, uow.users.rows[EMPLOYER], require_id(application),
                            OfferTerms(weekly_limit=20), NOW)
    assert contract.status is ContractStatus.OFFERED
    assert (contract.hourly_rate, contract.weekly_limit) == (4_500, 20)
    assert (contract.client_id, contract.expert_id) == (EMPLOYER, FREELANCER)
    assert await uow.points.total(FREELANCER) == 1 + 5
    again, _ = await visible_application(uow, uow.users.rows[FREELANCER], require_id(application))
    assert again.status is ApplicationStatus.CHOSEN
    with pytest.raises(Conflict):
        await choose(uow, uow.users.rows[EMPLOYER], require_id(application), OfferTerms(), NOW)
    assert await uow.points.total(FREELANCER) == 6


async def test_a_fixed_offer_carries_its_first_milestone(uow: FakeUow) -> None:
    project = await published(uow)
    application = await apply(uow, uow.users.rows[FREELANCER], require_id(project), LETTER,
                              80_000, NOW)
    with pytest.raises(InvalidInput):
        await choose(uow, uow.users.rows[EMPLOYER], require_id(application), OfferTerms(), NOW)
    contract = await choose(uow, uow.users.rows[EMPLOYER], require_id(application),
                            OfferTerms(milestone_title="Drawings"), NOW)
    assert (contract.milestone_title, contract.milestone_amount) == ("Drawings", 80_000)


async def test_a_weekly_limit_must_be_1_to_168_hours(uow: FakeUow) -> None:
    project = await published(uow, kind="hourly")
    application = await apply(uow, uow.users.rows[FREELANCER], require_id(project),
                              LETTER, 4_500, NOW)
    with pytest.raises(InvalidInput):
        await choose(uow, uow.users.rows[EMPLOYER], require_id(application),
                     OfferTerms(weekly_limit=169), NOW)


async def test_ms_01_a_fixed_offer_refuses_a_first_milestone_under_the_minimum(
        uow: FakeUow) -> None:
    project = await published(uow)
    application = await apply(uow, uow.users.rows[FREELANCER], require_id(project),
                              LETTER, 2_000, NOW)
    employer = uow.users.rows[EMPLOYER]
    for terms in (OfferTerms(milestone_title="Drawings"),  # the proposed $20.00
                  OfferTerms(milestone_title="Drawings", milestone_amount=2_499)):
        with pytest.raises(InvalidInput) as refused:
            await choose(uow, employer, require_id(application), terms, NOW)
        assert refused.value.message == "A milestone must be at least {minimum}."
        assert refused.value.params == {"minimum": "$25.00"}
    contract = await choose(uow, employer, require_id(application),
                            OfferTerms(milestone_title="Drawings", milestone_amount=2_500), NOW)
    assert contract.milestone_amount == 2_500
