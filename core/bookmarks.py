"""Bookmarks (BM-01): employers bookmark experts and studios; experts bookmark projects.

A bookmark is private to its owner: a list of things to come back to. Each side lists, opens
and removes its own bookmarks; bookmarking the same thing twice keeps one bookmark.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

__all__ = ["BOOKMARKS_LIMIT", "Bookmark", "BookmarkKind"]

BOOKMARKS_LIMIT = 500


class BookmarkKind(StrEnum):
    """What is bookmarked: an expert (by an employer) or a project (by an expert)."""

    EXPERT = "expert"
    PROJECT = "project"


@dataclass(frozen=True, slots=True)
class Bookmark:
    """``owner_id`` keeps ``target_id`` (a user id or a project id) in their list."""

    owner_id: int
    kind: BookmarkKind
    target_id: int
    created_at: datetime
