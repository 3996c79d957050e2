"""Check the catalogs against the code: ``python -m locales.check``.

Extracts every message marked in ``core/``, ``handlers/`` and ``bot/`` (keywords ``t``,
``tn:1,2`` and ``N_``, as ``pybabel extract`` does) and reports, per language, over the union
of that language's domain files (``locales/<lang>/LC_MESSAGES/*.po``):

- a message of the code that no catalog has (or has without its plural);
- a fuzzy entry, an empty translation, or a plural entry with the wrong number of forms;
- a translation whose ``{placeholders}`` differ from the message's;
- a header without the language's ``Plural-Forms``.

Exit status 1 when anything is wrong; ``--unused`` also lists catalog entries no code uses.
``tests/test_locales.py`` runs the same checks.
"""

from __future__ import annotations

import argparse
import re
import string
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

__all__ = [
    "KEYWORDS",
    "SOURCE_DIRS",
    "Problem",
    "Translations",
    "extract",
    "load",
    "main",
    "placeholders",
    "problems",
    "unused",
]

KEYWORDS: dict[str, tuple[int, ...] | None] = {"t": None, "tn": (1, 2), "N_": None}
SOURCE_DIRS: tuple[str, ...] = ("core", "handlers", "bot")
PROJECT_ROOT = Path(__file__).resolve().parent.parent
_PLURAL_FORMS = re.compile(r"^Plural-Forms:\s*nplurals=(\d+);", re.MULTILINE)
MessageId = str | tuple[str, str]


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding; ``kind``: missing, plural, fuzzy, empty, forms, placeholders or header."""

    kind: str
    text: str

    def __str__(self) -> str:
        """The finding as one line."""
        return self.text


@dataclass(slots=True)
class Translations:
    """Every entry of one language, merged over its domain files (the first file wins)."""

    language: str
    entries: dict[str, tuple[Message, str]] = field(default_factory=dict)
    header_problems: list[Problem] = field(default_factory=list)


def extract(root: Path = PROJECT_ROOT,
            dirs: Iterable[str] = SOURCE_DIRS) -> dict[MessageId, str]:
    """Messages marked in the code under ``root``, each with where it first appears."""
    found: dict[MessageId, str] = {}
    for directory in dirs:
        path = root / directory
        if not path.is_dir():
            continue
        for filename, lineno, message, _comments, _context in extract_from_dir(
            str(path), method_map=[("**.py", "python")], keywords=KEYWORDS,
        ):
            key = tuple(message) if isinstance(message, tuple | list) else message
            found.setdefault(key, f"{directory}/{filename}:{lineno}")  # type: ignore[arg-type]
    return found


def _read(path: Path, language: str) -> Catalog:
    """One .po file as a Babel catalog."""
    with path.open("rb") as fh:
        return read_po(fh, locale=language)


def load(locales_dir: Path, language: str) -> Translations:
    """The union of ``language``'s ``*.po`` files, with their header problems."""
    result = Translations(language)
    expected = get_plural(language).num_plurals
    for po_path in sorted((locales_dir / language / "LC_MESSAGES").glob("*.po")):
        name = f"{language}/{po_path.name}"
        match = _PLURAL_FORMS.search(_header(po_path))
        if match is None:
            result.header_problems.append(
                Problem("header", f"{name}: header has no Plural-Forms"))
        elif int(match.group(1)) != expected:
            result.header_problems.append(Problem(
                "header",
                f"{name}: Plural-Forms says nplurals={match.group(1)}, {language} has {expected}"))
        for message in _read(po_path, language):
            if message.id:
                key = message.id[0] if isinstance(message.id, tuple | list) else message.id
                result.entries.setdefault(key, (message, name))
    return result


def _header(po_path: Path) -> str:
    """The header entry's text, with the .po string escapes undone enough to search it."""
    text = po_path.read_text(encoding="utf-8")
    head = text.split('msgid ""\nmsgstr ""\n', 1)
    if len(head) < 2:
        return ""
    lines = []
    for line in head[1].splitlines():
        if not line.startswith('"'):
            break
        lines.append(line[1:-1])
    return "".join(lines).replace("\\n", "\n")


