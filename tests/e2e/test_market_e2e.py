"""The marketplace end to end on aiogram and on PTB against the sandbox Bot API server.

Alice (employer, English) posts a project through the /post dialog and publishes it; Boris
(freelancer, Russian) finds it with /projects, opens the card and applies; Alice, told through
the outbox, opens the application, writes to Boris through the bot, chooses him with an hourly
offer; Boris, told in Russian, accepts: the contract is active and each saw only their own
language.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.sandbox import SandboxMessage, SandboxUser
from core.contracts import ContractStatus
from locales import translator
from tests.e2e.conftest import Running
from tests.e2e.test_bot import onboard
from tests.e2e.test_relay_e2e import delivering  # noqa: F401 - the fixture, used by name

pytestmark = pytest.mark.e2e

WAIT = 10.0
EN, RU = translator("en"), translator("ru")
TITLE = "Design a gearbox housing"
LETTER = "Я спроектировал сорок корпусов редукторов в SolidWorks, могу начать завтра."


def _has(data: str) -> Callable[[SandboxMessage], bool]:
    """A predicate: the message carries a button with callback data ``data``."""
    return lambda m: any(value == data for row in m.buttons for _, value in row)


async def _post(alice: SandboxUser) -> int:
    """Alice goes through /post and publishes; returns the project id from the card's link."""
    await alice.command("/post")
    await alice.wait_message(WAIT, predicate=lambda m: (m.text or "").startswith(
        EN("Let's post a project. What is its title? (5 to 100 characters; /cancel stops)")[:20]))
    await alice.send(TITLE)
    await alice.wait_message(WAIT)
    await alice.send("A cast aluminium housing for a two-stage gearbox; STEP files wanted.")
    categories = await alice.wait_message(WAIT, predicate=_has("pp:cat:cad"))
    await alice.press(categories, EN("CAD and engineering"))
    kinds = await alice.wait_message(WAIT, predicate=_has("pp:kind:hourly"))
    await alice.press(kinds, EN("Hourly"))
    await alice.wait_message(WAIT, predicate=lambda m: "20-40" in (m.text or ""))
    await alice.send("20-40")
    deadline = await alice.wait_message(WAIT, predicate=_has("pp:nodl"))
    await alice.press(deadline, EN("No deadline"))
    draft = await alice.wait_message(WAIT, predicate=lambda m: TITLE in (m.text or ""))
    assert EN("Here is your draft. Publish it when it reads well.") in (draft.text or "")
    await alice.press(draft, EN("Publish"))
    await alice.wait_edit(draft, WAIT, predicate=lambda m: "start=p" in (m.text or ""))
    return int((draft.text or "").rsplit("start=p", 1)[1].split()[0])


async def _apply(boris: SandboxUser, project_id: int) -> SandboxMessage:
    """Boris searches, opens the card and applies in Russian."""
    await boris.command("/projects gearbox housing")
    results = await boris.wait_message(WAIT, predicate=_has(f"pj:v:{project_id}"))
    assert RU("All categories") in (results.text or "")
    await boris.press_data(results, f"pj:v:{project_id}")
    card = await boris.wait_message(WAIT, predicate=lambda m: TITLE in (m.text or ""))
    assert RU("Budget: {budget}", budget="") in (card.text or "")
    assert "20,00\xa0$–40,00\xa0$ в час" in (card.text or "")
    await boris.press(card, RU("Apply"))
    await boris.wait_message(WAIT, predicate=lambda m: "«" + TITLE + "»" in (m.text or ""))
    await boris.send(LETTER)
    await boris.wait_message(WAIT, predicate=lambda m: "$" in (m.text or ""))
    await boris.send("35")
    return await boris.wait_message(WAIT, predicate=lambda m: (m.text or "").startswith(
        RU("Your application is sent. The employer will be told.")))


async def test_rat_01_an_employer_and_a_freelancer_reach_an_active_contract_in_their_languages(
        delivering: Running) -> None:  # noqa: F811 - the imported fixture
    running = delivering
    server = running.server
    alice = server.user(1001, "Alice", language_code="en", username="alice")
    boris = server.user(1002, "Boris", language_code="ru", username="boris")
    await onboard(alice, "en", 1, None, "Liddell", "alice@example.com")
    await onboard(boris, "ru", 0, "Борис", "Иванов", "boris@example.com")

    project_id = await _post(alice)
    await _apply(boris, project_id)

    told = await alice.wait_message(WAIT, predicate=lambda m: (m.text or "").startswith("📨"))
    assert told.text == EN("📨 New application to “{title}” from {name}: {amount}.",
                           title=TITLE, name="Борис Иванов", amount="$35.00")
    await alice.press(told, EN("Open the application"))
    application = await alice.wait_edit(told, WAIT, predicate=lambda m: LETTER in (m.text or ""))
    await alice.press(application, EN("Message"))
    await alice.wait_message(WAIT, predicate=lambda m: "Борис Иванов" in (m.text or ""))
    await alice.send("Can you start on Monday?")
    relayed = await boris.wait_message(WAIT, predicate=lambda m: "Monday" in (m.text or ""))
    assert relayed.text == RU("✉️ {name} wrote:\n\n{text}", name="Alice Liddell",
                              text="Can you start on Monday?")
    await alice.command("/cancel")

    await alice.press(application, EN("Choose"))
    limits = await alice.wait_message(WAIT, predicate=lambda m: (m.text or "").startswith(
        EN("The offer: {rate}. Weekly hour limit? Type a number of hours or press a button.",
           rate="$35.00 per hour")[:10]))
    await alice.press(limits, "20 hours")
    sent = await alice.wait_message(WAIT, predicate=lambda m: (m.text or "").startswith(
        EN("Offer sent. The freelancer will be told.")))
    assert EN("Weekly limit: {hours} h", hours=20) in (sent.text or "")

    offer = await boris.wait_message(WAIT, predicate=lambda m: (m.text or "").startswith("🎉"))
    assert offer.text == RU("🎉 {name} chose you for “{title}” and sends you a contract offer. "
                            "Open it to accept or decline.", name="Alice Liddell", title=TITLE)
    await boris.press(offer, RU("Open the offer"))
    card = await boris.wait_edit(offer, WAIT, predicate=lambda m: "📄" in (m.text or ""))
    answer = await boris.press(card, RU("Accept the offer"))
    assert answer.text == RU("The contract is active.")
    await boris.wait_edit(card, WAIT, predicate=lambda m: RU("active") in (m.text or ""))
    assert RU("Status: {status}", status=RU("active")) in (card.text or "")

    accepted = await alice.wait_message(WAIT, predicate=lambda m: (m.text or "").startswith("✅"))
    assert accepted.text == EN("✅ {name} accepted your offer for “{title}”. The contract is "
                               "active.", name="Борис Иванов", title=TITLE)
    async with running.app.db.uow() as uow:
        contracts = await uow.market.contracts.for_user(
            alice.id, frozenset({ContractStatus.ACTIVE}), 0, 5)
    assert [(c.expert_id, c.hourly_rate, c.weekly_limit) for c in contracts.items] == [
        (boris.id, 3_500, 20)]
    assert all(not any(ch in (m.text or "") for ch in "абвгдж") or "Борис" in (m.text or "")
               for m in alice.messages if "✉️" not in (m.text or ""))
