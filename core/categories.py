"""The fixed list of project and skill categories, with translatable names.

A category is stored by its short ``code`` (stable, at most 12 ASCII characters, safe inside
callback data); its ``name`` is an English message id marked with :func:`~core.errors.N_`, which
the handler layer translates into the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import N_, InvalidInput

__all__ = ["CATEGORIES", "Category", "category", "validate_categories", "MAX_PROFILE_CATEGORIES"]

MAX_PROFILE_CATEGORIES = 5


@dataclass(frozen=True, slots=True)
class Category:
    """One entry of the fixed list: a stable code and a translatable name."""

    code: str
    name: str


CATEGORIES: tuple[Category, ...] = (
    Category("dev", N_("Software development")),
    Category("web", N_("Websites and e-commerce")),
    Category("mobile", N_("Mobile apps")),
    Category("design", N_("Design and creative")),
    Category("cad", N_("CAD and engineering")),
    Category("data", N_("Data and analytics")),
    Category("writing", N_("Writing and translation")),
    Category("marketing", N_("Sales and marketing")),
    Category("video", N_("Video, audio and animation")),
    Category("admin", N_("Admin and customer support")),
    Category("other", N_("Other")),
)

_BY_CODE: dict[str, Category] = {c.code: c for c in CATEGORIES}


def category(code: str) -> Category:
    """The category with ``code``; :class:`InvalidInput` for anything not on the list."""
    found = _BY_CODE.get(code)
    if found is None:
        raise InvalidInput(N_("Please pick a category from the list."))
    return found


def validate_categories(codes: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """A profile's categories: known codes, no repeats, 1 to 5 of them, in list order."""
    chosen = {category(code).code for code in codes}
    if not chosen:
        raise InvalidInput(N_("Pick at least one category."))
    if len(chosen) > MAX_PROFILE_CATEGORIES:
        raise InvalidInput(N_("Pick at most {limit} categories."), limit=MAX_PROFILE_CATEGORIES)
    return tuple(c.code for c in CATEGORIES if c.code in chosen)
