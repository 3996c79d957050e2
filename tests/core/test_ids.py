"""A stored entity's id as ``int`` (core.ids), and the fakes' refusal of what they do not fake."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.ids import require_id
from core.projects import Project, ProjectKind
from tests.fakes import FakeUnitOfWork, Unfaked, present

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _project(project_id: int | None) -> Project:
    return Project(owner_id=1, title="Design a gearbox housing", description="Drawings.",
                   category="cad", kind=ProjectKind.FIXED, currency="USD", budget_min=1,
                   budget_max=2, created_at=NOW, id=project_id)


def test_a_stored_entity_gives_its_id() -> None:
    assert require_id(_project(7)) == 7


def test_an_entity_never_stored_has_no_id_to_give() -> None:
    with pytest.raises(ValueError, match="Project has no id"):
        require_id(_project(None))


def test_present_passes_a_value_and_refuses_none() -> None:
    assert present(0) == 0
    with pytest.raises(AssertionError):
        present(None)


async def test_a_repository_the_fake_unit_of_work_does_not_provide_fails_when_used() -> None:
    uow = FakeUnitOfWork()
    async with uow:
        await uow.commit()
    assert uow.commits == 1
    with pytest.raises(AssertionError, match="uow.ledger.post: this test does not fake"):
        uow.ledger.post  # noqa: B018 - the attribute access is what fails


def test_a_partial_fake_fails_on_a_method_it_does_not_define() -> None:
    class Users(Unfaked):
        async def get(self, user_id: int) -> None:
            return None

    with pytest.raises(AssertionError, match="Users does not fake 'save'"):
        Users().save  # noqa: B018 - the attribute access is what fails
    with pytest.raises(AttributeError):  # copy, pickle and hasattr see no optional hooks
        Users().__deepcopy__  # noqa: B018
