"""Dates, instants and amounts as they land in the catalogs' sentences, in every language.

Real values are formatted with the very functions the bot uses (:mod:`handlers.formats`,
:func:`core.money.format_money`) and put into every ``msgstr`` of every catalog; no sentence
may then read with a doubled full stop ("срок 10 янв. 2027 г.."), an abbreviation repeated
("2027 г. г."), or punctuation doubled around an amount. A source scan holds the lists of date
placeholders (:data:`handlers.formats.DAY_FIELDS`, ``MOMENT_FIELDS``) to what the code passes.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from core.currencies import EXPONENTS
from core.money import Money, format_money
from handlers.formats import DAY_FIELDS, MOMENT_FIELDS, count, day, moment
from locales import LANGUAGES, LOCALES_DIR, translator

ROOT = Path(__file__).resolve().parent.parent
#: Placeholders filled with an amount somewhere in the code.
MONEY_FIELDS = frozenset({"amount", "balance", "escrow", "minimum", "maximum", "missing",
                          "released", "refunded", "budget", "rate", "low", "high", "moved"})
#: Placeholders filled with what a person typed (a reason, a note, a message, a name, a title,
#: a user asked for by name): it may end with its own full stop ("Bob Jr.", "/report bob."),
#: so no template puts punctuation right after one. Not here: ``email`` (a validated address
#: never ends with a full stop) and ``offset`` (rewritten to digits and d/h/m).
TEXT_FIELDS = frozenset({"reason", "text", "note", "who", "name", "names", "a", "b", "user",
                         "target", "title", "caption", "file", "keyword", "link", "skill",
                         "skills"})
TYPED = "Nothing was delivered."
#: One date in every month (abbreviations differ: "мая" has no full stop, "янв." has one).
DATES = [date(2027, month, 10) for month in range(1, 13)]
INSTANTS = [datetime(2027, 1, 10, 0, 58, 34, tzinfo=UTC), datetime(2027, 3, 1, 13, 5, 9,
                                                                 tzinfo=UTC)]
#: What must never appear once real values are in (an ellipsis "…" is its own character).
COLLISIONS = re.compile(r"\.\.|,,|,\.|\.,\.|\b(г|р)\. \1\.|\s[.,;:]")
PLACEHOLDER = re.compile(r"\{(\w+)\}")
#: The date formatters of the handlers (and their local aliases), with the fields they fill.
FORMATTERS = {"day": DAY_FIELDS, "_day": DAY_FIELDS, "_date": DAY_FIELDS,
              "format_day": DAY_FIELDS, "moment": MOMENT_FIELDS, "_when": MOMENT_FIELDS,
              "format_moment": MOMENT_FIELDS}


def _msgstrs(language: str) -> Iterator[tuple[str, str]]:
    for path in sorted((LOCALES_DIR / language / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as handle:
            for message in read_po(handle, locale=language):
                if not message.id:
                    continue
                strings = message.string if isinstance(message.string, tuple | list) else (
                    message.string,)
                for text in strings:
                    if isinstance(text, str) and text:
                        yield path.name, text


def _values(language: str) -> Iterator[dict[str, str]]:
    """Fillings for the date and money placeholders: every date, instant and currency."""
    dates = [day(value, language) for value in DATES]
    moments = [moment(value, language) for value in INSTANTS]
    amounts = [format_money(Money(123456, code), language) for code in EXPONENTS]
    for index in range(max(len(dates), len(amounts))):
        yield {"day": dates[index % len(dates)], "moment": moments[index % len(moments)],
               "money": amounts[index % len(amounts)]}


def _fill(text: str, values: dict[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in DAY_FIELDS:
            return values["day"]
        if name in MOMENT_FIELDS:
            return values["moment"]
        if name in MONEY_FIELDS:
            return values["money"]
        if name in TEXT_FIELDS:
            return TYPED
        return "Word"
    return PLACEHOLDER.sub(one, text)


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_sentence_doubles_punctuation_after_a_real_date_or_amount(language: str) -> None:
    wrong: dict[str, str] = {}
    for values in _values(language):
        for domain, text in _msgstrs(language):
            filled = _fill(text, values)
            if COLLISIONS.search(filled.replace("...", "")) or (
                    "..." in filled and "..." not in text):
                wrong.setdefault(f"{domain}: {text!r}", filled)
    assert not wrong, "\n".join(f"{where}\n  -> {filled!r}" for where, filled in wrong.items())


def test_the_collision_check_catches_a_full_stop_after_a_russian_date() -> None:
    values = next(_values("ru"))
    assert COLLISIONS.search(_fill("срок {due}.", values))
    assert COLLISIONS.search(_fill("до {date} г.", values))
    assert not COLLISIONS.search(_fill("срок {due}, сумма {amount}.", values))


def test_the_collision_check_catches_a_full_stop_after_a_typed_name() -> None:
    values = next(_values("en"))
    assert COLLISIONS.search(_fill("Sent to {name}. Type another message.", values))
    assert COLLISIONS.search(_fill("There is no user {who}.", values))
    assert not COLLISIONS.search(_fill("There is no user “{who}”.", values))


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "Jan 10, 2027, 12:58\u202fAM UTC"),
    ("ru", "10 янв. 2027\u202fг., 00:58 UTC"),
    ("uk", "10 січ. 2027\u202fр., 00:58 UTC"),
    ("es", "10 ene 2027, 0:58 UTC"),
])
def test_an_instant_reads_to_the_minute_without_seconds(language: str, expected: str) -> None:
    assert moment(INSTANTS[0], language) == expected


def _formatted_keywords() -> Iterator[tuple[str, str, str]]:
    """(file, keyword, formatter) for every ``name=day(...)``-like argument in the code."""
    for path in sorted((ROOT / "handlers").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.keyword) or node.arg is None:
                continue
            for inner in ast.walk(node.value):
                if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name) and (
                        inner.func.id in FORMATTERS):
                    yield path.name, node.arg, inner.func.id


def test_every_placeholder_given_a_date_is_checked_as_one() -> None:
    found = list(_formatted_keywords())
    assert {name for _, name, _ in found} >= {"due", "day", "when", "date"}
    unchecked = [f"{path}: {name}={how}(...)" for path, name, how in found
                 if name not in FORMATTERS[how]]
    assert not unchecked, "\n".join(unchecked)


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "… and 1,500 more milestones"), ("ru", "… и ещё 1\xa0500 этапов"),
    ("es", "… y 1.500 hitos más"), ("uk", "… і ще 1\xa0500 етапів")])
def test_a_count_in_a_sentence_is_written_in_the_readers_number_format(
        language: str, expected: str) -> None:
    tr = translator(language)
    assert tr.plural("… and {n} more milestone", "… and {n} more milestones", 1500) == expected


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "12,345"), ("ru", "12\xa0345"), ("uk", "12\xa0345"), ("es", "12.345")])
def test_rating_points_are_written_in_the_readers_number_format(
        language: str, expected: str) -> None:
    assert count(12345, language) == expected


def _time_calls() -> Iterator[tuple[str, int, str, str | None]]:
    """(file, line, method, keyword it fills) of every ``strftime``/``isoformat``/``ctime``
    call in the handlers and the bot (the layers that word what users read)."""
    for folder in ("handlers", "bot"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            filled: dict[int, str] = {}
            for node in ast.walk(tree):
                if isinstance(node, ast.keyword) and node.arg is not None:
                    for inner in ast.walk(node.value):
                        filled[id(inner)] = node.arg
            for node in ast.walk(tree):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr in {"strftime", "isoformat", "ctime"}):
                    yield (str(path.relative_to(ROOT)), node.lineno, node.func.attr,
                           filled.get(id(node)))


def test_no_user_visible_time_is_written_by_strftime_or_in_iso() -> None:
    """Times users read go through :mod:`handlers.formats` (to the minute, their locale): no
    handler formats one with ``strftime`` ("2026-01-15 09:30"), and an ISO date fills a message
    only as ``{example}``, the input format a prompt teaches ("for example 2026-02-01")."""
    wrong = [f"{path}:{line}: {how}() -> {{{name}}}" for path, line, how, name in _time_calls()
             if (how != "isoformat" and path.startswith("handlers/"))
             or (name is not None and name != "example")]
    assert not wrong, "\n".join(wrong)
