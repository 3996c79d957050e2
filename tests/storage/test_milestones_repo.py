"""The milestones repository on SQLite and PostgreSQL: round trips and the database's checks."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from core.clock import FixedClock
from core.ids import require_id
from core.milestone_events import Attachment, MilestoneEvent, MilestoneInvoice
from core.milestones import Action, Actor, Milestone, MilestoneState
from core.payments import TopUpIntent
from storage import Database
from tests.fakes import present
from tests.milestones_kit import CLIENT, EXPERT, fixed_contract, seed_users, usd

S = MilestoneState


@pytest.fixture
async def db(database: Database, clock: FixedClock) -> Database:
    await seed_users(database, clock.now())
    return database


def _milestone(contract_id: int, clock: FixedClock, **changes: object) -> Milestone:
    milestone = Milestone.create(Actor.EXPERT, contract_id, "Wireframes", "Every screen",
                                 usd("120.00"), date(2026, 2, 1), clock.now())
    for name, value in changes.items():
        setattr(milestone, name, value)
    return milestone


async def test_a_milestone_round_trips_with_its_request_and_money(db: Database,
                                                                  clock: FixedClock) -> None:
    contract = await fixed_contract(db, clock.now())
    async with db.uow() as uow:
        milestone = await uow.milestones.add(_milestone(require_id(contract), clock))
        milestone.approve(Actor.CLIENT, clock.now())
        milestone.fund(Actor.CLIENT, clock.now())
        milestone.propose_change(Actor.EXPERT, clock.now(), title="Wireframes v2",
                                 amount=usd("150.00"), due_date=date(2026, 3, 1))
        await uow.milestones.save(milestone)
        await uow.commit()
    async with db.uow() as uow:
        loaded = await uow.milestones.get(require_id(milestone), lock=True)
    assert loaded == milestone
    assert loaded.request is not None and loaded.request.amount == usd("150.00")
    assert (loaded.funded, loaded.escrow, loaded.state) == (usd("120.00"), usd("120.00"),
                                                            S.FUNDED)


async def test_events_keep_files_amounts_and_order(db: Database, clock: FixedClock) -> None:
    contract = await fixed_contract(db, clock.now())
    files = (Attachment("document", "doc-1", "drawing.pdf"), Attachment("photo", "ph-2"))
    async with db.uow() as uow:
        milestone = await uow.milestones.add(_milestone(require_id(contract), clock))
        first = await uow.milestones.add_event(MilestoneEvent(
            require_id(milestone), Action.PROPOSE, Actor.EXPERT, clock.now(), EXPERT,
            amount=usd("120.00")))
        second = await uow.milestones.add_event(MilestoneEvent(
            require_id(milestone), Action.SUBMIT, Actor.EXPERT, clock.now() + timedelta(hours=1),
            EXPERT, text="Here it is", files=files))
        await uow.commit()
    async with db.uow() as uow:
        events = await uow.milestones.events(require_id(milestone))
        latest = await uow.milestones.events(require_id(milestone), limit=1)
    assert events == [first, second] and require_id(first) < require_id(second)
    assert latest == [second] and latest[0].files == files


async def test_ms_09_submitted_between_finds_only_submitted_work_in_the_window(
        db: Database, clock: FixedClock) -> None:
    contract = await fixed_contract(db, clock.now())
    start = clock.now()
    async with db.uow() as uow:
        ids = []
        for hours in (0, 1, 2):
            milestone = _milestone(require_id(contract), clock)
            milestone.approve(Actor.CLIENT, start)
            milestone.fund(Actor.CLIENT, start)
            milestone.submit(Actor.EXPERT, start + timedelta(hours=hours))
            ids.append(require_id(await uow.milestones.add(milestone)))
        withdrawn = present(await uow.milestones.get(ids[2]))
        withdrawn.request_revision(Actor.CLIENT, start)
        await uow.milestones.save(withdrawn)
        reminded = present(await uow.milestones.get(ids[1]))
        reminded.reminders_sent = 1
        await uow.milestones.save(reminded)
        await uow.commit()
    async with db.uow() as uow:
        window = uow.milestones.submitted_between
        assert [m.id for m in await window(start - timedelta(1), start + timedelta(1), None, 9)
                ] == ids[:2]
        assert [m.id for m in await window(start, start + timedelta(1), None, 9)] == ids[1:2]
        assert [m.id for m in await window(start - timedelta(1), start, None, 9)] == ids[:1]
        assert [m.id for m in await window(start - timedelta(1), start + timedelta(1), 1, 9)
                ] == ids[:1]
        assert len(await window(start - timedelta(1), start + timedelta(1), None, 1)) == 1


async def test_invoices_remember_which_milestone_a_payment_funds(db: Database,
                                                                 clock: FixedClock) -> None:
    contract = await fixed_contract(db, clock.now())
    async with db.uow() as uow:
        milestone = await uow.milestones.add(_milestone(require_id(contract), clock))
        intent = await uow.payments.add(TopUpIntent(None, CLIENT, usd("30.00"), "telegram",
                                                    clock.now()))
        intent_id, milestone_id = require_id(intent), require_id(milestone)
        await uow.milestones.add_invoice(MilestoneInvoice(intent_id, milestone_id, 2))
        await uow.commit()
    async with db.uow() as uow:
        assert await uow.milestones.invoice(intent_id) == MilestoneInvoice(intent_id,
                                                                           milestone_id, 2)
        assert await uow.milestones.invoice(intent_id + 1) is None


async def test_one_milestone_per_contract_comes_from_the_offer(db: Database,
                                                               clock: FixedClock) -> None:
    contract = await fixed_contract(db, clock.now())
    async with db.uow() as uow:
        await uow.milestones.add(_milestone(require_id(contract), clock, from_offer=True))
        await uow.milestones.add(_milestone(require_id(contract), clock))  # others are fine
        await uow.commit()
    async with db.uow() as uow:
        with pytest.raises(IntegrityError):
            await uow.milestones.add(_milestone(require_id(contract), clock, from_offer=True))


@pytest.mark.parametrize("change", [
    "amount = 0",
    "state = 'lost'",
    "author = 'support'",
    "state = 'funded'",  # funded in state but the escrow is empty
    "funded = 12000",  # money in escrow of a proposal
    "state = 'submitted'",  # submitted without its instant
    "released = 20000, funded = 12000",
    "reminders_sent = 3",
])
async def test_the_database_refuses_inconsistent_milestones(db: Database, clock: FixedClock,
                                                            change: str) -> None:
    contract = await fixed_contract(db, clock.now())
    async with db.uow() as uow:
        milestone = await uow.milestones.add(_milestone(require_id(contract), clock))
        await uow.commit()
    async with db.engine.connect() as connection:
        with pytest.raises(IntegrityError):
            await connection.execute(text(
                f"UPDATE milestones SET {change} WHERE id = {milestone.id}"))
