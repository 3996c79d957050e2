"""Support by buttons: dispute decisions on the queue card (MS-08), appeals of suspended users
(ACC-02) and Report without knowing an id (ACC-04, MSG-02), with their authorisation matrix."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from core.accounts import Role
from core.milestones import Action, MilestoneState
from core.services import milestone_plan as plan
from core.services import milestones as ms
from core.services.milestone_disputes import open_dispute
from core.support import AuditAction, ItemKind, ItemStatus
from handlers.contract import CALLBACK_DATA_MAX_BYTES, AnswerCallback
from tests.conversation.conftest import ADMIN_ID
from tests.conversation.harness import BotHarness, ChatUser
from tests.conversation.relay_kit import audit_rows, contract_between, deliver, open_items, people
from tests.milestones_kit import fixed_contract, fund_wallet, usd

S = MilestoneState


async def _as(bot: BotHarness, user_id: int, call: Any, *args: Any) -> Any:
    async with bot.database.uow() as uow:
        result = await call(uow, await uow.users.get(user_id), *args)
        await uow.commit()
    return result


def _said(user: ChatUser) -> str:
    alerts = [a.text or "" for a in user.actions if isinstance(a, AnswerCallback)]
    return "\n".join([*user.replies, *alerts])


async def _support(bot: BotHarness) -> tuple[ChatUser, ChatUser]:
    """The admin (ADMIN_IDS) and Sam, whom the admin made support."""
    admin = bot.user(ADMIN_ID, "Ada", "Admin", username="ada")
    await admin.sign_up("client", "Ada", "Admin", "ada@example.com")
    sam = bot.user(1010, "Sam", "Support", username="sam")
    await sam.sign_up("expert", "Sam", "Support", "sam@example.com")
    await admin.command("/grant_support @sam new colleague")
    return admin, sam


async def _disputes(bot: BotHarness, count: int = 3) -> tuple[ChatUser, ChatUser, list[int]]:
    """Alice (client) and Bob (expert) with ``count`` disputed $100 milestones."""
    alice = bot.user(2001, "Alice", "Client", username="alice")
    bob = bot.user(2002, "Bob", "Expert", username="bob")
    await alice.sign_up("client", "Alice", "Client", "alice@example.com")
    await bob.sign_up("expert", "Bob", "Expert", "bob@example.com")
    now = bot.clock.now()
    contract = await fixed_contract(bot.database, now, client=alice.id, expert=bob.id)
    await fund_wallet(bot.database, alice.id, usd("1000.00"), now)
    ids = []
    for n in range(count):
        terms = plan.Terms(f"Drawings {n + 1}", "", usd("100.00"), date(2026, 3, 1))
        milestone_id = (await _as(bot, bob.id, plan.create, contract.id, terms, now)
                        ).milestone.id
        await _as(bot, alice.id, ms.act, milestone_id, Action.APPROVE, now)
        await _as(bot, alice.id, ms.fund, milestone_id, now)
        await _as(bot, bob.id, open_dispute, milestone_id, "The client vanished", (), now)
        ids.append(milestone_id)
    return alice, bob, ids


async def _milestone(bot: BotHarness, milestone_id: int) -> Any:
    async with bot.database.uow() as uow:
        return await uow.milestones.get(milestone_id)


async def test_ms_08_support_decides_disputes_from_the_queue_card_by_the_item_shown(
        bot: BotHarness) -> None:
    _, sam = await _support(bot)
    alice, bob, (first, second, third) = await _disputes(bot)
    items = {i.id: i for i in await open_items(bot) if i.id is not None}
    by_milestone = {}
    async with bot.database.uow() as uow:
        for item_id in items:
            found = await uow.milestones.by_dispute_item(item_id)
            assert found is not None
            by_milestone[found.id] = item_id
    await sam.command("/queue")
    await sam.press_data(f"sup:i:{by_milestone[first]}")
    assert f"#{by_milestone[first]} · milestone dispute" in sam.last_text
    assert f"Milestone #{first} “Drawings 1” of contract" in sam.last_text  # /resolve's id
    assert ["Open the dispute", "Release all", "Release part", "Refund all"] == [
        label for label in sam.buttons() if label != "Back to the queue"]
    await sam.press("Open the dispute")  # the full view carries the same decisions
    assert [d for _, d in sam.messages[-1].buttons()] == [
        f"msd:{by_milestone[first]}:{how}" for how in ("rl", "pt", "rf")]
    await sam.press("Release all")
    assert f"Milestone #{first} “Drawings 1”: release everything to the freelancer" in sam.reply
    await sam.say("The drawings were delivered")
    assert "$100.00 released to the freelancer, $0.00 refunded" in sam.reply
    assert (await _milestone(bot, first)).state is S.RELEASED
    await sam.forge(f"sup:i:{by_milestone[second]}")
    await sam.press("Release part")
    await sam.say("many")  # not an amount: asked again, nothing changes
    assert (await _milestone(bot, second)).state is S.DISPUTED
    assert (await bot.dialog(sam.id))[0] == "support.decide"
    await sam.say("40 half of the drawings arrived")
    assert "$40.00 released to the freelancer, $60.00 refunded" in sam.reply
    await sam.forge(f"sup:i:{by_milestone[third]}")
    await sam.press("Refund all")
    await sam.say("Nothing was delivered")
    assert "$0.00 released to the freelancer, $100.00 refunded" in sam.reply
    assert await open_items(bot) == []
    rows = [r for r in await audit_rows(bot) if r.action is AuditAction.RESOLVE_DISPUTE]
    assert len(rows) == 6 and {r.item_id for r in rows} == set(items)
    await deliver(bot)
    assert "Nothing was delivered" in alice.last_text and "Nothing was delivered" in bob.last_text


async def test_ms_08_resolve_by_milestone_stays_an_alias_of_the_buttons(bot: BotHarness) -> None:
    _, sam = await _support(bot)
    _, _, [milestone_id] = await _disputes(bot, 1)
    await sam.command(f"/resolve {milestone_id} refund nothing arrived")
    assert "$100.00 refunded to the client" in sam.reply
    assert await open_items(bot) == []


async def test_ms_08_a_decision_pressed_twice_or_after_resolve_changes_nothing(
        bot: BotHarness) -> None:
    admin, sam = await _support(bot)
    _, _, [milestone_id] = await _disputes(bot, 1)
    [item] = await open_items(bot)
    await sam.forge(f"msd:{item.id}:rl")
    await admin.command(f"/resolve {milestone_id} refund decided first")  # another agent
    await sam.say("too late")
    assert sam.reply == "This item was already handled."
    assert await bot.dialog(sam.id) == (None, {})
    await sam.forge(f"msd:{item.id}:rf")
    assert sam.reply == "This item was already handled."
    assert (await _milestone(bot, milestone_id)).refunded == usd("100.00")


FORGED_DECISIONS = ["msd", "msd:", "msd:1", "msd:x:rl", "msd:1:zz", "msd:1:rl:2", "msd:-1:rl",
                    "msd:99999:rl", "msd:１:rl", "sup:c:1:x", "apl", "apl:x", "apl:w:1"]


@pytest.mark.parametrize("data", FORGED_DECISIONS)
async def test_forged_support_buttons_are_refused_and_change_nothing(
        bot: BotHarness, data: str) -> None:
    _, sam = await _support(bot)
    _, _, [milestone_id] = await _disputes(bot, 1)
    await sam.forge(data)
    assert (await _milestone(bot, milestone_id)).state is S.DISPUTED
    assert await bot.dialog(sam.id) == (None, {})
    assert len(await open_items(bot)) == 1


@pytest.mark.parametrize("who", ["alice", "bob", "carol", "suspended support"])
@pytest.mark.parametrize("how", ["rl", "pt", "rf"])
async def test_ms_08_nobody_but_active_staff_outside_the_contract_decides_by_button(
        bot: BotHarness, who: str, how: str) -> None:
    admin, sam = await _support(bot)
    alice, bob, [milestone_id] = await _disputes(bot, 1)
    carol = bot.user(2003, "Carol", "Stranger")
    await carol.sign_up("both", "Carol", "Stranger", "carol@example.com")
    [item] = await open_items(bot)
    if who == "suspended support":
        await admin.command("/suspend @sam under review")
    presser = {"alice": alice, "bob": bob, "carol": carol, "suspended support": sam}[who]
    await presser.forge(f"msd:{item.id}:{how}")
    refusal = ("Reason: under review" if who == "suspended support"
               else "Only support can do this.")
    assert refusal in _said(presser)
    assert await bot.dialog(presser.id) == (None, {})
    assert (await _milestone(bot, milestone_id)).state is S.DISPUTED


async def test_ms_08_staff_who_are_a_party_cannot_decide_by_button(bot: BotHarness) -> None:
    admin, _ = await _support(bot)
    bob = bot.user(2002, "Bob", "Expert")
    await bob.sign_up("expert", "Bob", "Expert", "bob@example.com")
    now = bot.clock.now()
    contract = await fixed_contract(bot.database, now, client=admin.id, expert=bob.id)
    await fund_wallet(bot.database, admin.id, usd("500.00"), now)
    terms = plan.Terms("Drawings", "", usd("100.00"), date(2026, 3, 1))
    milestone_id = (await _as(bot, bob.id, plan.create, contract.id, terms, now)).milestone.id
    await _as(bot, admin.id, ms.act, milestone_id, Action.APPROVE, now)
    await _as(bot, admin.id, ms.fund, milestone_id, now)
    await _as(bot, bob.id, open_dispute, milestone_id, "Unpaid", (), now)
    [item] = await open_items(bot)
    await admin.forge(f"msd:{item.id}:rf")
    assert "your own contract" in _said(admin)
    assert (await _milestone(bot, milestone_id)).state is S.DISPUTED
    assert await bot.dialog(admin.id) == (None, {})


async def test_every_new_button_fits_telegrams_64_bytes() -> None:
    big = 10 ** 18 - 1
    for data in (f"msd:{big}:pt", f"sup:c:{big}:r", "apl:w", f"rpt:{big}"):
        assert len(data.encode()) <= CALLBACK_DATA_MAX_BYTES


async def test_acc_02_a_suspended_user_appeals_and_support_reinstates_from_the_queue(
        bot: BotHarness) -> None:
    _, sam = await _support(bot)
    alice, bob, _ = await people(bot)
    await sam.command("/suspend @bob spam in messages")
    await deliver(bot)
    assert "spam in messages" in bob.last_text
    assert bob.messages[-1].buttons() == [("Обжаловать", "apl:w")]
    await bob.press("Обжаловать")
    await bob.say("It was one message, by mistake")
    assert bob.reply == "Ваша апелляция передана в поддержку. Ответ придёт сюда."
    [item] = await open_items(bot)
    assert (item.kind, item.subject_id, item.reporter_id, item.reason) == (
        ItemKind.APPEAL, bob.id, bob.id, "It was one message, by mistake")
    appealed = (await audit_rows(bot))[0]
    assert (appealed.action, appealed.actor_id, appealed.item_id) == (
        AuditAction.APPEAL, bob.id, item.id)
    await bob.command("/appeal again")
    assert bob.reply == "Ваша апелляция уже у поддержки; ответ придёт сюда."
    await sam.command("/queue")
    await sam.press_data(f"sup:i:{item.id}")
    assert "appeal of a suspension" in sam.last_text
    assert "Suspended for: spam in messages" in sam.last_text
    await sam.press("Reinstate")
    await sam.say("first time, warned")
    assert f"Item #{item.id} resolved." in sam.reply
    assert (await bot.stored(bob.id)).suspended_reason is None
    assert "appeal" not in {name for name, _ in bob.menu or ()}
    assert "post" not in {name for name, _ in bob.menu or ()}  # still a freelancer's menu
    rows = await audit_rows(bot)
    assert [(r.action, r.actor_id, r.target_id) for r in rows[:2]] == [
        (AuditAction.REINSTATE, sam.id, bob.id), (AuditAction.RESOLVE, sam.id, bob.id)]
    await deliver(bot)
    assert ("Поддержка приняла вашу апелляцию, ваш аккаунт снова активен. "
            "Комментарий: first time, warned") in bob.last_text
    await bob.forge(f"msg:new:{alice.id}")
    assert "Alice" in bob.reply  # acting again
    await sam.command("/audit @bob")  # ACC-03: the appeal is in the user's history
    assert "Bob Ivanov (id 1002, @bob): appealed the suspension" in sam.reply


async def test_acc_02_support_may_keep_the_suspension_and_reinstate_closes_an_appeal(
        bot: BotHarness) -> None:
    _, sam = await _support(bot)
    _, bob, carol = await people(bot)
    await sam.command("/suspend @bob spam")
    await bob.command("/appeal I did nothing wrong")
    [item] = await open_items(bot)
    await sam.forge(f"sup:c:{item.id}:d")
    await sam.say("the evidence is clear")
    assert (await bot.stored(bob.id)).suspended_reason == "spam"
    await deliver(bot)
    assert "оставила блокировку. Комментарий: the evidence is clear" in bob.last_text
    await bob.command("/appeal new facts")  # the first was answered: another may follow
    [again] = await open_items(bot)
    await sam.command("/reinstate @bob new facts checked")
    assert again.id is not None
    closed = await _item(bot, again.id)
    assert (closed.status, closed.note) == (ItemStatus.RESOLVED, "new facts checked")
    await carol.command("/appeal please")
    assert carol.reply == "Your account is not suspended, so there is nothing to appeal."
    await carol.forge("apl:w")
    assert "not suspended" in _said(carol) and await bot.dialog(carol.id) == (None, {})


async def _item(bot: BotHarness, item_id: int) -> Any:
    async with bot.database.uow() as uow:
        return await uow.support.get_item(item_id)


async def test_acc_02_only_an_admin_reinstates_support_staff_on_appeal(bot: BotHarness) -> None:
    admin, sam = await _support(bot)
    tess = bot.user(1011, "Tess", "Support", username="tess")
    await tess.sign_up("expert", "Tess", "Support", "tess@example.com")
    await admin.command("/grant_support @tess")
    await admin.command("/suspend @tess leaked a report")
    await tess.command("/appeal it was not me")
    [item] = await open_items(bot)
    await sam.forge(f"sup:c:{item.id}:r")
    await sam.say("looks fine")
    assert "Only an administrator" in sam.reply
    assert (await bot.stored(tess.id)).suspended_reason == "leaked a report"
    await admin.command("/queue")
    await admin.press_data(f"sup:i:{item.id}")
    await admin.press("Reinstate")
    await admin.say("checked the logs")
    assert (await bot.stored(tess.id)).suspended_reason is None
    assert Role.SUPPORT in (await bot.stored(tess.id)).roles


@pytest.mark.parametrize("line", ["/post", "/topup 5", "/verify_email"])
async def test_acc_02_a_suspended_user_may_report_and_appeal_but_nothing_else(
        bot: BotHarness, line: str) -> None:
    _, sam = await _support(bot)
    alice, bob, carol = await people(bot)
    await sam.command("/suspend @alice spam")
    await alice.command(line)
    assert "Reason: spam" in alice.reply, line
    await alice.forge(f"msg:new:{bob.id}")
    assert "Reason: spam" in _said(alice)
    await alice.command("/report @carol took an advance and vanished")
    assert alice.reply == "Thank you. Your report reached support."
    await alice.command("/appeal it was a misunderstanding")
    assert alice.reply == "Your appeal reached support. They will answer you here."
    assert sorted(i.kind for i in await open_items(bot)) == [ItemKind.APPEAL, ItemKind.FRAUD]


async def test_acc_04_report_without_an_id_offers_the_people_one_talked_to(
        bot: BotHarness) -> None:
    alice, bob, carol = await people(bot)
    await bob.forge(f"msg:new:{alice.id}")  # Alice has a public card: Bob may write
    await bob.say("Hello, about the drawings")
    await alice.command("/report")
    assert "Press Report on their profile card" in alice.reply
    assert alice.messages[-1].buttons() == [("Report Bob Ivanov", f"rpt:{bob.id}")]
    await alice.press("Report Bob Ivanov")
    await alice.say("Asked me to pay by bank transfer")
    assert alice.reply == "Thank you. Your report reached support."
    [item] = await open_items(bot)
    assert (item.kind, item.subject_id, item.reporter_id) == (ItemKind.FRAUD, bob.id, alice.id)
    await carol.command("/report")  # nobody to offer: only the explanation
    assert carol.messages[-1].buttons() == []


def _data(user: ChatUser, prefix: str) -> str:
    """The newest button data starting with ``prefix``."""
    for message in reversed(user.messages):
        for _, data in message.buttons():
            if data.startswith(prefix):
                return data
    raise AssertionError(f"no button {prefix}...; buttons: {user.buttons()}")


async def test_acc_04_conversations_and_contract_cards_offer_report_too(
        bot: BotHarness) -> None:
    alice, bob, _ = await people(bot)
    await contract_between(bot, alice.id, bob.id)
    await alice.command("/contracts")
    await alice.press_data(_data(alice, "ct:v:"))
    assert ("Report", f"rpt:{bob.id}") in alice.messages[-1].buttons()
    await bob.forge(f"msg:new:{alice.id}")
    await bob.say("Hello, about the drawings")
    await alice.command("/messages")
    await alice.press_data(_data(alice, "th:t:"))
    assert ("Report", f"rpt:{bob.id}") in alice.messages[-1].buttons()
    await alice.press("Report")
    await alice.say("Asked me to pay outside the platform")
    [item] = await open_items(bot)
    assert (item.kind, item.subject_id, item.reporter_id) == (ItemKind.FRAUD, bob.id, alice.id)
