"""QA of relayed messages (MSG-01..03): what a participant is shown must fit in one message."""

from __future__ import annotations

from handlers.contract import FileUpload
from tests.conversation.harness import BotHarness

TELEGRAM_TEXT_MAX = 4096


async def test_msg_01_a_history_page_of_long_documents_from_long_names_fits_in_one_message(
        bot: BotHarness) -> None:
    client = bot.user(1001, "A" * 64, "B" * 64, language_code="ru")
    expert = bot.user(1002, "C" * 64, "D" * 64, language_code="uk")
    await client.sign_up("client", "A" * 64, "B" * 64, "a@example.com", language="ru")
    await expert.sign_up("expert", "C" * 64, "D" * 64, "c@example.com", language="uk")
    await expert.forge(f"msg:new:{client.id}")
    for n in range(10):
        await expert.send(FileUpload("document", f"doc{n}", f"u{n}", file_name=f"{n}" * 200
                                     + ".pdf", caption="чертёж " * 60))
    await expert.command("/messages")
    await expert.press(expert.buttons()[0])
    page = expert.last_text
    assert "A" * 64 in page and "чертёж" in page
    assert len(page) <= TELEGRAM_TEXT_MAX
