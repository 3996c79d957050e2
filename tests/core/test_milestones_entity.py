"""The milestone entity and its terms: MS-01..09 without storage (pure core)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import Conflict, DomainError, InvalidInput
from core.milestone_terms import (
    DEFAULT_POLICY,
    MilestonePolicy,
    parse_due_date,
    validate_description,
    validate_title,
)
from core.milestones import (
    Action,
    Actor,
    Milestone,
    MilestoneState,
    RequestKind,
    StateRefused,
    WaitingProposals,
    ensure_no_waiting_proposals,
)
from core.money import Money
from tests.fakes import present

NOW = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
E, C, SUP, SYS = Actor.EXPERT, Actor.CLIENT, Actor.SUPPORT, Actor.SYSTEM
S = MilestoneState


def usd(amount: str) -> Money:
    return Money.of(amount, "USD")


def proposal(amount: str = "100.00", author: Actor = E) -> Milestone:
    return Milestone.create(author, 1, "Wireframes", "All screens", usd(amount),
                            date(2026, 2, 1), NOW)


def funded(amount: str = "100.00") -> Milestone:
    milestone = proposal(amount)
    milestone.approve(C, NOW)
    milestone.fund(C, NOW)
    return milestone


def test_ms_01_usd_minimum_is_25_dollars() -> None:
    assert DEFAULT_POLICY.minimum("USD") == usd("25.00")
    assert DEFAULT_POLICY.check_amount(usd("25.00")) == usd("25.00")
    with pytest.raises(InvalidInput) as refused:
        DEFAULT_POLICY.check_amount(usd("24.99"))
    assert refused.value.params == {"minimum": "$25.00"}


def test_ms_01_minimums_are_configurable_per_currency_and_unknown_ones_refused() -> None:
    policy = MilestonePolicy(minimums={"USD": 50_00, "JPY": 3000})
    assert policy.parse_amount("3000", "JPY", "en") == Money(3000, "JPY")
    with pytest.raises(InvalidInput):
        policy.parse_amount("2999", "JPY", "en")
    with pytest.raises(InvalidInput, match="not available"):
        policy.minimum("CHF")
    with pytest.raises(InvalidInput):
        policy.parse_amount("40", "USD", "en")


def test_ms_01_amounts_are_read_in_the_readers_locale_and_checked() -> None:
    assert DEFAULT_POLICY.parse_amount("1 234,50", "USD", "ru") == usd("1234.50")
    with pytest.raises(InvalidInput):
        DEFAULT_POLICY.parse_amount("ten", "USD", "en")
    with pytest.raises(InvalidInput):
        DEFAULT_POLICY.parse_amount("2000000", "USD", "en")


def test_ms_01_title_description_and_due_date_are_validated() -> None:
    assert validate_title("  Logo   design ") == "Logo design"
    with pytest.raises(InvalidInput):
        validate_title("ab")
    assert validate_description("  ") == ""
    with pytest.raises(InvalidInput):
        validate_description("x" * 2001)
    assert parse_due_date("2026-02-01", NOW) == date(2026, 2, 1)
    assert parse_due_date("1.2.2026", NOW) == date(2026, 2, 1)
    assert parse_due_date("2026-01-15", NOW) == date(2026, 1, 15)  # today is fine
    for wrong in ("2026-01-14", "2026-02-30", "tomorrow", "2040-01-01"):
        with pytest.raises(InvalidInput):
            parse_due_date(wrong, NOW)


def test_ms_02_expert_edits_and_deletes_a_proposal_until_answered() -> None:
    milestone = proposal()
    milestone.edit(E, NOW, title="Mockups", description="", amount=usd("120.00"),
                   due_date=date(2026, 3, 1))
    assert (milestone.title, milestone.amount, milestone.state) == (
        "Mockups", usd("120.00"), S.PROPOSED)
    milestone.approve(C, NOW)
    with pytest.raises(StateRefused):
        milestone.edit(E, NOW, title="Late", description="", amount=usd("130.00"),
                       due_date=date(2026, 3, 1))
    with pytest.raises(StateRefused):
        milestone.delete_proposal(E, NOW)
    other = proposal()
    other.delete_proposal(E, NOW)
    assert other.state is S.REMOVED


def test_ms_02_proposals_never_expire() -> None:
    milestone = proposal()
    years_later = NOW + timedelta(days=3650)
    assert milestone.actions_for(C, contract_active=True) == [Action.APPROVE, Action.DECLINE]
    milestone.approve(C, years_later)
    assert milestone.state is S.APPROVED


def test_ms_03_expert_asks_to_remove_a_future_milestone_and_the_client_answers() -> None:
    milestone = funded()
    milestone.request_removal(E, NOW)
    assert milestone.request is not None and milestone.request.kind is RequestKind.REMOVAL
    refund = milestone.approve_removal(C, NOW)
    assert (refund, milestone.state, milestone.escrow) == (usd("100.00"), S.REMOVED, usd("0"))
    kept = funded()
    kept.request_removal(E, NOW)
    kept.decline_removal(C, NOW)
    assert (kept.state, kept.request) == (S.FUNDED, None)


def test_ms_03_a_milestone_in_progress_cannot_be_removed() -> None:
    milestone = funded()
    milestone.request_removal(E, NOW)
    milestone.start(E, NOW)
    assert milestone.request is None  # the request no longer fits: dropped
    for attempt in (lambda: milestone.request_removal(E, NOW),
                    lambda: milestone.remove(C, NOW)):
        with pytest.raises(StateRefused, match="in progress cannot be removed"):
            attempt()


def test_ms_04_change_with_higher_amount_charges_the_difference_into_escrow() -> None:
    milestone = funded("100.00")
    milestone.start(E, NOW)
    request = milestone.propose_change(E, NOW, title="Wireframes v2", amount=usd("150.00"))
    assert (request.title, request.amount, request.number) == ("Wireframes v2", usd("150.00"), 1)
    assert milestone.change_charge() == usd("50.00")
    assert milestone.approve_change(C, NOW) == usd("50.00")
    assert (milestone.title, milestone.amount, milestone.funded, milestone.escrow) == (
        "Wireframes v2", usd("150.00"), usd("150.00"), usd("150.00"))


def test_ms_04_a_change_only_raises_the_amount_and_must_change_something() -> None:
    milestone = funded("100.00")
    with pytest.raises(InvalidInput, match="only raise"):
        milestone.propose_change(E, NOW, amount=usd("90.00"))
    with pytest.raises(InvalidInput, match="changes nothing"):
        milestone.propose_change(E, NOW, title=milestone.title)
    milestone.propose_change(E, NOW, due_date=date(2026, 4, 1))
    with pytest.raises(Conflict, match="already waiting"):
        milestone.propose_change(E, NOW, due_date=date(2026, 5, 1))
    milestone.decline_change(C, NOW)
    assert (milestone.due_date, milestone.request) == (date(2026, 2, 1), None)


def test_ms_04_a_change_to_an_unfunded_milestone_charges_nothing() -> None:
    milestone = proposal("100.00")
    milestone.approve(C, NOW)
    milestone.propose_change(E, NOW, amount=usd("200.00"))
    assert milestone.approve_change(C, NOW) == usd("0")
    assert (milestone.amount, milestone.funded) == (usd("200.00"), usd("0"))
    assert milestone.fund(C, NOW) == usd("200.00")


def test_ms_05_work_starts_only_when_approved_and_funded() -> None:
    milestone = proposal()
    with pytest.raises(StateRefused, match="approved and funded"):
        milestone.start(E, NOW)
    milestone.approve(C, NOW)
    with pytest.raises(StateRefused, match="approved and funded"):
        milestone.submit(E, NOW)
    milestone.fund(C, NOW)
    milestone.submit(E, NOW)  # submitting funded work implies it was in progress
    assert (milestone.state, milestone.submissions) == (S.SUBMITTED, 1)


def test_ms_06_submit_revision_submit_accept_releases_the_escrow() -> None:
    milestone = funded()
    milestone.start(E, NOW)
    milestone.submit(E, NOW)
    milestone.request_revision(C, NOW)
    assert milestone.auto_release_at is None
    milestone.submit(E, NOW + timedelta(days=2))
    assert milestone.accept(C, NOW + timedelta(days=3)) == usd("100.00")
    assert (milestone.state, milestone.released, milestone.escrow) == (
        S.RELEASED, usd("100.00"), usd("0"))


def test_ms_06_expert_refunds_the_escrow_to_the_client() -> None:
    milestone = funded()
    assert milestone.refund(E, NOW) == usd("100.00")
    assert (milestone.state, milestone.refunded) == (S.REFUNDED, usd("100.00"))


def test_ms_07_client_cannot_change_the_plan_while_expert_proposals_wait() -> None:
    waiting = proposal()
    with pytest.raises(WaitingProposals):
        ensure_no_waiting_proposals([funded(), waiting])
    waiting.decline(C, NOW)
    ensure_no_waiting_proposals([funded(), waiting])
    ensure_no_waiting_proposals([proposal(author=C)])  # the client's own milestones never wait


@pytest.mark.parametrize(("release", "state", "refund"), [
    ("100.00", S.RELEASED, "0"), ("60.00", S.RELEASED, "40.00"), ("0", S.REFUNDED, "100.00")])
def test_ms_08_support_resolves_a_dispute_release_partial_or_refund(
        release: str, state: MilestoneState, refund: str) -> None:
    milestone = funded()
    milestone.open_dispute(C, NOW)
    assert milestone.resolve(SUP, NOW, usd(release)) == (usd(release), usd(refund))
    assert milestone.state is state
    assert present(milestone.released) + present(milestone.refunded) == milestone.funded


def test_ms_08_a_partial_release_cannot_exceed_the_escrow() -> None:
    milestone = funded()
    milestone.open_dispute(E, NOW)
    with pytest.raises(InvalidInput):
        milestone.resolve(SUP, NOW, usd("100.01"))
    with pytest.raises(DomainError):
        milestone.resolve(C, NOW, usd("50.00"))


def test_ms_09_auto_release_is_due_exactly_14_days_after_submission() -> None:
    milestone = funded()
    milestone.submit(E, NOW)
    assert milestone.auto_release_at == NOW + timedelta(days=14)
    with pytest.raises(Conflict, match="not due"):
        milestone.auto_release(SYS, NOW + timedelta(days=14) - timedelta(microseconds=1))
    with pytest.raises(DomainError):
        milestone.auto_release(C, NOW + timedelta(days=14))
    assert milestone.auto_release(SYS, NOW + timedelta(days=14)) == usd("100.00")
    assert milestone.state is S.RELEASED


ACTION_CALLS = [
    ("approve", C), ("decline", C), ("fund", C), ("start", E), ("submit", E), ("accept", C),
    ("request_revision", C), ("open_dispute", E), ("open_dispute", C), ("refund", E),
    ("request_removal", E), ("approve_removal", C), ("decline_removal", C), ("remove", C),
    ("raise", E), ("approve_change", C), ("decline_change", C), ("resolve", SUP),
    ("auto_release", SYS), ("delete_proposal", E),
]


def _apply(milestone: Milestone, name: str, actor: Actor, at: datetime, part: int) -> None:
    if name == "raise":
        milestone.propose_change(E, at, amount=milestone.amount + usd("10.00"))
    elif name == "resolve":
        milestone.resolve(actor, at, Money(min(part, milestone.escrow.minor), "USD"))
    else:
        getattr(milestone, name)(actor, at)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(ACTION_CALLS), st.integers(0, 20_000)),
                max_size=25))
def test_ms_06_any_path_keeps_escrow_plus_released_plus_refunded_equal_to_funded(
        steps: list[tuple[tuple[str, Actor], int]]) -> None:
    milestone = proposal()
    at = NOW
    for (name, actor), part in steps:
        at += timedelta(days=15)
        try:
            _apply(milestone, name, actor, at, part)
        except DomainError:
            pass
        assert (milestone.escrow + present(milestone.released) + present(milestone.refunded)
                == milestone.funded)
        assert not milestone.escrow.is_negative
        in_escrow = milestone.state in {S.FUNDED, S.IN_PROGRESS, S.SUBMITTED,
                                        S.REVISION_REQUESTED, S.DISPUTED}
        assert milestone.escrow == (milestone.amount if in_escrow else usd("0"))
