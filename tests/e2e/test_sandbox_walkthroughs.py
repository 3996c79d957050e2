"""Walkthroughs of ``python -m bot sandbox``: a person at the terminal plays alice, bob and sam.

Each test types what a person would type into the sandbox chat (commands, ``:press``/``#N``,
``:user bob``, ``:pay``, ``/sandbox_time +5d``) against the real bot wiring of the sandbox
verb, and checks what the chat shows each user, in their own language.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from locales import translator
from tests.e2e.sandbox_person import sandbox_session

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
