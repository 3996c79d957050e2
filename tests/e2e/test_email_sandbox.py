"""``python -m bot sandbox``: a newcomer verifies an e-mail with no mail account (RAT-01).

The sandbox's local SMTP server catches the code e-mail and the terminal chat prints it; the
person types the code they read there.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from bot.__main__ import SANDBOX_TOKEN
from bot.config import load_settings
from bot.runtimes.sandboxed import run_sandbox
from locales import translator
from storage import Database
from tests.e2e.test_sandbox_command import Line, Terminal, signup

pytestmark = pytest.mark.e2e


def code_from_mail(printed: list[str]) -> str:
    """The 6-digit code of the newest e-mail the chat printed."""
    mails = [text for text in printed if "[e-mail to alice@example.com]" in text]
    found = re.search(r"\b(\d{6})\b", mails[-1])
    assert found is not None, mails[-1]
    return found.group(1)


@pytest.mark.parametrize("runtime", ["aiogram", "ptb"])
async def test_rat_01_a_person_verifies_alices_email_from_the_mail_printed_in_the_chat(
        tmp_path: Path, runtime: str) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'sandbox.db'}"
    en = translator("en")
    script: list[tuple[str | None, Line]] = [
        *signup("en", 2, "alice@example.com"),
        (en("What would you like to do?"), "/verify_email"),
        ("[e-mail to alice@example.com]", code_from_mail),
        (en("Your e-mail is verified.").rstrip("."), ":quit"),
    ]
    terminal = Terminal(script)
    base = load_settings(_env_file=None, bot_token=SANDBOX_TOKEN, database_url=url,
                         bot_runtime=runtime, admin_ids="")
    await asyncio.wait_for(run_sandbox(base, rate_limits=False, input_fn=terminal.input,
                                       output_fn=terminal.output), 60)
    assert terminal.script == []
    database = Database(url)
    try:
        async with database.uow() as uow:
            alice = await uow.users.get(1001)
            points = await uow.points.total(1001)
    finally:
        await database.dispose()
    assert alice is not None and alice.email_verified
    assert points >= 50 + 20
