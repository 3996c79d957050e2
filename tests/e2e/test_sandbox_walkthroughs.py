"""Walkthroughs of ``python -m bot sandbox``: a person at the terminal plays alice, bob and sam.

Each test types what a person would type into the sandbox chat (commands, ``:press``/``#N``,
``:user bob``, ``:pay``, ``/sandbox_time +5d``) against the real bot wiring of the sandbox
verb, and checks what the chat shows each user, in their own language.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from locales import translator
from tests.e2e.sandbox_person import Block, Person, sandbox_session

pytestmark = pytest.mark.e2e

EN, RU = translator("en"), translator("ru")


@pytest.mark.parametrize("runtime", ["aiogram", "ptb"])
async def test_a_person_tops_up_50_pays_in_the_chat_and_the_wallet_shows_50_once(
        tmp_path: Path, runtime: str) -> None:
    async with sandbox_session(tmp_path, runtime) as person:
        await person.sign_up("alice", "en", 2, "alice@example.com")
        person.say("/topup 50")
        invoice = await person.see("alice", "[invoice]")
        assert "50.00 USD" in invoice.text
        person.say(":pay")
        await person.chat_says(f"paid #{invoice.message_id}")
        await person.see("alice", EN("Payment received: {amount} added to your wallet. "
                                     "Balance: {balance}.", amount="$50.00", balance="$50.00"))
        person.say(":pay")  # the same invoice paid twice: the second is not added
        refused = await person.chat_says("payment refused")
        assert EN("This invoice has already been paid. Send /wallet to see your balance.") \
            in refused
        person.say("/wallet")
        wallet = await person.see("alice", EN("Your wallet"))
        assert EN("Balance: {amount}", amount="$50.00") in wallet.text
        assert wallet.text.count("$50.00") == 2, wallet.text  # the balance and one top-up line


TITLE = "Design a gearbox housing"
LETTER = "Я спроектировал сорок корпусов редукторов в SolidWorks, могу начать завтра."


async def post_project(person: Person) -> Block:
    """Alice posts a fixed-price project through /post and publishes it."""
    person.play("alice")
    person.say("/post")
    await person.see("alice", EN("Let's post a project. What is its title? (5 to 100 "
                                 "characters; /cancel stops)"))
    person.say(TITLE)
    await person.see("alice", EN("Describe the work: what you need, what you have, what the "
                                 "result ")[:30])
    person.say("A cast aluminium housing for a two-stage gearbox; STEP files wanted.")
    categories = await person.see("alice", EN("Choose the category:"))
    person.press(categories, EN("CAD and engineering"))
    kinds = await person.see("alice", EN("Is it paid by the hour or a fixed price?"))
    person.press(kinds, EN("Fixed price"))
    await person.see("alice", EN("Type the budget range in {currency}, for example 500-1000.",
                                 currency="USD"))
    person.say("500-1000")
    deadline = await person.see("alice", button=EN("No deadline"))
    person.press(deadline, EN("No deadline"))
    draft = await person.see("alice", EN("Here is your draft. Publish it when it reads well."),
                             TITLE)
    person.press(draft, EN("Publish"))
    return await person.see("alice", "start=p")


async def reach_contract(person: Person, *, message: bool) -> None:
    """From posting to bob accepting a fixed offer whose first milestone is $300."""
    await person.sign_up("alice", "en", 2, "alice@example.com")
    await person.sign_up("bob", "ru", 1, "bob@example.com")
    await post_project(person)

    person.play("bob")
    person.say("/projects gearbox housing")
    results = await person.see("bob", RU("All categories"))
    person.press(results, next(label for label in results.buttons if "gearbox" in label))
    card = await person.see("bob", TITLE, button=RU("Apply"))
    assert "500,00\xa0$–1000,00\xa0$" in card.text or "1\xa0000,00" in card.text, card.text
    person.press(card, RU("Apply"))
    await person.see("bob", "«" + TITLE + "»")
    person.say(LETTER)
    await person.see("bob", "$")
    person.say("600")
    await person.see("bob", RU("Your application is sent. The employer will be told."))

    told = await person.see("alice", EN("📨 New application to “{title}” from {name}: {amount}.",
                                        title=TITLE, name="Bob Ivanov", amount="$600.00"))
    person.press(told, EN("Open the application"))
    application = await person.see("alice", LETTER, button=EN("Choose"))
    if message:
        person.press(application, EN("Message"))
        await person.see("alice", "Bob Ivanov")
        person.say("Can you start on Monday?")
        relayed = await person.see("bob", "Monday")
        assert relayed.text.strip() == RU("✉️ {name} wrote:\n\n{text}", name="Alice Smith",
                                          text="Can you start on Monday?")
        person.say("/cancel")
    person.press(application, EN("Choose"))
    await person.see("alice", EN("The first milestone of the offer: what is its title? "
                                 "For example: First draft."))
    person.say("Drawings")
    amount = await person.see("alice", EN("The milestone's amount in {currency}? Type it, or "
                                          "use the proposed price.", currency="USD"))
    assert EN("Use {amount}", amount="$600.00") in amount.buttons
    person.say("20")  # MS-01: under the minimum, refused at offer time
    await person.see("alice", EN("A milestone must be at least {minimum}.", minimum="$25.00"))
    person.say("300")
    sent = await person.see("alice", EN("Offer sent. The freelancer will be told."))
    assert EN("First milestone: {title}, {amount}", title="Drawings", amount="$300.00") \
        in sent.text

    offer = await person.see("bob", "🎉", button=RU("Open the offer"))
    assert offer.text.strip() == RU(
        "🎉 {name} chose you for “{title}” and sends you a contract offer. Open it to accept or "
        "decline.", name="Alice Smith", title=TITLE)
    person.press(offer, RU("Open the offer"))
    contract = await person.see("bob", "📄", button=RU("Accept the offer"))
    person.press(contract, RU("Accept the offer"))
    await person.chat_says(RU("The contract is active."))
    active = await person.see("bob", "📄", button=RU("Milestones"))
    assert RU("Status: {status}", status=RU("active")) in active.text
    await person.see("alice", EN("✅ {name} accepted your offer for “{title}”. The contract is "
                                 "active.", name="Bob Ivanov", title=TITLE))


async def test_rat_01_alice_and_bob_go_from_a_posted_project_to_an_active_contract(
        tmp_path: Path) -> None:
    async with sandbox_session(tmp_path, "aiogram") as person:
        await reach_contract(person, message=True)
        person.play("bob")
        person.say("/contracts")
        listed = await person.see("bob", TITLE, button=TITLE)
        person.play("alice")
        person.say("/contracts")
        mine = await person.see("alice", TITLE, button=TITLE)
    assert f"• {TITLE} — Alice Smith ({RU('active')})" in listed.text
    assert listed.text.startswith(RU("Your contracts: {tab}", tab=RU("Active")))
    assert f"• {TITLE} — Bob Ivanov (active)" in mine.text
    assert mine.text.startswith("Your contracts: Active")
