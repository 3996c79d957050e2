"""Every table, declared per feature on one shared :data:`metadata`.

Each module in this package is imported here automatically, so a feature adds its tables by
dropping ``storage/tables/<feature>.py`` next to the others (and a migration for them); Alembic
and the tests then see them through :data:`metadata`.
"""

from __future__ import annotations

import importlib
import pkgutil

from storage.tables.base import metadata

__all__ = ["metadata"]

for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    importlib.import_module(f"{__name__}.{_module}")
