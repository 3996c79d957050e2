"""The authorisation matrix of milestones: however callback data are forged, a stranger, the
wrong side or support can never act on a milestone, and nothing changes (state, money,
notifications, dialogs)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from core.ids import require_id
from core.milestones import Action, MilestoneState
from core.services import milestone_plan as plan
from core.services import milestones as ms
from core.services.milestone_disputes import open_dispute
from handlers.contract import AnswerCallback
from handlers.milestone_views import VERBS
from storage.tables.outbox import outbox
from tests.conversation.conftest import ADMIN_ID
from tests.conversation.harness import BotHarness, ChatUser
from tests.milestones_kit import fixed_contract, fund_wallet, usd

S = MilestoneState
ALL_VERBS = sorted({*VERBS.values(), "b", "v", "fl", "new", "f", "ac"})


async def _as(bot: BotHarness, user_id: int, call: Any, *args: Any, **kwargs: Any) -> Any:
    async with bot.database.uow() as uow:
        result = await call(uow, await uow.users.get(user_id), *args, **kwargs)
        await uow.commit()
    return result


async def _world(bot: BotHarness) -> tuple[dict[str, ChatUser], dict[S, int], int]:
    """Alice (client), Bob (expert), Carol (stranger), Sam (admin) and a milestone per state."""
    people = {name: bot.user(uid, name.title(), "Test") for name, uid in (
        ("alice", 2001), ("bob", 2002), ("carol", 2003), ("sam", ADMIN_ID))}
    for name, role in (("alice", "client"), ("bob", "expert"), ("carol", "both"),
                       ("sam", "client")):
        await people[name].sign_up(role, name.title(), "Test", f"{name}@example.com")
    alice, bob = people["alice"].id, people["bob"].id
    now = bot.clock.now()
    contract = await fixed_contract(bot.database, now, client=alice, expert=bob)
    await fund_wallet(bot.database, alice, usd("5000.00"), now)
    ids: dict[S, int] = {}
    steps: dict[S, list[tuple[int, Any, tuple[Any, ...]]]] = {
        S.PROPOSED: [],
        S.DECLINED: [(alice, ms.act, (Action.DECLINE, now))],
        S.APPROVED: [(alice, ms.act, (Action.APPROVE, now))],
        S.FUNDED: [(alice, ms.act, (Action.APPROVE, now)), (alice, ms.fund, (now,))],
        S.IN_PROGRESS: [(alice, ms.act, (Action.APPROVE, now)), (alice, ms.fund, (now,)),
                        (bob, ms.act, (Action.START, now))],
        S.SUBMITTED: [(alice, ms.act, (Action.APPROVE, now)), (alice, ms.fund, (now,)),
                      (bob, ms.submit, ("Work", (), now))],
        S.REVISION_REQUESTED: [(alice, ms.act, (Action.APPROVE, now)), (alice, ms.fund, (now,)),
                               (bob, ms.submit, ("Work", (), now)),
                               (alice, ms.request_revision, ("Again please", now))],
        S.DISPUTED: [(alice, ms.act, (Action.APPROVE, now)), (alice, ms.fund, (now,)),
                     (bob, open_dispute, ("The client vanished", (), now))],
        S.RELEASED: [(alice, ms.act, (Action.APPROVE, now)), (alice, ms.fund, (now,)),
                     (bob, ms.submit, ("Work", (), now)), (alice, ms.act, (Action.ACCEPT, now))],
    }
    for state, path in steps.items():
        terms = plan.Terms(f"Milestone {state.value}", "", usd("100.00"), date(2026, 3, 1))
        milestone_id = require_id((await _as(bot, bob, plan.create, contract.id, terms,
                                             now)).milestone)
        for who, call, args in path:
            await _as(bot, who, call, milestone_id, *args)
        ids[state] = milestone_id
    # waiting requests add the client's answers to what may be pressed
    await _as(bot, bob, plan.propose_change, ids[S.IN_PROGRESS], now, amount=usd("150.00"))
    await _as(bot, bob, ms.act, ids[S.APPROVED], Action.REQUEST_REMOVAL, now)
    return people, ids, require_id(contract)


async def _snapshot(bot: BotHarness, contract_id: int) -> Any:
    async with bot.database.uow() as uow:
        milestones = await uow.milestones.for_contract(contract_id)
        events = [len(await uow.milestones.events(require_id(m))) for m in milestones]
        outbox_rows = (await uow.session.execute(select(func.count()).select_from(outbox))
                       ).scalar_one()
        dialogs = [await uow.dialogs.get(uid) for uid in (2001, 2002, 2003, ADMIN_ID)]
        audit = await uow.ledger.audit()
    return milestones, events, outbox_rows, dialogs, audit.totals, audit.transactions


def _refused(user: ChatUser) -> bool:
    answers = [a for a in user.actions if isinstance(a, AnswerCallback)]
    return len(answers) == 1 and answers[0].alert


async def test_ms_02_to_08_a_stranger_forging_any_button_sees_nothing_and_changes_nothing(
        bot: BotHarness) -> None:
    people, ids, contract_id = await _world(bot)
    carol = people["carol"]
    before = await _snapshot(bot, contract_id)
    for milestone_id in [*ids.values(), contract_id, 999_999]:
        for verb in ALL_VERBS:
            for data in (f"ms:{verb}:{milestone_id}", f"ms:{verb}:{milestone_id}:y"):
                await carol.forge(data)
                assert _refused(carol), (data, carol.actions)
                assert carol.replies == [], data
    for data in ("msx:k", "msw:ss", "msw:ds", "msx:cs", "msx:cf:a", f"msq:{ids[S.DISPUTED]}",
                 "msq:1"):
        await carol.forge(data)
        assert _refused(carol), data
    assert await _snapshot(bot, contract_id) == before


async def test_ms_02_to_08_each_side_can_press_only_the_buttons_it_is_shown(
        bot: BotHarness) -> None:
    people, ids, contract_id = await _world(bot)
    before = await _snapshot(bot, contract_id)
    for name in ("alice", "bob", "sam"):
        user = people[name]
        for state, milestone_id in ids.items():
            await user.command(f"/milestones {contract_id}")
            await user.press_data(f"ms:v:{milestone_id}")
            shown = {d for _, d in user.messages[-1].buttons()}
            for verb in sorted(set(VERBS.values()) | {"f", "ac"}):
                data = f"ms:{verb}:{milestone_id}"
                if data in shown:
                    continue
                for forged in (data, data + ":y"):
                    await user.forge(forged)
                    assert _refused(user), (name, state, forged, user.actions)
    assert await _snapshot(bot, contract_id) == before


async def test_support_views_a_dispute_but_cannot_act_as_a_party(bot: BotHarness) -> None:
    people, ids, contract_id = await _world(bot)
    sam = people["sam"]
    await sam.command(f"/milestones {contract_id}")
    assert "Milestone disputed" in sam.last_text
    await sam.press_data(f"ms:v:{ids[S.DISPUTED]}")
    assert [d for _, d in sam.messages[-1].buttons()] == [f"ms:b:{contract_id}"]
    await sam.command(f"/dispute {ids[S.DISPUTED]}")
    assert "The client vanished" in sam.reply


@pytest.mark.parametrize("data", [
    "ms", "ms:", "ms:v", "ms:v:", "ms:v:abc", "ms:v:-1", "ms:v:0", "ms:v:1:n", "ms:v:1:y:y",
    "ms:zz:1", "ms:ok:99999999999999999999", "ms:ok:1.5", "ms:v:١", "msx", "msx:zz", "msq:x",
    "msw", "msw:zz", "msw:ss:1",
])
async def test_malformed_milestone_buttons_are_answered_as_stale(bot: BotHarness,
                                                                 data: str) -> None:
    carol = bot.user(2003, "Carol", "Test")
    await carol.sign_up("both", "Carol", "Test", "carol@example.com")
    await carol.forge(data)
    assert _refused(carol) and carol.replies == []


async def test_staff_commands_are_hidden_from_the_parties(bot: BotHarness) -> None:
    people, ids, _contract_id = await _world(bot)
    for name in ("alice", "bob", "carol"):
        for line in (f"/resolve {ids[S.DISPUTED]} release mine", f"/dispute {ids[S.DISPUTED]}"):
            await people[name].command(line)
            assert people[name].reply == f"{line.split()[0]} is for support staff only."

