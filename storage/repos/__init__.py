"""Repositories: the :mod:`core.ports` interfaces on SQLAlchemy. They never commit."""

from __future__ import annotations

from storage.repos.accounts import SqlUsersRepo
from storage.repos.dialogs import SqlDialogRepo
from storage.repos.points import SqlPointsRepo
from storage.repos.updates import SqlUpdatesRepo

__all__ = ["SqlDialogRepo", "SqlPointsRepo", "SqlUpdatesRepo", "SqlUsersRepo"]