def placeholders(text: str) -> set[str]:
    """The names of ``str.format`` fields in ``text``; ValueError if the braces are broken."""
    names = set()
    for _literal, name, _spec, _conversion in string.Formatter().parse(text):
        if name is not None:
            names.add(re.split(r"[.\[]", name, maxsplit=1)[0])
    return names


def _forms(message: Message) -> list[str]:
    """The translation as a list: one string, or one per plural form."""
    if isinstance(message.string, tuple | list):
        return list(message.string)
    return [message.string or ""]


def _entry_problems(msgid: MessageId, message: Message, where: str,
                    nplurals: int) -> Iterator[Problem]:
    """What is wrong with one catalog entry for the code's ``msgid``."""
    label = f"{where}: {msgid!r}"
    if message.fuzzy:
        yield Problem("fuzzy", f"{label} is fuzzy")
    plural = isinstance(msgid, tuple)
    if plural != message.pluralizable:
        yield Problem("plural",
                      f"{label} is {'not ' if plural else ''}a plural entry in the catalog")
        return
    forms = _forms(message)
    if plural and len(forms) != nplurals:
        yield Problem("forms", f"{label} has {len(forms)} plural forms, expected {nplurals}")
    if any(not form.strip() for form in forms):
        yield Problem("empty", f"{label} has an empty translation")
        return
    sources = list(msgid) if isinstance(msgid, tuple) else [msgid]
    try:
        allowed = set().union(*(placeholders(s) for s in sources)) | ({"n"} if plural else set())
        required = placeholders(sources[-1]) - {"n"}
        for form in forms:
            names = placeholders(form)
            if names - allowed or required - names or (not plural and names != allowed):
                yield Problem("placeholders",
                              f"{label} placeholders differ: {sorted(names)} in {form!r}, "
                              f"expected {sorted(allowed)}")
    except ValueError as exc:
        yield Problem("placeholders", f"{label} has broken braces: {exc}")


def problems(root: Path = PROJECT_ROOT, languages: Iterable[str] | None = None,
             dirs: Iterable[str] = SOURCE_DIRS) -> list[Problem]:
    """Everything wrong with the catalogs of ``languages`` (default: all) against the code."""
    from locales import LANGUAGES

    messages = extract(root, dirs)
    keys = {m[0] if isinstance(m, tuple) else m for m in messages}
    found: list[Problem] = []
    for language in languages or LANGUAGES:
        translations = load(root / "locales", language)
        found += translations.header_problems
        nplurals = get_plural(language).num_plurals
        for msgid, source in messages.items():
            key = msgid[0] if isinstance(msgid, tuple) else msgid
            entry = translations.entries.get(key)
            if entry is None:
                found.append(Problem("missing", f"{language}: missing {msgid!r} (from {source})"))
                continue
            message, where = entry
            found += _entry_problems(msgid, message, where, nplurals)
        for key, (message, where) in translations.entries.items():
            if message.fuzzy and key not in keys:
                found.append(Problem("fuzzy", f"{where}: {key!r} is fuzzy"))
    return found


def unused(root: Path = PROJECT_ROOT, language: str = "en") -> list[str]:
    """Catalog entries of ``language`` that no code uses any more (candidates to delete)."""
    keys = {m[0] if isinstance(m, tuple) else m for m in extract(root)}
    entries = load(root / "locales", language).entries
    return [f"{where}: {key!r}" for key, (_m, where) in entries.items() if key not in keys]


def main(argv: list[str] | None = None) -> int:
    """Print the problems (and unused entries with ``--unused``); 1 if there are problems."""
    parser = argparse.ArgumentParser(prog="python -m locales.check", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("languages", nargs="*", help="languages to check (default: all)")
    parser.add_argument("--unused", action="store_true", help="list entries no code uses")
    args = parser.parse_args(argv)
    found = problems(languages=args.languages or None)
    for problem in found:
        print(problem)
    if args.unused:
        for language in args.languages or ("en",):
            for entry in unused(language=language):
                print(f"unused: {entry}")
    print(f"{len(found)} problem(s)", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
