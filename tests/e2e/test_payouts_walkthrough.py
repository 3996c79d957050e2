"""The payout walkthrough of ``python -m bot sandbox``, on both runtimes (issue 13's "done").

A milestone is released (FEE-01: bob reads gross, fee and net), bob adds two PayPal methods
(one in another person's name) and his legal name (HOLD-02 holds), the sandbox clock moves to
the next Saturday (HOLD-01: the money cleared), bob requests a payout there (PAY-04: processed
on the next business day, Monday unless it is a US holiday) and sees it paid on that day's
tick; a payout to the other person's method waits for sam (PAY-03), who confirms it, and it
is paid too. The sandbox pays out through its pretend provider (``bot.sandbox.payouts``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from core.payouts.calendar import format_day, processing_day
from tests.e2e.sandbox_person import Person, sandbox_session
from tests.e2e.test_sandbox_walkthroughs import (
    EN,
    RU,
    fund_with_invoice,
    open_card,
    reach_contract,
    ru_usd,
    submit,
)

pytestmark = pytest.mark.e2e


def parts(text: str, **params: str) -> list[str]:
    """The fixed pieces of a translated message around its placeholders (``\\0``)."""
    return [p for p in RU(text, **{k: "\0" for k in params}).split("\0") if p.strip()]


async def add_paypal(person: Person, holder: str, email: str) -> None:
    """Bob adds a PayPal method through /payout_methods."""
    person.play("bob")
    person.say("/payout_methods")
    screen = await person.see("bob", button=RU("Add {kind}", kind=RU("PayPal")))
    person.press(screen, RU("Add {kind}", kind=RU("PayPal")))
    await person.see("bob", RU("Type the account holder's full name exactly as the {kind} "
                               "account shows it, or /cancel to stop.", kind=RU("PayPal")))
    person.say(holder)
    await person.see("bob", RU("Type the e-mail address of the {kind} account.",
                               kind=RU("PayPal")))
    person.say(email)
    await person.see("bob", *parts("Saved: {kind} {details}. For your security, payouts are "
                                   "on hold until {until}.", kind="", details="", until=""))


async def clock(person: Person, user: str) -> datetime:
    """What the sandbox clock reads (``/sandbox_time`` without an offset), as ``user`` (en)
    is shown it: "Jan 10, 2027, 12:58 AM UTC"."""
    person.play(user)
    person.say("/sandbox_time")
    shown = await person.see(user, *[p for p in EN(
        "The sandbox clock reads {when}. To move it forward, send for example "
        "/sandbox_time +5d (days), +3h (hours), +30m (minutes) or +1d12h.",
        when="\0").split("\0") if p.strip()])
    found = re.findall(r"[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}\s[AP]M",
                       shown.text.replace("\u202f", " "))[0]
    return datetime.strptime(found, "%b %d, %Y, %I:%M %p").replace(tzinfo=UTC)


async def move_to(person: Person, user: str, now: datetime, target: datetime) -> None:
    """``/sandbox_time +<minutes>m`` from ``now`` to ``target``."""
    person.play(user)
    person.say(f"/sandbox_time +{int((target - now).total_seconds() // 60)}m")
    await person.see(user, "UTC")


@pytest.mark.parametrize("runtime", ["aiogram", "ptb"])
async def test_pay_04_pay_03_fee_01_bob_is_paid_on_the_business_day_after_a_saturday(
        tmp_path: Path, runtime: str) -> None:
    async with sandbox_session(tmp_path, runtime) as person:
        await reach_contract(person, message=False)
        await person.sign_up("sam", "en", 1, "sam@example.com", "Lee")
        card = await open_card(person, "alice", EN, 1, "Drawings")
        await fund_with_invoice(person, card, "$300.00", "Drawings")
        await submit(person, await open_card(person, "bob", RU, 1, "Drawings"), "Drawings",
                     "Все виды")
        card = await open_card(person, "alice", EN, 1, "Drawings")
        release = EN("Accept and release {amount}", amount="$300.00")
        person.press(card, release)
        confirm = await person.see("alice", button=release)
        person.press(confirm, release)
        accepted = await person.see("bob", "✅")  # FEE-01: gross, fee and net
        for amount in ("300.00", "30.00", "270.00"):
            assert ru_usd(amount) in accepted.text, accepted.text

        person.play("bob")
        person.say("/legal_name")
        await person.see("bob", *parts("Type your full legal name as on your ID, or /cancel "
                                       "to stop. Payout methods must be in this name. Changing "
                                       "it puts payouts on a 3-day security hold."))
        person.say("Bob Ivanov")
        await person.see("bob", RU("For your security, payouts are on hold until {until}. Your "
                                   "legal name is now: {name}", name="Bob Ivanov",
                                   until="\0").split("\0")[0])
        await add_paypal(person, "Bob Ivanov", "bob.paypal@example.com")
        await add_paypal(person, "Maria Ivanova", "maria@example.com")

        # To the first Saturday at least 6 days on: HOLD-01 and HOLD-02 are both over.
        now = await clock(person, "alice")
        saturday = now.date() + timedelta(days=6)
        while saturday.weekday() != 5:
            saturday += timedelta(days=1)
        at = datetime.combine(saturday, time(10), tzinfo=now.tzinfo)
        await move_to(person, "bob", now, at)
        await person.see("bob", *parts("{amount} is now available in your wallet. Send /wallet "
                                       "to see your balance.", amount=""))
        person.say("/payout 200")
        methods = await person.see("bob", button="PayPal b***@example.com")
        person.press(methods, "PayPal b***@example.com")
        business_day = processing_day(at)
        quote = await person.see("bob", RU("Fee: {fee}", fee=ru_usd("0")))
        assert RU("You receive: {amount}", amount=ru_usd("200.00")) in quote.text
        assert RU("Processed on: {day}", day=format_day(business_day, "ru")) in quote.text
        assert business_day.weekday() == 0 or business_day > saturday + timedelta(days=2)
        person.press(quote, RU("Confirm the payout"))
        await person.see("bob", RU("Payout #{id} requested: {amount} left your available "
                                   "balance and will be processed on {day}.", id="1",
                                   amount=ru_usd("200.00"),
                                   day=format_day(business_day, "ru")))

        # Sunday passes with nothing sent; on the business day's tick it is paid.
        await move_to(person, "bob", at, at + timedelta(days=1))
        person.say("/payouts")
        listed = await person.see("bob", RU("Your payouts:"))
        assert RU("scheduled") in listed.text
        monday = datetime.combine(business_day, time(10), tzinfo=at.tzinfo)
        await move_to(person, "bob", at + timedelta(days=1), monday)
        await person.see("bob", RU("Your payout #{id} was sent: {amount} (reference "
                                   "{reference}).", id="1", amount=ru_usd("200.00"),
                                   reference="SANDBOX-1"))

        # PAY-03: the rest to Maria's PayPal waits for sam, who confirms it.
        person.say("/payout all")
        methods = await person.see("bob", button="PayPal m***@example.com")
        person.press(methods, "PayPal m***@example.com")
        quote = await person.see("bob", RU("You receive: {amount}", amount=ru_usd("70.00")))
        assert RU("The holder of this method is not your legal name, so support must confirm "
                  "this payout before it is sent. To avoid this, add a method in your own "
                  "name.") in quote.text
        person.press(quote, RU("Confirm the payout"))
        await person.see("bob", RU("Payout #{id} is waiting for support to confirm the account "
                                   "holder. You can also cancel it and add a method in your own "
                                   "name.", id="2"))
        person.play("sam")
        person.say("/payouts_queue")
        queued = await person.see("sam", "maria@example.com", button=EN("Confirm #{id}", id="2"))
        assert "holder Maria Ivanova; legal name Bob Ivanov" in queued.text
        person.press(queued, EN("Confirm #{id}", id="2"))
        await person.see("sam", EN("Payout #{id} is now {state}.", id="2",
                                   state=EN("scheduled")))
        await person.see("bob", *parts("Support confirmed your payout #{id} of {amount}: it "
                                       "will be processed on {day}.", id="", amount="", day=""))
        await move_to(person, "sam", monday, monday + timedelta(days=1))
        await person.see("bob", RU("Your payout #{id} was sent: {amount} (reference "
                                   "{reference}).", id="2", amount=ru_usd("70.00"),
                                   reference="SANDBOX-2"))
        person.play("bob")
        person.say("/wallet")
        wallet = await person.see("bob", RU("Your wallet"))
    earnings = RU("Earnings available: {amount}", amount="\0").split("\0")[0]
    assert earnings not in wallet.text  # everything was paid out
    assert RU("Pending: {amount}", amount=ru_usd("0")) in wallet.text
    assert RU("Service fee: {percent}% of every payment released to you.",
              percent="10") in wallet.text
