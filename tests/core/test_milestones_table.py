"""The milestone state table: every (state, action, actor) triple, allowed or refused.

The expected transitions below are written out by hand from RULES.md (MS-02..09), not derived
from :data:`core.milestones.TABLE`, so a wrong row in the table fails here. The triples are
parametrized over the full product of states (plus "new": a milestone that does not exist
yet), actions and actors.
"""

from __future__ import annotations

import itertools

import pytest

from core.errors import Conflict, Forbidden
from core.milestones import (
    TABLE,
    Action,
    Actor,
    ActorRefused,
    MilestoneState,
    StateRefused,
    allowed,
    check,
)

# action: (actors, from states, to state or "same"); written independently of the table.
EXPECTED: dict[str, tuple[str, str, str]] = {
    "propose": ("expert", "new", "proposed"),
    "edit_proposal": ("expert", "proposed", "same"),
    "delete_proposal": ("expert", "proposed", "removed"),
    "approve": ("client", "proposed", "approved"),
    "decline": ("client", "proposed", "declined"),
    "fund": ("client", "approved", "funded"),
    "start": ("expert", "funded", "in_progress"),
    "submit": ("expert", "funded in_progress revision_requested", "submitted"),
    "accept": ("client", "submitted", "released"),
    "request_revision": ("client", "submitted", "revision_requested"),
    "open_dispute": ("expert client", "funded in_progress submitted revision_requested",
                     "disputed"),
    "refund": ("expert", "funded in_progress submitted revision_requested", "refunded"),
    "request_removal": ("expert", "approved funded", "same"),
    "approve_removal": ("client", "approved funded", "removed"),
    "decline_removal": ("client", "approved funded", "same"),
    "propose_change": ("expert", "approved funded in_progress submitted revision_requested",
                       "same"),
    "approve_change": ("client", "approved funded in_progress submitted revision_requested",
                       "same"),
    "decline_change": ("client", "approved funded in_progress submitted revision_requested",
                       "same"),
    "resolve_release": ("support", "disputed", "released"),
    "resolve_partial": ("support", "disputed", "released"),
    "resolve_refund": ("support", "disputed", "refunded"),
    "auto_release": ("system", "submitted", "released"),
    "client_add": ("client", "new", "approved"),
    "client_edit": ("client", "approved", "same"),
    "client_remove": ("client", "approved funded", "removed"),
    # MS-10: what the contract's end does by itself
    "end_refund": ("system", "funded", "refunded"),
    "end_close": ("system", "proposed approved", "removed"),
    "escalate": ("system", "in_progress submitted revision_requested", "disputed"),
}

STATES = ["new", *(s.value for s in MilestoneState)]
TRIPLES = list(itertools.product(STATES, [a.value for a in Action], [a.value for a in Actor]))


def _state(name: str) -> MilestoneState | None:
    return None if name == "new" else MilestoneState(name)


def test_ms_02_to_09_every_action_of_the_table_has_an_expectation_and_vice_versa() -> None:
    assert {a.value for a in TABLE} == set(EXPECTED) == {a.value for a in Action}
    assert len(TRIPLES) == 12 * 28 * 4


@pytest.mark.parametrize(("state", "action", "actor"), TRIPLES)
def test_ms_02_to_09_state_table_allows_exactly_the_expected_triples(state: str, action: str,
                                                            actor: str) -> None:
    actors, sources, target = EXPECTED[action]
    expected = actor in actors.split() and state in sources.split()
    assert allowed(Action(action), Actor(actor), _state(state)) is expected
    if expected:
        reached = check(Action(action), Actor(actor), _state(state))
        assert reached == (_state(state) if target == "same" else MilestoneState(target))
        return
    with pytest.raises((ActorRefused, StateRefused)) as refused:
        check(Action(action), Actor(actor), _state(state))
    wrong_side = actor not in actors.split()
    assert isinstance(refused.value, Forbidden if wrong_side else Conflict)
    assert refused.value.message  # a named, translatable reason, never empty


def test_ms_05_start_or_submit_before_funding_names_the_rule() -> None:
    for action, state in itertools.product((Action.START, Action.SUBMIT),
                                           (MilestoneState.PROPOSED, MilestoneState.APPROVED)):
        with pytest.raises(StateRefused) as refused:
            check(action, Actor.EXPERT, state)
        assert "approved and funded" in refused.value.message


def test_ms_03_removing_a_milestone_in_progress_names_the_rule() -> None:
    for action, actor in ((Action.REQUEST_REMOVAL, Actor.EXPERT),
                          (Action.APPROVE_REMOVAL, Actor.CLIENT),
                          (Action.CLIENT_REMOVE, Actor.CLIENT)):
        with pytest.raises(StateRefused) as refused:
            check(action, actor, MilestoneState.IN_PROGRESS)
        assert refused.value.message == "A milestone in progress cannot be removed."


def test_ms_08_only_support_resolves_and_the_wrong_side_is_told_who_may() -> None:
    with pytest.raises(ActorRefused) as refused:
        check(Action.RESOLVE_RELEASE, Actor.CLIENT, MilestoneState.DISPUTED)
    assert refused.value.message == "Only support can do that."
    with pytest.raises(ActorRefused) as refused:
        check(Action.ACCEPT, Actor.EXPERT, MilestoneState.SUBMITTED)
    assert refused.value.message == "Only the client of this contract can do that."
