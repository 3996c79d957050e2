"""Milestone use cases over the real storage (SQLite always, PostgreSQL with TEST_DATABASE_URL):
permissions, the ledger after every path, change requests, invoices for short wallets."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core.clock import FixedClock
from core.contracts import EndReason
from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.holds import available_at
from core.ids import require_id
from core.ledger import Owner
from core.milestones import Action, Actor, MilestoneState, WaitingProposals
from core.payments import GatewayPayment
from core.services import milestone_plan as plan
from core.services import milestones as ms
from core.services.milestone_payments import fund_after_payment, open_invoice
from core.services.payments import settle_payment
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


def _terms(amount: str = "200.00", title: str = "Drawings") -> plan.Terms:
    return plan.Terms(title, "All views, dimensioned", usd(amount), date(2026, 3, 1))


async def _propose_and_approve(db: Database, clock: FixedClock, contract_id: int,
                               amount: str = "200.00") -> int:
    async with db.uow() as uow:
        outcome = await plan.create(uow, present(await uow.users.get(EXPERT)), contract_id,
                                    _terms(amount), clock.now())
        await ms.act(uow, present(await uow.users.get(CLIENT)), require_id(outcome.milestone),
                     Action.APPROVE, clock.now())
        await uow.commit()
    assert outcome.milestone.id is not None
    return outcome.milestone.id




async def test_the_offers_first_milestone_appears_approved_on_the_board(
        db: Database, clock: FixedClock) -> None:
    contract = await fixed_contract(db, clock.now())
    board = await act_as(db, CLIENT, plan.board, contract.id, clock.now())
    again = await act_as(db, EXPERT, plan.board, contract.id, clock.now())
    assert [(m.title, m.amount, m.state, m.from_offer) for m in again.milestones] == [
        ("First draft", usd("100.00"), S.APPROVED, True)]
    assert board.actions(board.milestones[0])[:1] == [Action.FUND]
    assert board.milestones[0].due_date == clock.now().date() + timedelta(days=14)


async def test_ms_01_a_proposal_below_the_minimum_is_refused(db: Database,
                                                             clock: FixedClock) -> None:
    contract = await fixed_contract(db, clock.now())
    with pytest.raises(InvalidInput) as refused:
        await act_as(db, EXPERT, plan.create, contract.id, _terms("24.99"), clock.now())
    assert refused.value.params == {"minimum": "$25.00"}


async def test_ms_02_strangers_see_nothing_and_the_wrong_side_is_refused(
        db: Database, clock: FixedClock) -> None:
    contract = await fixed_contract(db, clock.now())
    outcome = await act_as(db, EXPERT, plan.create, contract.id, _terms(), clock.now())
    milestone_id = outcome.milestone.id
    assert outcome.recipients == ((CLIENT, Actor.CLIENT),)
    for action in (Action.APPROVE, Action.DECLINE, Action.DELETE_PROPOSAL):
        with pytest.raises(NotFound):
            await act_as(db, STRANGER, ms.act, milestone_id, action, clock.now())
    with pytest.raises(NotFound):
        await act_as(db, STRANGER, plan.board, contract.id, clock.now())
    with pytest.raises(Forbidden):
        await act_as(db, EXPERT, ms.act, milestone_id, Action.APPROVE, clock.now())
    with pytest.raises(Forbidden):
        await act_as(db, SUPPORT, ms.act, milestone_id, Action.APPROVE, clock.now())
    clock.advance(timedelta(days=400))  # MS-02: proposals never expire
    approved = await act_as(db, CLIENT, ms.act, milestone_id, Action.APPROVE, clock.now())
    assert approved.milestone.state is S.APPROVED


async def test_acc_02_a_suspended_party_reads_the_board_but_cannot_act(
        db: Database, clock: FixedClock) -> None:
    contract = await fixed_contract(db, clock.now())
    async with db.uow() as uow:
        client = present(await uow.users.get(CLIENT))
        client.suspended_reason = "chargebacks"
        await uow.users.save(client)
        await uow.commit()
    board = await act_as(db, CLIENT, plan.board, contract.id, clock.now())
    with pytest.raises(Forbidden, match="suspended"):
        await act_as(db, CLIENT, ms.fund, board.milestones[0].id, clock.now())


async def test_ms_05_hold_03_funding_moves_the_wallet_into_the_milestones_escrow(
        db: Database, clock: FixedClock) -> None:
    contract = await fixed_contract(db, clock.now())
    milestone_id = await _propose_and_approve(db, clock, require_id(contract))
    with pytest.raises(Conflict, match="approved and funded"):
        await act_as(db, EXPERT, ms.act, milestone_id, Action.START, clock.now())
    await fund_wallet(db, CLIENT, usd("250.00"), clock.now())
    outcome = await act_as(db, CLIENT, ms.fund, milestone_id, clock.now())
    assert outcome.milestone.state is S.FUNDED
    assert await balances(db, milestone_id) == {
        "wallet": usd("50.00"), "escrow": usd("200.00"), "pending": usd("0"),
        "available": usd("0")}
    with pytest.raises(Conflict):  # a repeated press funds nothing twice
        await act_as(db, CLIENT, ms.fund, milestone_id, clock.now())
    started = await act_as(db, EXPERT, ms.act, milestone_id, Action.START, clock.now())
    assert started.milestone.state is S.IN_PROGRESS


async def test_ms_05_a_short_wallet_is_invoiced_for_exactly_the_missing_amount(
        db: Database, clock: FixedClock) -> None:
    contract = await fixed_contract(db, clock.now())
    milestone_id = await _propose_and_approve(db, clock, require_id(contract))
    await fund_wallet(db, CLIENT, usd("70.00"), clock.now())
    async with db.uow() as uow:
        client = present(await uow.users.get(CLIENT))
        shortfall = await ms.fund(uow, client, milestone_id, clock.now())
        assert isinstance(shortfall, ms.Shortfall)
        assert shortfall.missing == usd("130.00")
        intent = await open_invoice(uow, client, shortfall, "telegram", clock.now())
        await uow.commit()
    assert (await balances(db, milestone_id))["escrow"] == usd("0")
    payment = GatewayPayment(payer_id=CLIENT, payload=intent.payload, currency="USD",
                             total_minor=130_00, charge_id="tg-charge-1")
    async with db.uow() as uow:
        await settle_payment(uow, payment, clock.now())
        funded = await fund_after_payment(uow, present(await uow.users.get(CLIENT)),
                                          require_id(intent), clock.now())
        await uow.commit()
    assert funded is not None and funded.milestone.state is S.FUNDED
    assert await balances(db, milestone_id) == {
        "wallet": usd("0"), "escrow": usd("200.00"), "pending": usd("0"), "available": usd("0")}
    async with db.uow() as uow:  # a second report of the invoice funds nothing more
        assert await fund_after_payment(uow, present(await uow.users.get(CLIENT)),
                                        require_id(intent), clock.now()) is None


async def test_ms_06_hold_01_accepting_releases_escrow_to_pending_until_day_5(
        db: Database, clock: FixedClock) -> None:
    contract = await fixed_contract(db, clock.now())
    milestone_id = await _propose_and_approve(db, clock, require_id(contract))
    await fund_wallet(db, CLIENT, usd("200.00"), clock.now())
    await act_as(db, CLIENT, ms.fund, milestone_id, clock.now())
    with pytest.raises(InvalidInput):
        await act_as(db, EXPERT, ms.submit, milestone_id, "", (), clock.now())
    await act_as(db, EXPERT, ms.submit, milestone_id, "Drawings attached", (), clock.now())
    await act_as(db, CLIENT, ms.request_revision, milestone_id, "Add the section view",
              clock.now())
    await act_as(db, EXPERT, ms.submit, milestone_id, "Section view added", (), clock.now())
    with pytest.raises(Forbidden):
        await act_as(db, EXPERT, ms.act, milestone_id, Action.ACCEPT, clock.now())
    accepted = await act_as(db, CLIENT, ms.act, milestone_id, Action.ACCEPT, clock.now())
    assert accepted.event.amount == usd("200.00")
    assert await balances(db, milestone_id) == {
        "wallet": usd("0"), "escrow": usd("0"), "pending": usd("180.00"), "available": usd("0")}
    async with db.uow() as uow:
        holds = await uow.ledger.open_holds(Owner.user(EXPERT))
        assert [h.clears_at for h in holds] == [available_at(clock.now())]
        history = await uow.milestones.events(milestone_id)
    assert [e.action for e in history] == [
        Action.PROPOSE, Action.APPROVE, Action.FUND, Action.SUBMIT, Action.REQUEST_REVISION,
        Action.SUBMIT, Action.ACCEPT]


async def test_ms_06_the_expert_refunds_the_escrow_to_the_clients_wallet(
        db: Database, clock: FixedClock) -> None:
    contract = await fixed_contract(db, clock.now())
    milestone_id = await _propose_and_approve(db, clock, require_id(contract))
    await fund_wallet(db, CLIENT, usd("200.00"), clock.now())
    await act_as(db, CLIENT, ms.fund, milestone_id, clock.now())
    with pytest.raises(Forbidden):
        await act_as(db, CLIENT, ms.act, milestone_id, Action.REFUND, clock.now())
    await act_as(db, EXPERT, ms.act, milestone_id, Action.REFUND, clock.now())
    assert (await balances(db, milestone_id))["wallet"] == usd("200.00")


async def test_ms_03_removal_of_a_funded_future_milestone_refunds_and_in_progress_is_refused(
        db: Database, clock: FixedClock) -> None:
    contract = await fixed_contract(db, clock.now())
    first = await _propose_and_approve(db, clock, require_id(contract))
    second = await _propose_and_approve(db, clock, require_id(contract), "300.00")
    await fund_wallet(db, CLIENT, usd("500.00"), clock.now())
    await act_as(db, CLIENT, ms.fund, first, clock.now())
    await act_as(db, CLIENT, ms.fund, second, clock.now())
    await act_as(db, EXPERT, ms.act, first, Action.START, clock.now())
    with pytest.raises(Conflict, match="in progress cannot be removed"):
        await act_as(db, EXPERT, ms.act, first, Action.REQUEST_REMOVAL, clock.now())
    await act_as(db, EXPERT, ms.act, second, Action.REQUEST_REMOVAL, clock.now())
    removed = await act_as(db, CLIENT, ms.act, second, Action.APPROVE_REMOVAL, clock.now())
    assert (removed.milestone.state, removed.event.amount) == (S.REMOVED, usd("300.00"))
    assert (await balances(db, second))["wallet"] == usd("300.00")


async def test_ms_04_an_approved_higher_amount_charges_the_difference_into_escrow(
        db: Database, clock: FixedClock) -> None:
    contract = await fixed_contract(db, clock.now())
    milestone_id = await _propose_and_approve(db, clock, require_id(contract))
    await fund_wallet(db, CLIENT, usd("220.00"), clock.now())
    await act_as(db, CLIENT, ms.fund, milestone_id, clock.now())
    await act_as(db, EXPERT, plan.propose_change, milestone_id, clock.now(),
              title="Drawings and BOM", amount=usd("250.00"))
    async with db.uow() as uow:  # the wallet has 20.00: 30.00 is missing
        client = present(await uow.users.get(CLIENT))
        shortfall = await plan.approve_change(uow, client, milestone_id, clock.now())
        assert isinstance(shortfall, ms.Shortfall)
        assert (shortfall.missing, shortfall.request_number) == (usd("30.00"), 1)
        intent = await open_invoice(uow, client, shortfall, "telegram", clock.now())
        await uow.commit()
    async with db.uow() as uow:
        await settle_payment(uow, GatewayPayment(CLIENT, intent.payload, "USD", 30_00,
                                                 "tg-charge-2"), clock.now())
        approved = await fund_after_payment(uow, present(await uow.users.get(CLIENT)),
                                            require_id(intent), clock.now())
        await uow.commit()
    assert approved is not None and approved.event.amount == usd("50.00")
    assert (approved.milestone.title, approved.milestone.amount) == (
        "Drawings and BOM", usd("250.00"))
    assert await balances(db, milestone_id) == {
        "wallet": usd("0"), "escrow": usd("250.00"), "pending": usd("0"), "available": usd("0")}


async def test_ms_07_the_client_cannot_add_or_change_while_expert_proposals_wait(
        db: Database, clock: FixedClock) -> None:
    contract = await fixed_contract(db, clock.now())
    board = await act_as(db, CLIENT, plan.board, contract.id, clock.now())
    first = board.milestones[0]
    await act_as(db, EXPERT, plan.create, contract.id, _terms(), clock.now())
    board = await act_as(db, CLIENT, plan.board, contract.id, clock.now())
    assert board.proposals_wait and not board.can_add
    assert Action.CLIENT_EDIT not in board.actions(first)
    with pytest.raises(WaitingProposals):
        await act_as(db, CLIENT, plan.create, contract.id, _terms("90.00"), clock.now())
    with pytest.raises(WaitingProposals):
        await act_as(db, CLIENT, plan.edit, first.id, _terms("90.00"), clock.now())
    with pytest.raises(WaitingProposals):
        await act_as(db, CLIENT, ms.act, first.id, Action.CLIENT_REMOVE, clock.now())
    proposal = board.milestones[1]
    await act_as(db, CLIENT, ms.act, proposal.id, Action.DECLINE, clock.now())
    added = await act_as(db, CLIENT, plan.create, contract.id, _terms("90.00"), clock.now())
    assert added.milestone.state is S.APPROVED


async def test_obligations_need_an_active_contract_but_money_can_still_be_settled(
        db: Database, clock: FixedClock) -> None:
    contract = await fixed_contract(db, clock.now())
    milestone_id = await _propose_and_approve(db, clock, require_id(contract))
    await fund_wallet(db, CLIENT, usd("200.00"), clock.now())
    await act_as(db, CLIENT, ms.fund, milestone_id, clock.now())
    async with db.uow() as uow:
        stored = present(await uow.market.contracts.get(require_id(contract)))
        stored.end(CLIENT, EndReason.CANCELLED_BY_CLIENT, clock.now())
        await uow.market.contracts.save(stored)
        await uow.commit()
    with pytest.raises(Conflict, match="not active"):
        await act_as(db, EXPERT, plan.create, contract.id, _terms(), clock.now())
    await act_as(db, EXPERT, ms.act, milestone_id, Action.REFUND, clock.now())
    assert (await balances(db, milestone_id))["wallet"] == usd("200.00")
