"""The per-update context a handler receives, built by :class:`handlers.dispatch.Dispatcher`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.accounts import User
from core.clock import Clock
from core.ports import UnitOfWork
from handlers.contract import Incoming
from locales import Translator, translator

__all__ = ["Context", "HandlerSettings"]


@dataclass(frozen=True, slots=True)
class HandlerSettings:
    """What handlers need to know about the deployment (no secrets except the provider token)."""

    admin_ids: frozenset[int] = frozenset()
    default_language: str = "en"
    bot_username: str = "marketplace_bot"
    currency: str = "USD"
    payment_provider_token: str = ""
    sandbox: bool = False  # True only against the local sandbox Bot API server


@dataclass(slots=True)
class Context:
    """Everything one update may use: the user, the translator, the unit of work, the clock."""

    incoming: Incoming
    user: User
    uow: UnitOfWork
    clock: Clock
    settings: HandlerSettings
    tr: Translator
    state: str | None = None
    draft: dict[str, Any] = field(default_factory=dict)

    def t(self, message: str, /, **params: Any) -> str:
        """Translate ``message`` into this user's language and fill in ``params``."""
        return self.tr(message, **params)

    def tn(self, singular: str, plural: str, n: int, /, **params: Any) -> str:
        """Translate a message with a count (``{n}`` is filled in)."""
        return self.tr.plural(singular, plural, n, **params)

    @property
    def language(self) -> str:
        return self.tr.language

    def now(self) -> datetime:
        return self.clock.now()

    def translator_for(self, language: str) -> Translator:
        """A translator for another user's language (notifications go in the reader's)."""
        return translator(language)

    def retranslate(self, language: str) -> None:
        """Switch this update's replies to ``language`` (after the user picked one)."""
        self.tr = translator(language)

    async def set_state(self, state: str, draft: Mapping[str, Any] | None = None) -> None:
        """Await ``state`` next; keep ``draft`` (replacing it when given)."""
        if draft is not None:
            self.draft = dict(draft)
        self.state = state
        await self.uow.dialogs.set(self.user.id, state, self.draft)

    async def clear_state(self) -> None:
        """Leave the dialog and drop its draft."""
        self.state, self.draft = None, {}
        await self.uow.dialogs.clear(self.user.id)
