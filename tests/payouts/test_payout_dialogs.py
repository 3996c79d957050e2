"""The payout dialogs' state tables: every state is routed and leads only to known states."""

from __future__ import annotations

from handlers import build_router
from handlers.payouts import bonus, direct, methods, queue, request


def test_every_payout_dialog_state_is_routed_and_leads_to_known_states() -> None:
    routed = build_router().states
    tables = {**methods.STATES, **queue.STATES, **bonus.STATES, **direct.STATES}
    for state, targets in tables.items():
        assert state in routed, state
        assert all(target is None or target in tables for target in targets), state
    assert request.AMOUNT_STATE in routed
    assert {s for s in routed if s.startswith(("payouts.", "bonus.", "hire."))} == (
        set(tables) | {request.AMOUNT_STATE})
