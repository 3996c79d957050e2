"""One word per language for one state: an account suspended by support (ACC-02).

A reader who is told "заблокирован" in one message and "приостановлен" in the next takes them
for two states. Every catalog entry about the suspension uses the language's one term, and the
other word appears nowhere (not even for a paused sign-up, which would read as the same thing).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from locales import LANGUAGES, LOCALES_DIR

#: The stem every suspension message uses, and the stems no message may use, per language.
SUSPENDED: dict[str, tuple[str, tuple[str, ...]]] = {
    "en": ("suspen", ("blocked", "paused account")),
    "ru": ("блокир", ("приостан",)),
    "uk": ("блок", ("призупин",)),
    "es": ("suspen", ("bloque",)),
}


def _entries(language: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for path in sorted((LOCALES_DIR / language / "LC_MESSAGES").glob("*.po")):
        with Path(path).open("rb") as handle:
            for message in read_po(handle, locale=language):
                if not message.id:
                    continue
                msgid = message.id if isinstance(message.id, str) else message.id[0]
                strings = message.string if isinstance(message.string, tuple | list) else (
                    message.string,)
                found += [(msgid, text) for text in strings if isinstance(text, str)]
    return found


def test_every_language_has_its_term() -> None:
    assert set(SUSPENDED) == set(LANGUAGES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_acc_02_a_suspension_is_named_with_one_term_in_every_message(language: str) -> None:
    term, others = SUSPENDED[language]
    entries = _entries(language)
    about = [(msgid, text) for msgid, text in entries
             if "suspen" in msgid.lower() and "/suspend" not in msgid]
    assert about, language
    wrong = [f"{msgid!r} -> {text!r}" for msgid, text in about if term not in text.lower()]
    wrong += [f"{msgid!r} -> {text!r}" for msgid, text in entries
              if any(other in text.lower() for other in others)]
    assert not wrong, "\n".join(wrong)
