"""Disputes resolved by support (MS-08), auto-release and reminders at exact instants (MS-09),
and the ledger after random paths: escrow + released + refunded == funded, on both backends."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.accounts import Role
from core.clock import FixedClock
from core.errors import Conflict, DomainError, Forbidden, InvalidInput
from core.holds import available_at
from core.ids import require_id
from core.ledger import AccountKind, Owner
from core.milestone_events import Attachment
from core.milestones import Action, MilestoneState
from core.money import Money
from core.services import milestone_plan as plan
from core.services import milestones as ms
from core.services.ledger import escrow_account
from core.services.milestone_disputes import Resolution, dispute_view, open_dispute, resolve
from core.services.milestone_ticks import auto_release_due, reminders_due
from core.support import AuditAction, ItemKind, ItemStatus
from storage import Database
from tests.fakes import present
from tests.milestones_kit import (
    CLIENT,
    EXPERT,
    STRANGER,
    SUPPORT,
    act_as,
    balances,
    fixed_contract,
    fund_wallet,
    seed_users,
    usd,
)

S = MilestoneState


@pytest.fixture
async def db(database: Database, clock: FixedClock) -> Database:
    await seed_users(database, clock.now())
    return database




async def _funded(db: Database, clock: FixedClock, amount: str = "100.00") -> int:
    contract = await fixed_contract(db, clock.now())
    outcome = await act_as(db, EXPERT, plan.create, contract.id,
                        plan.Terms("Drawings", "", usd(amount),
                                   clock.now().date() + timedelta(days=30)), clock.now())
    await act_as(db, CLIENT, ms.act, outcome.milestone.id, Action.APPROVE, clock.now())
    await fund_wallet(db, CLIENT, usd(amount), clock.now())
    await act_as(db, CLIENT, ms.fund, outcome.milestone.id, clock.now())
    return int(outcome.milestone.id)


async def test_ms_08_a_dispute_reaches_the_support_queue_with_its_evidence(
        db: Database, clock: FixedClock) -> None:
    milestone_id = await _funded(db, clock)
    await act_as(db, EXPERT, ms.submit, milestone_id, "Done", (), clock.now())
    evidence = (Attachment("photo", "ph-1"), Attachment("document", "d-2", "chat.pdf"))
    with pytest.raises(InvalidInput):
        await act_as(db, CLIENT, open_dispute, milestone_id, "no", evidence, clock.now())
    outcome = await act_as(db, CLIENT, open_dispute, milestone_id, "The drawings are not to scale",
                        evidence, clock.now())
    assert outcome.milestone.state is S.DISPUTED and outcome.milestone.auto_release_at is None
    async with db.uow() as uow:
        item = present(await uow.support.get_item(present(outcome.milestone.dispute_item_id)))
        assert (item.kind, item.subject_id, item.reporter_id, item.reason) == (
            ItemKind.DISPUTE, EXPERT, CLIENT, "The drawings are not to scale")
        assert present(await uow.milestones.by_dispute_item(require_id(item))).id == milestone_id
    view = await act_as(db, SUPPORT, dispute_view, milestone_id)
    assert [e.action for e in view.history][-2:] == [Action.SUBMIT, Action.OPEN_DISPUTE]
    assert view.history[-1].files == evidence
    with pytest.raises(Forbidden):
        await act_as(db, STRANGER, dispute_view, milestone_id)


async def test_ms_08_support_releases_part_the_rest_is_refunded_audited_and_closed(
        db: Database, clock: FixedClock) -> None:
    milestone_id = await _funded(db, clock)
    opened = await act_as(db, EXPERT, open_dispute, milestone_id, "The client stopped answering",
                       (), clock.now())
    for who, error in ((CLIENT, Forbidden), (STRANGER, Forbidden)):
        with pytest.raises(error):
            await act_as(db, who, resolve, milestone_id, Resolution.RELEASE, "mine", clock.now())
    for part in (usd("0"), usd("100.00"), usd("100.01"), None):
        with pytest.raises(InvalidInput):
            await act_as(db, SUPPORT, resolve, milestone_id, Resolution.PARTIAL, "Half done",
                      clock.now(), part)
    outcome = await act_as(db, SUPPORT, resolve, milestone_id, Resolution.PARTIAL,
                        "Half of the drawings were delivered", clock.now(), usd("60.00"))
    assert outcome.recipients == ((CLIENT, ms.Actor.CLIENT), (EXPERT, ms.Actor.EXPERT))
    assert (outcome.milestone.state, outcome.milestone.released,
            outcome.milestone.refunded) == (S.RELEASED, usd("60.00"), usd("40.00"))
    assert await balances(db, milestone_id) == {
        "wallet": usd("40.00"), "escrow": usd("0"), "pending": usd("54.00"),
        "available": usd("0")}  # FEE-01: 10% of the 60.00 released is the platform's
    async with db.uow() as uow:
        item = present(await uow.support.get_item(present(opened.milestone.dispute_item_id)))
        audit = await uow.support.audit(None, 0, 10)
        holds = await uow.ledger.open_holds(Owner.user(EXPERT))
    assert (item.status, item.handled_by) == (ItemStatus.RESOLVED, SUPPORT)
    assert {(e.action, e.target_id, e.actor_id) for e in audit.items} == {
        (AuditAction.RESOLVE_DISPUTE, CLIENT, SUPPORT), (AuditAction.RESOLVE_DISPUTE, EXPERT,
                                                         SUPPORT)}
    assert all(e.reason == "Half of the drawings were delivered" for e in audit.items)
    assert all((e.milestone_id, e.amount("released"), e.amount("refunded")) == (
        milestone_id, usd("60.00"), usd("40.00")) for e in audit.items)  # ACC-03: as data
    assert [h.clears_at for h in holds] == [available_at(clock.now())]
    with pytest.raises(Conflict):
        await act_as(db, SUPPORT, resolve, milestone_id, Resolution.REFUND, "again", clock.now())


async def test_ms_08_a_staff_member_who_is_a_party_cannot_resolve_their_own_dispute(
        db: Database, clock: FixedClock) -> None:
    milestone_id = await _funded(db, clock)
    await act_as(db, CLIENT, open_dispute, milestone_id, "Nothing delivered", (), clock.now())
    async with db.uow() as uow:
        client = present(await uow.users.get(CLIENT))
        client.roles.add(Role.SUPPORT)
        await uow.users.save(client)
        await uow.commit()
    with pytest.raises(Forbidden, match="your own contract"):
        await act_as(db, CLIENT, resolve, milestone_id, Resolution.REFUND, "mine", clock.now())
    refunded = await act_as(db, SUPPORT, resolve, milestone_id, Resolution.REFUND,
                         "Nothing was delivered", clock.now())
    assert refunded.milestone.state is S.REFUNDED
    assert (await balances(db, milestone_id))["wallet"] == usd("100.00")


async def _tick(db: Database, at: Any) -> tuple[list[int], list[tuple[int, int]]]:
    """Run both MS-09 steps until nothing is due; (released ids, (id, reminder number))."""
    released: list[int] = []
    reminded: list[tuple[int, int]] = []
    while True:
        async with db.uow() as uow:
            done = await auto_release_due(uow, at)
            sent = await reminders_due(uow, at)
            await uow.commit()
        released += [require_id(o.milestone) for o in done]
        reminded += [(require_id(r.milestone), r.number) for r in sent]
        if not done and not sent:
            return released, reminded


async def test_ms_09_reminders_3_and_1_days_before_and_release_at_exactly_14_days(
        db: Database, clock: FixedClock) -> None:
    milestone_id = await _funded(db, clock)
    await act_as(db, EXPERT, ms.submit, milestone_id, "Done", (), clock.now())
    submitted, tiny = clock.now(), timedelta(microseconds=1)
    expected = [(timedelta(days=11) - tiny, [], []), (timedelta(days=11), [], [1]),
                (timedelta(days=12), [], []), (timedelta(days=13) - tiny, [], []),
                (timedelta(days=13), [], [2]), (timedelta(days=14) - tiny, [], []),
                (timedelta(days=14), [milestone_id], []), (timedelta(days=15), [], [])]
    for offset, released, reminders in expected:
        assert await _tick(db, submitted + offset) == (
            released, [(milestone_id, n) for n in reminders]), offset
    assert await balances(db, milestone_id) == {
        "wallet": usd("0"), "escrow": usd("0"), "pending": usd("90.00"), "available": usd("0")}


async def test_ms_09_after_downtime_only_what_is_due_now_happens_once(
        db: Database, clock: FixedClock) -> None:
    late, early = await _funded(db, clock), await _funded(db, clock)
    await act_as(db, EXPERT, ms.submit, early, "Done", (), clock.now())
    await act_as(db, EXPERT, ms.submit, late, "Done", (), clock.now() + timedelta(days=1))
    # down from day 1 to day 14: early is due for release, late for its 1-day reminder only
    # (its 3-day reminder fell due on day 12 and is skipped)
    at = clock.now() + timedelta(days=14)
    assert await _tick(db, at) == ([early], [(late, 2)])
    assert await _tick(db, at) == ([], [])


async def test_ms_09_a_revision_or_dispute_stops_the_clock_and_a_new_submission_restarts_it(
        db: Database, clock: FixedClock) -> None:
    milestone_id = await _funded(db, clock)
    start = clock.now()
    await act_as(db, EXPERT, ms.submit, milestone_id, "Done", (), start)
    assert await _tick(db, start + timedelta(days=11)) == ([], [(milestone_id, 1)])
    await act_as(db, CLIENT, ms.request_revision, milestone_id, "Fix the title block", start)
    assert await _tick(db, start + timedelta(days=20)) == ([], [])
    resubmitted = start + timedelta(days=20)
    await act_as(db, EXPERT, ms.submit, milestone_id, "Fixed", (), resubmitted)
    assert await _tick(db, resubmitted + timedelta(days=11)) == ([], [(milestone_id, 1)])
    await act_as(db, CLIENT, open_dispute, milestone_id, "Still wrong", (), resubmitted)
    assert await _tick(db, resubmitted + timedelta(days=30)) == ([], [])


STEPS = st.lists(st.sampled_from([
    (EXPERT, "submit"), (CLIENT, "revise"), (CLIENT, Action.ACCEPT), (EXPERT, Action.REFUND),
    (CLIENT, "dispute"), (SUPPORT, "partial"), (SUPPORT, "release"), (SUPPORT, "refund"),
    (EXPERT, "raise"), (CLIENT, "approve_change"), (EXPERT, Action.START),
    (CLIENT, Action.CLIENT_REMOVE), (0, "tick"),  # 0: the scheduler
]), max_size=8)


async def _step(db: Database, clock: FixedClock, milestone_id: int, who: int,
                what: Any) -> None:
    now = clock.now()
    calls: dict[Any, tuple[Any, ...]] = {
        "submit": (ms.submit, milestone_id, "Work", (), now),
        "revise": (ms.request_revision, milestone_id, "Again please", now),
        "dispute": (open_dispute, milestone_id, "Disagreement", (), now),
        "partial": (resolve, milestone_id, Resolution.PARTIAL, "Split", now, usd("33.33")),
        "release": (resolve, milestone_id, Resolution.RELEASE, "Delivered", now),
        "refund": (resolve, milestone_id, Resolution.REFUND, "Not delivered", now),
        "raise": (plan.propose_change, milestone_id, now),
        "approve_change": (plan.approve_change, milestone_id, now),
    }
    if what == "tick":
        clock.advance(timedelta(days=14))
        await _tick(db, clock.now())
        return
    if what == "raise":
        await fund_wallet(db, CLIENT, usd("10.00"), now)
        await act_as(db, who, plan.propose_change, milestone_id, now, amount=usd("110.00"))
        return
    call, *args = calls[what] if what in calls else (ms.act, milestone_id, what, now)
    await act_as(db, who, call, *args)


async def _ledger_totals(db: Database, milestone_id: int,
                         requests: int) -> dict[str, Money]:
    """What the ledger says went into the escrow, to the expert and back to the client."""
    totals = {"funded": usd("0"), "released": usd("0"), "refunded": usd("0"), "escrow": usd("0")}
    keys = [f"ms-fund:{milestone_id}", *(f"ms-change:{milestone_id}:{n}"
                                         for n in range(1, requests + 1)),
            f"ms-release:{milestone_id}", f"ms-refund:{milestone_id}",
            f"ms-resolve:{milestone_id}"]
    async with db.uow() as uow:
        for key in keys:
            tx = await uow.ledger.get(key)
            for posting in tx.postings if tx else ():
                kind, amount = posting.account.kind, posting.amount
                if kind is AccountKind.MILESTONE_ESCROW and amount.is_positive:
                    totals["funded"] += amount
                elif kind in (AccountKind.EXPERT_PENDING, AccountKind.PLATFORM_FEES):
                    totals["released"] += amount  # FEE-01: gross = net + fee
                elif kind is AccountKind.CLIENT_WALLET and amount.is_positive:
                    totals["refunded"] += amount
        totals["escrow"] = await uow.ledger.balance(escrow_account(milestone_id, "USD"))
    return totals


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
async def test_ms_06_every_path_keeps_escrow_plus_released_plus_refunded_equal_to_funded(
        db: Database, clock: FixedClock, steps: list[tuple[int, Any]]) -> None:
    milestone_id = await _funded(db, clock)
    for who, what in steps:
        try:
            await _step(db, clock, milestone_id, who, what)
        except DomainError:
            pass
        async with db.uow() as uow:
            milestone = present(await uow.milestones.get(milestone_id))
        ledger = await _ledger_totals(db, milestone_id, milestone.requests_made)
        assert ledger["escrow"] + ledger["released"] + ledger["refunded"] == ledger["funded"]
        assert (ledger["funded"], ledger["released"], ledger["refunded"], ledger["escrow"]) == (
            milestone.funded, milestone.released, milestone.refunded, milestone.escrow)
        in_escrow = milestone.state in {S.FUNDED, S.IN_PROGRESS, S.SUBMITTED,
                                        S.REVISION_REQUESTED, S.DISPUTED}
        assert ledger["escrow"] == (milestone.amount if in_escrow else usd("0"))
