"""Translations: gettext catalogs (Babel) for en, ru, uk and es.

Catalogs live in ``locales/<lang>/LC_MESSAGES/<domain>.po``; each feature may keep its own
domain file, and all domains of a language are merged. They are compiled in memory at start
(``babel.messages.mofile``), so a fresh clone works without a build step. Fuzzy entries are
never used. Source strings are English; ``en`` catalogs exist so that a missing translation is
visible in tests for every language alike.

Mark strings in code with ``ctx.t("...")``, ``ctx.tn("...", "...", n)`` or ``N_("...")``;
``pybabel extract -F babel.cfg -k t -k tn:1,2 -k N_ -o locales/messages.pot .`` finds them.
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from core.money import Money, format_money

__all__ = ["LANGUAGES", "LOCALES_DIR", "Translator", "translator"]

LOCALES_DIR = Path(__file__).resolve().parent
LANGUAGES: tuple[str, ...] = ("en", "ru", "uk", "es")
LANGUAGE_NAMES: dict[str, str] = {
    "en": "English",
    "ru": "Русский",
    "uk": "Українська",
    "es": "Español",
}


class Translator:
    """Translate and format messages for one language.

    A :class:`~core.money.Money` parameter is written in this language's number format (a
    refusal raised in ``core`` may carry the amount itself, never an English rendering of it),
    and so is the count ``{n}`` of a plural message ("1,500", "1 500").
    """

    def __init__(self, language: str, translations: gettext.NullTranslations) -> None:
        self.language = language
        self._tr = translations

    def __call__(self, message: str, /, **params: Any) -> str:
        text = self._tr.gettext(message)
        return text.format(**self._values(params)) if params else text

    def plural(self, singular: str, plural: str, n: int, /, **params: Any) -> str:
        text = self._tr.ngettext(singular, plural, n)
        return text.format(n=format_decimal(n, locale=self.language), **self._values(params))

    def _values(self, params: dict[str, Any]) -> dict[str, Any]:
        return {name: format_money(value, self.language) if isinstance(value, Money) else value
                for name, value in params.items()}


def _compile(language: str) -> gettext.NullTranslations:
    directory = LOCALES_DIR / language / "LC_MESSAGES"
    merged: gettext.NullTranslations | None = None
    for po_path in sorted(directory.glob("*.po")):
        with po_path.open("rb") as fh:
            catalog = read_po(fh, locale=language)
        buffer = io.BytesIO()
        write_mo(buffer, catalog, use_fuzzy=False)
        buffer.seek(0)
        compiled = gettext.GNUTranslations(buffer)
        if merged is None:
            merged = compiled
        else:
            merged.add_fallback(compiled)
    return merged or gettext.NullTranslations()


@cache
def translator(language: str) -> Translator:
    """The translator for ``language`` (unknown languages fall back to English)."""
    if language not in LANGUAGES:
        language = "en"
    return Translator(language, _compile(language))
