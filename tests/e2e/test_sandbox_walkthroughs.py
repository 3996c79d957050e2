"""Walkthroughs of ``python -m bot sandbox``: a person at the terminal plays alice, bob and sam.

Each test types what a person would type into the sandbox chat (commands, ``:press``/``#N``,
``:user bob``, ``:pay``, ``/sandbox_time +5d``) against the real bot wiring of the sandbox
verb, and checks what the chat shows each user, in their own language.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from core.money import Money, format_money
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
                                 "result should be (20 to 3000 characters)."))
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
        await person.see("alice", EN("Cancelled. Nothing was changed."))
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


@pytest.mark.parametrize("runtime", ["aiogram", "ptb"])
async def test_ms_01_alice_and_bob_go_from_a_posted_project_to_an_active_contract(
        tmp_path: Path, runtime: str) -> None:
    async with sandbox_session(tmp_path, runtime) as person:
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


def ru_usd(amount: str) -> str:
    """An amount in dollars as bob reads it."""
    return format_money(Money.of(amount, "USD"), "ru")


async def open_card(person: Person, user: str, tr: Callable[..., str], number: int,
                    title: str) -> Block:
    """``/milestones``, the contract, then milestone ``number``: its card."""
    person.play(user)
    person.say("/milestones")
    pick = await person.see(user, tr("Pick a contract to see its milestones:"))
    person.press(pick, TITLE)
    board = await person.see(user, tr("📋 Milestones of the contract for “{title}”",
                                      title=TITLE), button=f"{number}. {title}")
    person.press(board, f"{number}. {title}")
    return await person.see(user, tr("Milestone “{title}”", title=title))


async def fund_with_invoice(person: Person, card: Block, amount: str, title: str) -> None:
    """Alice funds from an empty wallet: the invoice is for the whole amount, paid in the chat."""
    person.press(card, EN("Fund {amount}", amount=amount))
    await person.see("alice", EN("Your wallet is {missing} short. Pay the invoice below: the "
                                 "money goes to your wallet and on into the escrow of “{title}” "
                                 "at once.", missing=amount, title=title))
    invoice = await person.see("alice", "[invoice]")
    assert amount.lstrip("$") + " USD" in invoice.text
    person.say(":pay")
    await person.see("alice", EN("💰 The milestone “{title}” is funded: {amount} is in escrow. "
                                 "The freelancer is told to start.", title=title, amount=amount))


async def submit(person: Person, card: Block, title: str, text: str) -> None:
    """Bob submits work with a description."""
    person.press(card, RU("Submit work"))
    await person.see("bob", RU("Describe the work you deliver for “{title}” and send the files "
                               "(up to 10), then press Submit the work.", title=title))
    person.say(text)
    noted = await person.see("bob", button=RU("Submit the work"))
    person.press(noted, RU("Submit the work"))
    await person.see("bob", RU("Submitted: the client reviews “{title}”.", title=title))


async def test_ms_04_ms_08_hold_01_two_milestones_a_change_and_a_dispute_to_cleared_funds(
        tmp_path: Path) -> None:
    async with sandbox_session(tmp_path, "aiogram") as person:
        await reach_contract(person, message=False)
        await person.sign_up("sam", "en", 1, "sam@example.com", "Lee")

        # The offer's first milestone exists at once: alice funds it through an invoice.
        card = await open_card(person, "alice", EN, 1, "Drawings")
        assert EN("State: {value}", value=EN("approved, waiting to be funded")) in card.text
        await fund_with_invoice(person, card, "$300.00", "Drawings")

        # MS-04: bob asks for $350; alice approves and pays the difference.
        card = await open_card(person, "bob", RU, 1, "Drawings")
        person.press(card, RU("Propose a change"))
        fields = await person.see("bob", button=RU("Amount"))
        person.press(fields, RU("Amount"))
        await person.see("bob", "USD")
        person.say("350")
        request = await person.see("bob", button=RU("Send the request"))
        person.press(request, RU("Send the request"))
        await person.see("bob", RU("The client is asked to approve the change:"))
        told = await person.see("alice", EN("✏️ {name} asks to change the milestone “{title}”. "
                                            "Open it to see the change and answer.",
                                            name="Bob Ivanov", title="Drawings"))
        person.press(told, EN("Open the milestone"))
        card = await person.see("alice", EN("Milestone “{title}”", title="Drawings"),
                                button=EN("Approve the change"))
        assert EN("Amount: {value}", value="$350.00") in card.text
        person.press(card, EN("Approve the change"))
        invoice = await person.see("alice", "[invoice]")
        assert "50.00 USD" in invoice.text
        person.say(":pay")
        await person.see("alice", EN("✏️ The change of “{title}” is approved; the escrow now "
                                     "holds {amount}.", title="Drawings", amount="$350.00"))

        # MS-02/MS-05: bob proposes the second milestone; alice approves and funds it.
        person.play("bob")
        person.say("/milestones")
        pick = await person.see("bob", RU("Pick a contract to see its milestones:"))
        person.press(pick, TITLE)
        board = await person.see("bob", button=RU("➕ Propose a milestone"))
        person.press(board, RU("➕ Propose a milestone"))
        await person.see("bob", RU("What is the milestone's title? For example: Wireframes of "
                                   "every screen."))
        person.say("Assembly model")
        skip = await person.see("bob", RU("Describe what will be delivered, or press Skip."))
        person.press(skip, next(iter(skip.buttons)))
        await person.see("bob", "USD")
        person.say("200")
        due_prompt = RU("The due date? Send it as YYYY-MM-DD or DD.MM.YYYY, for example "
                        "{example}.", example="\0").split("\0")
        due = await person.see("bob", *due_prompt)
        person.say(re.findall(r"\d{4}-\d{2}-\d{2}", due.text)[0])
        await person.see("bob", RU("Proposed: the client is asked to approve “{title}”.",
                                   title="Assembly model"))
        told = await person.see("alice", "📝", "Assembly model", button=EN("Open the milestone"))
        person.press(told, EN("Open the milestone"))
        card = await person.see("alice", EN("Milestone “{title}”", title="Assembly model"),
                                button=EN("Approve"))
        person.press(card, EN("Approve"))
        card = await person.see("alice", EN("Milestone “{title}”", title="Assembly model"),
                                button=EN("Fund {amount}", amount="$200.00"))
        await fund_with_invoice(person, card, "$200.00", "Assembly model")

        # MS-06: bob delivers the first; alice accepts and releases $350.
        await submit(person, await open_card(person, "bob", RU, 1, "Drawings"), "Drawings",
                     "Все виды")
        card = await open_card(person, "alice", EN, 1, "Drawings")
        release = EN("Accept and release {amount}", amount="$350.00")
        person.press(card, release)
        confirm = await person.see("alice", EN("Release {amount} to the freelancer? This cannot "
                                               "be undone.", amount="$350.00"), button=release)
        person.press(confirm, release)
        await person.see("alice", EN("State: {value}", value=EN("released to the freelancer")))

        # MS-08: bob delivers the second; alice disputes; sam splits it 100/100.
        await submit(person, await open_card(person, "bob", RU, 2, "Assembly model"),
                     "Assembly model", "Модель сборки")
        card = await open_card(person, "alice", EN, 2, "Assembly model")
        person.press(card, EN("Open a dispute"))
        prompt = await person.see("alice", button=EN("Open the dispute"))
        person.say("Only half of the parts are modelled")
        await person.see("alice", button=EN("Open the dispute"))
        person.press(prompt, EN("Open the dispute"))
        await person.see("alice", EN("The dispute about “{title}” is with support now. Both "
                                     "sides will be told of the decision.",
                                     title="Assembly model"))
        await person.see("bob", "⚠️", "Only half of the parts are modelled")
        person.play("sam")
        person.say("/queue")
        queue = await person.see("sam", "1")
        person.press(queue, next(label for label in queue.buttons if "dispute" in label))
        item = await person.see("sam", "Only half of the parts are modelled",
                                button=EN("Open the dispute"))
        assert EN("Resolve") not in item.buttons  # only /resolve closes a dispute's item
        person.press(item, EN("Open the dispute"))
        view = await person.see("sam", "/resolve")
        milestone_id = int(re.findall(r"#(\d+) “Assembly model”", view.text)[0])
        person.say(f"/resolve {milestone_id} partial 100 Half of the parts are modelled")
        decided = await person.see("sam", f"#{milestone_id}")
        assert decided.text.strip() == EN(
            "Milestone #{id} resolved: {released} released to the freelancer, {refunded} "
            "refunded to the client. Both sides are told.", id=milestone_id,
            released="$100.00", refunded="$100.00")
        reason = "Half of the parts are modelled"
        await person.see("alice", EN(
            "Support decided the dispute about the milestone “{title}”: {released} to the "
            "freelancer, {refunded} back to the client's wallet. Reason: {text}",
            title="Assembly model", released="$100.00", refunded="$100.00", text=reason))
        await person.see("bob", RU(  # FEE-01: the freelancer reads gross, fee and net
            "Support decided the dispute about the milestone “{title}”: {released} to you (the "
            "service fee is {fee}, {net} is yours), {refunded} back to the client's wallet. "
            "Reason: {text}", title="Assembly model", released=ru_usd("100.00"),
            fee=ru_usd("10.00"), net=ru_usd("90.00"), refunded=ru_usd("100.00"), text=reason))

        # HOLD-01: five days later bob's $405 (450 less the 10% fee) is available; alice keeps
        # the $100 refund.
        person.play("bob")
        person.say("/wallet")
        before = await person.see("bob", RU("Your wallet"))
        assert RU("Pending: {amount}", amount=ru_usd("405.00")) in before.text
        person.say("/sandbox_time +5d")
        moved = RU("The sandbox clock moved forward by {offset} and now reads {when}. "
                   "Everything that fell due is being done; its messages follow.",
                   offset="\0", when="\0")
        await person.see("bob", *moved.split("\0"))
        cleared = RU("{amount} is now available in your wallet. Send /wallet to see your "
                     "balance.", amount="\0").split("\0")
        clearings = {(await person.see("bob", *cleared)).text.strip() for _ in range(2)}
        assert clearings == {RU("{amount} is now available in your wallet. Send /wallet to see "
                                "your balance.", amount=ru_usd(amount))
                             for amount in ("315.00", "90.00")}
        person.say("/wallet")
        wallet = await person.see("bob", RU("Your wallet"))
        person.play("alice")
        person.say("/wallet")
        alices = await person.see("alice", EN("Your wallet"))
    assert RU("Earnings available: {amount}", amount=ru_usd("405.00")) in wallet.text
    assert RU("Pending: {amount}", amount=ru_usd("0")) in wallet.text
    assert EN("Balance: {amount}", amount="$100.00") in alices.text
    assert EN("In escrow: {amount}", amount="$0.00") in alices.text
