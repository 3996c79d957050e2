"""Projects: validation, the draft -> published -> closed life, who may see and change them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from core.accounts import Role
from core.categories import CATEGORIES, category, validate_categories
from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.ids import require_id
from core.projects import (
    ProjectStatus,
    parse_deadline,
    parse_range,
    validate_description,
    validate_title,
)
from core.services.market import (
    ProjectDraft,
    close_project,
    create_project,
    edit_project,
    my_projects,
    own_project,
    publish_project,
    search_projects,
    visible_project,
)
from tests.core.market_fakes import FakeUow, make_user

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
DRAFT = ProjectDraft(title="Design a gearbox housing", description="A cast aluminium housing "
                     "for a two-stage gearbox; STEP files wanted.", category="cad",
                     kind="fixed", budget_min=50_000, budget_max=100_000, currency="USD")


@pytest.fixture
def uow() -> FakeUow:
    fake = FakeUow()
    fake.add_user(make_user(1, Role.CLIENT))
    fake.add_user(make_user(2, Role.EXPERT))
    fake.add_user(make_user(3, Role.CLIENT, Role.EXPERT))
    return fake


def test_categories_have_unique_short_codes_safe_for_callback_data() -> None:
    codes = [c.code for c in CATEGORIES]
    assert len(set(codes)) == len(codes)
    assert all(c.isascii() and c.isalnum() and len(c) <= 12 for c in codes)


def test_an_unknown_category_is_refused() -> None:
    with pytest.raises(InvalidInput):
        category("forged")
    assert validate_categories(["writing", "cad", "cad"]) == ("cad", "writing")


@pytest.mark.parametrize("bad", ["", "abc", "x" * 101, "/post"])
def test_a_title_must_be_5_to_100_characters_and_not_a_command(bad: str) -> None:
    with pytest.raises(InvalidInput):
        validate_title(bad)


def test_a_title_is_trimmed_to_one_line() -> None:
    assert validate_title("  Design   a\nlogo  ") == "Design a logo"


def test_a_description_keeps_line_breaks_and_needs_20_characters() -> None:
    text = validate_description(" First line\nsecond line here. ")
    assert text == "First line\nsecond line here."
    with pytest.raises(InvalidInput):
        validate_description("too short")


@pytest.mark.parametrize(("text", "language", "expected"), [
    ("500-1000", "en", (50_000, 100_000)),
    ("1 000 – 2 000,50", "ru", (100_000, 200_050)),
    ("40", "es", (4_000, 4_000)),
])
def test_a_budget_range_is_parsed_into_minor_units(text: str, language: str,
                                                   expected: tuple[int, int]) -> None:
    assert parse_range(text, "USD", language) == expected


@pytest.mark.parametrize("bad", ["1000-500", "abc", "-5", "0", "99999999999"])
def test_a_bad_budget_range_is_refused(bad: str) -> None:
    with pytest.raises(InvalidInput):
        parse_range(bad, "USD", "en")


def test_a_deadline_must_be_in_the_future_and_within_two_years() -> None:
    today = date(2026, 3, 2)
    assert parse_deadline("31.12.2026", today) == date(2026, 12, 31)
    assert parse_deadline("2026-03-03", today) == date(2026, 3, 3)
    for bad in ("2026-03-02", "2029-01-01", "tomorrow", "31.02.2026"):
        with pytest.raises(InvalidInput):
            parse_deadline(bad, today)


async def test_acc_01_only_an_employer_may_post_a_project(uow: FakeUow) -> None:
    with pytest.raises(Forbidden):
        await create_project(uow, uow.users.rows[2], DRAFT, NOW)
    project = await create_project(uow, uow.users.rows[3], DRAFT, NOW)
    assert project.id is not None and project.status is ProjectStatus.DRAFT


async def test_acc_02_a_suspended_employer_cannot_post(uow: FakeUow) -> None:
    uow.users.rows[1].suspended_reason = "fraud"
    with pytest.raises(Forbidden):
        await create_project(uow, uow.users.rows[1], DRAFT, NOW)


async def test_a_draft_is_not_found_for_anyone_but_its_owner(uow: FakeUow) -> None:
    owner, other = uow.users.rows[1], uow.users.rows[2]
    project = await create_project(uow, owner, DRAFT, NOW)
    assert (await visible_project(uow, owner, require_id(project))).id == require_id(project)
    with pytest.raises(NotFound):
        await visible_project(uow, other, require_id(project))
    with pytest.raises(NotFound):
        await visible_project(uow, other, 999)


async def test_only_the_owner_publishes_edits_and_closes(uow: FakeUow) -> None:
    owner, other = uow.users.rows[1], uow.users.rows[3]
    project = await create_project(uow, owner, DRAFT, NOW)
    for action in (lambda u: publish_project(uow, u, require_id(project), NOW),
                   lambda u: close_project(uow, u, require_id(project), NOW),
                   lambda u: edit_project(uow, u, require_id(project), NOW, field="title",
                                          value="A new title here")):
        with pytest.raises(NotFound):
            await action(other)
    published = await publish_project(uow, owner, require_id(project), NOW)
    assert published.status is ProjectStatus.PUBLISHED and published.published_at == NOW
    assert (await visible_project(uow, other,
                                  require_id(project))).status is ProjectStatus.PUBLISHED
    with pytest.raises(NotFound):
        await own_project(uow, other, require_id(project))


async def test_publishing_twice_and_editing_a_closed_project_are_conflicts(uow: FakeUow) -> None:
    owner = uow.users.rows[1]
    project = await create_project(uow, owner, DRAFT, NOW)
    await publish_project(uow, owner, require_id(project), NOW)
    with pytest.raises(Conflict):
        await publish_project(uow, owner, require_id(project), NOW)
    await close_project(uow, owner, require_id(project), NOW)
    with pytest.raises(Conflict):
        await edit_project(uow, owner, require_id(project), NOW, field="title",
                           value="Another title")
    with pytest.raises(Conflict):
        await close_project(uow, owner, require_id(project), NOW)


async def test_the_kind_can_change_only_before_publishing(uow: FakeUow) -> None:
    owner = uow.users.rows[1]
    project = await create_project(uow, owner, DRAFT, NOW)
    edited = await edit_project(uow, owner, require_id(project), NOW, field="kind", value="hourly")
    assert edited.kind == "hourly"
    await publish_project(uow, owner, require_id(project), NOW)
    with pytest.raises(InvalidInput):
        await edit_project(uow, owner, require_id(project), NOW, field="kind", value="fixed")
    edited = await edit_project(uow, owner, require_id(project), NOW, field="budget", value=(10,
                                                                                             20))
    assert (edited.budget_min, edited.budget_max) == (10, 20)
    edited = await edit_project(uow, owner, require_id(project), NOW, field="deadline",
                                value=NOW.date() + timedelta(days=3))
    assert edited.deadline == date(2026, 3, 5)


async def test_search_lists_only_published_projects_matching_every_filter(uow: FakeUow) -> None:
    owner = uow.users.rows[1]
    draft = await create_project(uow, owner, DRAFT, NOW)
    hourly = await create_project(uow, owner, ProjectDraft(**{
        **{f: getattr(DRAFT, f) for f in DRAFT.__slots__}, "kind": "hourly",
        "title": "Gearbox hourly support"}), NOW)
    await publish_project(uow, owner, require_id(hourly), NOW)
    assert [p.id for p in (await search_projects(uow, keyword="gearbox")).items] == [hourly.id]
    assert (await search_projects(uow, kind="fixed")).items == ()
    assert (await search_projects(uow, category_code="design")).items == ()
    assert draft.id not in [p.id for p in (await search_projects(uow)).items]
    with pytest.raises(InvalidInput):
        await search_projects(uow, category_code="forged")
    assert [p.id for p in (await my_projects(uow, owner, 0)).items] == [hourly.id, draft.id]
