"""Every user-facing message of the code is translated in every language, properly.

The checks run over the union of each language's domain files, so a feature adding its own
``locales/<lang>/LC_MESSAGES/<feature>.po`` is covered without changing this test. The
checker itself is tested on a small synthetic project so that a broken checker cannot pass.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from locales import LANGUAGES, translator
from locales.check import PROJECT_ROOT, Problem, extract, placeholders, problems


def _kind(found: list[Problem], kinds: tuple[str, ...]) -> list[str]:
    return [problem.text for problem in found if problem.kind in kinds]


@pytest.fixture(scope="module")
def found_problems() -> dict[str, list[Problem]]:
    """The checker's findings for each language (extraction runs once)."""
    return {language: problems(PROJECT_ROOT, [language]) for language in LANGUAGES}


def test_extraction_finds_the_messages_of_core_and_handlers() -> None:
    messages = extract(PROJECT_ROOT)
    assert "This button is no longer valid. Send /help to see what you can do." in messages
    assert "The name cannot be empty." in messages
    assert ("Your profile is complete: +{n} rating point.",
            "Your profile is complete: +{n} rating points.") in messages


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_in_the_code_is_in_the_catalogs(
        language: str, found_problems: dict[str, list[Problem]]) -> None:
    wrong = _kind(found_problems[language], ("missing", "plural"))
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_catalog_entry_is_fuzzy_or_empty(
        language: str, found_problems: dict[str, list[Problem]]) -> None:
    wrong = _kind(found_problems[language], ("fuzzy", "empty", "forms"))
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders_of_the_message(
        language: str, found_problems: dict[str, list[Problem]]) -> None:
    wrong = _kind(found_problems[language], ("placeholders",))
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_catalog_declares_the_plural_forms_of_its_language(
        language: str, found_problems: dict[str, list[Problem]]) -> None:
    wrong = _kind(found_problems[language], ("header",))
    assert not wrong, "\n".join(wrong)


def test_runtime_translator_reads_the_catalogs_with_plurals() -> None:
    ru = translator("ru")
    assert ru("Saved.") == "Сохранено."
    forms = ("Your profile is complete: +{n} rating point.",
             "Your profile is complete: +{n} rating points.")
    assert [ru.plural(*forms, n) for n in (1, 3, 50)] == [
        "Ваш профиль заполнен: +1 балл рейтинга.",
        "Ваш профиль заполнен: +3 балла рейтинга.",
        "Ваш профиль заполнен: +50 баллов рейтинга.",
    ]
    assert translator("es")("Saved.") == "Guardado."
    assert translator("xx").language == "en"


def test_placeholders_are_the_format_field_names() -> None:
    assert placeholders("Hi {name}, {n} of {items[0]} {user.id}") == {"name", "n", "items", "user"}
    with pytest.raises(ValueError):
        placeholders("broken {brace")


_CODE = '''
from core.errors import N_
A = N_("Missing here")
def f(ctx):
    ctx.t("Hello, {name}!", name="x")
    ctx.tn("{n} file", "{n} files", 2)
    return N_("Fuzzy one"), N_("Empty one")
'''
_HEADER = '''msgid ""
msgstr ""
"Language: {lang}\\n"
{plural}"Content-Type: text/plain; charset=utf-8\\n"

'''
_ENTRIES = '''msgid "Hello, {{name}}!"
msgstr "{hello}"

msgid "{{n}} file"
msgid_plural "{{n}} files"
msgstr[0] "{{n}} файл"
msgstr[1] "{{n}} файла"
{third}
#, fuzzy
msgid "Fuzzy one"
msgstr "Нечёткий"

msgid "Empty one"
msgstr ""
'''


def _synthetic_project(tmp_path: Path, hello: str, plural_header: bool, third: bool) -> Path:
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "sample.py").write_text(_CODE, encoding="utf-8")
    catalogs = tmp_path / "locales" / "ru" / "LC_MESSAGES"
    catalogs.mkdir(parents=True)
    plural = ('"Plural-Forms: nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && '
              'n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);\\n"\n') if plural_header else ""
    header = _HEADER.format(lang="ru", plural=plural)
    (catalogs / "one.po").write_text(header + _ENTRIES.format(
        hello=hello, third='msgstr[2] "{n} файлов"\n' if third else ""), encoding="utf-8")
    return tmp_path


def test_checker_reports_missing_fuzzy_empty_and_wrong_placeholders(tmp_path: Path) -> None:
    root = _synthetic_project(tmp_path, hello="Привет, {имя}!", plural_header=False,
                              third=False)
    found = problems(root, ["ru"], dirs=["core"])
    text = "\n".join(map(str, found))
    assert {problem.kind for problem in found} == {"missing", "fuzzy", "empty", "placeholders",
                                                   "header"}
    assert "missing 'Missing here'" in text
    assert "'Fuzzy one' is fuzzy" in text
    assert "'Empty one' has an empty translation" in text
    assert "placeholders differ" in text and "Hello, {name}!" in text
    assert "'{n} files') has an empty translation" in text  # the third Russian form
    assert "header has no Plural-Forms" in text


def test_checker_accepts_a_complete_catalog_in_a_second_domain_file(tmp_path: Path) -> None:
    root = _synthetic_project(tmp_path, hello="Привет, {name}!", plural_header=True, third=True)
    catalogs = root / "locales" / "ru" / "LC_MESSAGES"
    text = (catalogs / "one.po").read_text(encoding="utf-8")
    text = text.replace('#, fuzzy\n', '').replace('msgstr ""\n\n', 'msgstr "Пусто"\n\n')
    text = text.removesuffix('msgstr ""\n') + 'msgstr "Пустой"\n'
    (catalogs / "one.po").write_text(text, encoding="utf-8")
    header = _HEADER.format(lang="ru", plural='"Plural-Forms: nplurals=3; plural=0;\\n"\n')
    (catalogs / "two.po").write_text(header + 'msgid "Missing here"\nmsgstr "Уже есть"\n',
                                     encoding="utf-8")
    assert problems(root, ["ru"], dirs=["core"]) == []
