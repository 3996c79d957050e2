"""Conversations: one module per feature, each with its own :class:`~handlers.router.Router`.

Add a feature by writing ``handlers/<feature>.py`` with a module-level ``router`` and listing
it in :data:`FEATURES`.
"""

from __future__ import annotations

import importlib

from handlers.router import Router

__all__ = ["FEATURES", "build_router"]

FEATURES: tuple[str, ...] = (
    "handlers.start",
    "handlers.language",
    "handlers.profile",
    "handlers.help",
    "handlers.cancel",
    "handlers.fallback",
    "handlers.sandbox_time",
    "handlers.email",
    "handlers.relay",
    "handlers.relay_views",
    "handlers.support",
    "handlers.support_queue",
    "handlers.wallet",
    "handlers.projects",
    "handlers.project_post",
    "handlers.project_search",
    "handlers.applications",
    "handlers.contracts",
    "handlers.bookmarks",
    "handlers.profiles",
    "handlers.milestones",
    "handlers.milestone_dialogs",
    "handlers.milestone_work",
    "handlers.milestone_support",
    "handlers.payouts",
)


def build_router() -> Router:
    """One routing table with every feature's routes."""
    root = Router()
    for name in FEATURES:
        root.include(importlib.import_module(name).router)
    return root
