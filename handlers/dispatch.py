"""The pipeline every update goes through, whichever framework delivered it.

One unit of work per update: the update id is claimed in the same transaction as the
handler's effects (a duplicate has no second effect), the user is loaded or created (its row
rewritten only when something changed, see :data:`LAST_SEEN_PRECISION`; the RAT-01 visit point
awarded on the first update of a UTC day), the dialog state read, the handler routed and run,
and everything committed together. A button press that would discard the draft of another
dialog is rolled back and asked about first (:mod:`handlers.dialog_guard`). A
:class:`~core.errors.DomainError` rolls the handler's
changes back and answers with the translated reason; any other exception rolls back and
answers with a generic apology, leaving the update unclaimed so a redelivery may succeed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from core.accounts import Role, User, pick_language
from core.clock import Clock, ensure_utc
from core.errors import N_, DomainError
from core.ports import UnitOfWork
from core.rating import visit_day
from handlers import dialog_guard
from handlers.context import Context, HandlerSettings
from handlers.contract import (
    Action,
    AnswerCallback,
    AnswerPreCheckout,
    Callback,
    Command,
    FileUpload,
    Incoming,
    Payment,
    PreCheckout,
    Send,
    Text,
)
from handlers.menu import MenuKey, menu_key, user_menu
from handlers.router import Handler, Router
from handlers.screening import field_warnings
from locales import translator

__all__ = ["Dispatcher"]

log = logging.getLogger(__name__)

UNEXPECTED = N_("Something went wrong on our side; nothing was changed. Please try again.")
STALE_BUTTON = N_("This button is no longer valid. Send /help to see what you can do.")
UNKNOWN_COMMAND = N_("I don't know that command. Send /help to see the commands.")
NOT_NOW = N_("I wasn't expecting that. Send /help to see what you can do.")
#: The one refusal of a staff command, whoever types it, naming the role it needs.
STAFF_ONLY: dict[Role, str] = {
    Role.SUPPORT: N_("/{command} is for support staff only."),
    Role.ADMIN: N_("/{command} is for administrators only."),
}
#: ``last_seen_at`` has this precision: an update rewrites the user's row only if something
#: Telegram reports changed (username, language), the admin role changed, the day changed or
#: the stored value is at least this old. Most updates of an active user then write nothing.
LAST_SEEN_PRECISION = timedelta(minutes=1)


class Dispatcher:
    """Turns one :class:`Incoming` into the actions to perform."""

    def __init__(self, router: Router, uow_factory: Callable[[], UnitOfWork], clock: Clock,
                 settings: HandlerSettings) -> None:
        self.router = router
        self.uow_factory = uow_factory
        self.clock = clock
        self.settings = settings
        #: Told the outcome of every update: ok, duplicate, refused or error (metrics).
        self.observer: Callable[[Incoming, str], None] | None = None

    def _observe(self, incoming: Incoming, outcome: str) -> None:
        if self.observer is not None:
            self.observer(incoming, outcome)

    async def process(self, incoming: Incoming) -> list[Action]:
        """Handle ``incoming`` exactly once; return what to send back."""
        try:
            async with self.uow_factory() as uow:
                if not await uow.updates.claim(incoming.update_id, self.clock.now(),
                                               user_id=incoming.user.id):
                    log.info("update %s already processed", incoming.update_id)
                    self._observe(incoming, "duplicate")
                    return []
                ctx, menu_before = await self._context(incoming, uow)
                actions = [*await self._route(incoming, ctx), *field_warnings(ctx)]  # MSG-03
                await uow.commit()
                actions += self._menu(incoming, ctx, menu_before)
                self._observe(incoming, "ok")
                return _with_callback_answer(incoming, actions)
        except DomainError as refusal:
            self._observe(incoming, "refused")
            return await self._refuse(incoming, refusal)
        except dialog_guard.DraftAtRisk as risk:
            return await self._ask(incoming, risk)
        except Exception:
            log.exception("update %s failed", incoming.update_id)
            self._observe(incoming, "error")
            language = await self._stored_language(incoming)
            return _tell(incoming, translator(language)(UNEXPECTED))

    async def _ask(self, incoming: Incoming, risk: dialog_guard.DraftAtRisk) -> list[Action]:
        """Record the update, keep the press waiting and ask before discarding the draft."""
        async with self.uow_factory() as uow:
            if not await uow.updates.claim(incoming.update_id, self.clock.now()):
                return []
            ctx, _menu = await self._context(incoming, uow)  # the menu is not changed here
            actions = await dialog_guard.ask(ctx, risk)
            await uow.commit()
            return _with_callback_answer(incoming, actions)

    async def _stored_language(self, incoming: Incoming) -> str:
        """The user's chosen language if the database can still tell it, else Telegram's."""
        chosen = None
        try:
            async with self.uow_factory() as uow:
                user = await uow.users.get(incoming.user.id)
                chosen = user.language if user else None
        except Exception:  # the database itself may be what failed
            log.warning("could not read the language of user %s", incoming.user.id)
        return pick_language(chosen, incoming.user.language_code, self.settings.default_language)

    async def _refuse(self, incoming: Incoming, refusal: DomainError) -> list[Action]:
        """Record the update (nothing else) and tell the user why it was refused."""
        async with self.uow_factory() as uow:
            if not await uow.updates.claim(incoming.update_id, self.clock.now(),
                                           user_id=incoming.user.id):
                return []
            user = await uow.users.get(incoming.user.id)
            await uow.commit()
        language = pick_language(user.language if user else None, incoming.user.language_code,
                                 self.settings.default_language)
        return _tell(incoming, translator(language)(refusal.message, **refusal.params))

    def _menu(self, incoming: Incoming, ctx: Context, before: MenuKey | None) -> list[Action]:
        """The user's own command menu, if what it depends on changed (or on ``/start``).

        Roles, language and suspension decide the menu (:func:`handlers.menu.menu_key`), so
        finishing sign-up, changing roles or ``/language`` and an ``ADMIN_IDS`` change all reach
        the menu here, whichever handler made them; staff actions on another user (support
        role, suspension) send that user's menu themselves. A user who has never had a role
        keeps the default menu until they choose one.
        """
        user, language = ctx.user, self.settings.default_language
        after = menu_key(user, language)
        started = isinstance(incoming.event, Command) and incoming.event.name == "start"
        if not user.roles and (before is None or not before[1]):
            return []  # never had a role: the default menu is theirs
        if after == before and not started:
            return []
        return [user_menu(user, language)]

    async def _context(self, incoming: Incoming, uow: UnitOfWork
                       ) -> tuple[Context, MenuKey | None]:
        now = self.clock.now()
        tg = incoming.user
        user = await uow.users.get(tg.id)
        is_new = user is None
        menu_before = None if user is None else menu_key(user, self.settings.default_language)
        if user is None:
            user = User(id=tg.id, first_name=None, last_name=None, username=tg.username,
                        created_at=now)
        before = (user.username, user.telegram_language, frozenset(user.roles))
        last_seen = user.last_seen_at
        user.username = tg.username
        user.telegram_language = tg.language_code
        user.last_seen_at = now
        # ADMIN_IDS alone decides who is an admin: removing an id revokes the role at once.
        if tg.id in self.settings.admin_ids:
            user.roles.add(Role.ADMIN)
        else:
            user.roles.discard(Role.ADMIN)
        today = ensure_utc(now).date()
        new_day = is_new or last_seen is None or ensure_utc(last_seen).date() != today
        if is_new:
            await uow.users.add(user)
        elif new_day or _stale(last_seen, now) or before != (
                user.username, user.telegram_language, frozenset(user.roles)):
            await uow.users.save(user)
        if new_day:
            # The stored last_seen_at is on today's date only if a unit of work that awarded
            # today's visit wrote it (both commit or neither), so once a day is enough.
            await uow.points.award(user.id, visit_day(today.isoformat()), now)
        state, draft = await uow.dialogs.get(user.id)
        language = pick_language(user.language, tg.language_code, self.settings.default_language)
        return Context(incoming=incoming, user=user, uow=uow, clock=self.clock,
                       settings=self.settings, tr=translator(language), state=state,
                       draft=dict(draft)), menu_before

    async def _route(self, incoming: Incoming, ctx: Context) -> list[Action]:
        pending = ctx.draft.pop(dialog_guard.PENDING, None)  # a press waiting for dg:go/keep
        event = incoming.event
        if isinstance(event, Callback) and event.data.split(":", 1)[0] == dialog_guard.PREFIX:
            answered = await dialog_guard.answer(incoming, ctx, pending, self._route)
            return answered if answered is not None else [
                AnswerCallback(ctx.t(STALE_BUTTON), alert=True)]
        handler = self._pick(incoming, ctx)
        if handler is None:
            event = incoming.event
            if isinstance(event, Callback):
                return [AnswerCallback(ctx.t(STALE_BUTTON), alert=True)]
            if isinstance(event, PreCheckout):
                return [AnswerPreCheckout(event.id, ok=False, error=ctx.t(STALE_BUTTON))]
            return [Send(ctx.t(_fallback_message(incoming)))]
        return await dialog_guard.guarded(self.router, handler, incoming, ctx)

    def _pick(self, incoming: Incoming, ctx: Context) -> Handler | None:
        router, event = self.router, incoming.event
        if isinstance(event, Command):
            handler = router.commands.get(event.name)
            needed = router.staff_roles.get(event.name)
            if handler is not None and needed is not None and not _holds(ctx.user, needed):
                return _staff_refusal(needed)
            return handler
        if isinstance(event, Callback):
            return router.callbacks.get(event.data.split(":", 1)[0])
        if isinstance(event, PreCheckout):
            return router.special.get("pre_checkout")
        if isinstance(event, Payment):
            return router.special.get("payment")
        if isinstance(event, Text | FileUpload) and ctx.state is not None:
            return router.states.get(ctx.state) or router.special.get("fallback")
        return router.special.get("fallback")


def _holds(user: User, needed: Role) -> bool:
    """Whether ``user`` has the staff role ``needed`` (an admin holds support's too)."""
    return Role.ADMIN in user.roles or (needed is Role.SUPPORT and Role.SUPPORT in user.roles)


def _staff_refusal(needed: Role) -> Handler:
    """The handler for a staff command typed by someone without ``needed``: it names the role
    and changes nothing (the same answer for every staff command and every other role)."""

    async def refuse(incoming: Incoming, ctx: Context) -> list[Action]:
        name = incoming.event.name if isinstance(incoming.event, Command) else ""
        return [Send(ctx.t(STAFF_ONLY[needed], command=name))]

    return refuse


def _stale(last_seen: datetime | None, now: datetime) -> bool:
    """True if ``last_seen`` is not within the last :data:`LAST_SEEN_PRECISION` before ``now``."""
    if last_seen is None:
        return True
    return not timedelta(0) <= ensure_utc(now) - ensure_utc(last_seen) < LAST_SEEN_PRECISION


def _fallback_message(incoming: Incoming) -> str:
    event = incoming.event
    if isinstance(event, Command):
        return UNKNOWN_COMMAND
    if isinstance(event, Callback):
        return STALE_BUTTON
    return NOT_NOW


def _tell(incoming: Incoming, text: str) -> list[Action]:
    """Say ``text`` the way this update must be answered (a checkout is always answered)."""
    if isinstance(incoming.event, PreCheckout):
        return [AnswerPreCheckout(incoming.event.id, ok=False, error=text)]
    if isinstance(incoming.event, Callback):
        return [AnswerCallback(text, alert=True)]
    return [Send(text)]


def _with_callback_answer(incoming: Incoming, actions: list[Action]) -> list[Action]:
    """Every button press gets exactly one answerCallbackQuery."""
    if isinstance(incoming.event, Callback) and not any(
        isinstance(a, AnswerCallback) for a in actions
    ):
        return [AnswerCallback(), *actions]
    return actions
