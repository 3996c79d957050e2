"""Routing: command -> handler, callback prefix -> handler, awaited-input state -> handler.

Each feature module owns a :class:`Router`; ``handlers/__init__.py`` includes them all into one.
Callback data is ``prefix:rest`` (at most 64 bytes); the prefix is everything before the first
colon. A state name is ``feature.step`` and is stored in the database, so a dialog survives
restarts.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from core.accounts import Role
from handlers.contract import Action, Incoming

__all__ = ["Handler", "Router"]

if False:  # pragma: no cover - typing only, avoids an import cycle
    from handlers.context import Context

Handler = Callable[[Incoming, "Context"], Awaitable[list[Action]]]


@dataclass(slots=True)
class Router:
    """A routing table; decorators register handlers."""

    commands: dict[str, Handler] = field(default_factory=dict)
    callbacks: dict[str, Handler] = field(default_factory=dict)
    states: dict[str, Handler] = field(default_factory=dict)
    special: dict[str, Handler] = field(default_factory=dict)
    admin_commands: set[str] = field(default_factory=set)
    staff_roles: dict[str, Role] = field(default_factory=dict)

    def command(self, *names: str, admin: bool = False,
                role: Role | None = None) -> Callable[[Handler], Handler]:
        """Register a handler for ``/name`` (lower-case, without the slash).

        ``admin=True`` (or ``role=Role.SUPPORT``): a staff command for support and admins;
        ``role=Role.ADMIN``: admins only. The dispatcher refuses anyone else, naming the role.
        """
        needed = role or (Role.SUPPORT if admin else None)

        def register(handler: Handler) -> Handler:
            for name in names:
                self._put(self.commands, name, handler)
                if needed is not None:
                    self.admin_commands.add(name)
                    self.staff_roles[name] = needed
            return handler

        return register

    def callback(self, *prefixes: str) -> Callable[[Handler], Handler]:
        """Register a handler for callback data starting with ``prefix:``."""

        def register(handler: Handler) -> Handler:
            for prefix in prefixes:
                self._put(self.callbacks, prefix, handler)
            return handler

        return register

    def state(self, *names: str) -> Callable[[Handler], Handler]:
        """Register a handler for text or files while the user's dialog awaits ``name``."""

        def register(handler: Handler) -> Handler:
            for name in names:
                self._put(self.states, name, handler)
            return handler

        return register

    def on(self, kind: str) -> Callable[[Handler], Handler]:
        """Register a handler for ``pre_checkout``, ``payment``, ``text`` or ``fallback``."""

        def register(handler: Handler) -> Handler:
            self._put(self.special, kind, handler)
            return handler

        return register

    def include(self, other: Router) -> None:
        """Merge another feature's table into this one; a name registered twice is an error."""
        for mine, theirs in ((self.commands, other.commands), (self.callbacks, other.callbacks),
                             (self.states, other.states), (self.special, other.special)):
            for key, handler in theirs.items():
                self._put(mine, key, handler)
        self.admin_commands |= other.admin_commands
        self.staff_roles |= other.staff_roles

    @staticmethod
    def _put(table: dict[str, Handler], key: str, handler: Handler) -> None:
        if key in table and table[key] is not handler:
            raise ValueError(f"{key!r} is routed twice")
        table[key] = handler
