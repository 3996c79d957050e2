"""The one place that wires everything: settings -> database, router, dispatcher, clock.

:func:`build_app` makes an :class:`App`; :func:`serve` is the whole of ``python -m bot run``
after the configuration is read (migrate, poll until stopped, close), and the end-to-end tests
call it too.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field, replace
from datetime import timedelta
from functools import partial

from bot.clock import SystemClock
from bot.config import Settings
from bot.http import BotHttpServer, health_routes
from bot.mail import mail_sender
from bot.metrics import Metrics
from bot.paypal import payout_provider
from bot.runtimes import run_polling
from bot.runtimes.common import DEFAULT_RETRY, RetryPolicy
from bot.scheduler import TickScheduler
from bot.send_budget import PostgresSendBudget, send_budget_for
from core.clock import Clock
from core.payouts.policy import configure as configure_payouts
from handlers import build_router
from handlers.context import HandlerSettings
from handlers.dispatch import Dispatcher
from handlers.payouts.ticks import use_provider
from storage import Database

__all__ = ["App", "build_app", "configure_money", "handler_settings", "serve"]


@dataclass(slots=True)
class App:
    """The wired application: what a runtime needs to turn updates into replies."""

    settings: Settings
    db: Database
    dispatcher: Dispatcher
    clock: Clock
    metrics: Metrics = field(default_factory=Metrics)

    def use_bot_username(self, username: str) -> None:
        """Tell the handlers the bot's username (learnt from getMe at start)."""
        self.dispatcher.settings = replace(self.dispatcher.settings, bot_username=username)

    async def migrate(self) -> None:
        """Apply pending database migrations."""
        await self.db.migrate()

    async def close(self) -> None:
        """Release the database connections."""
        await self.db.dispose()


def handler_settings(settings: Settings, *, sandbox: bool = False) -> HandlerSettings:
    """What the handlers may know of the settings (no bot token)."""
    return HandlerSettings(
        admin_ids=frozenset(settings.admin_ids),
        default_language=settings.default_language,
        currency=settings.currency,
        payment_provider_token=settings.payment_provider_token.get_secret_value(),
        sandbox=sandbox,
    )


def configure_money(settings: Settings) -> None:
    """Put the fee and payout settings in force, and the payout provider the tick sends with."""
    configure_payouts(settings.payout_policy())  # FEE-01, PAY-02, PAY-04
    use_provider(payout_provider(settings))


def build_app(settings: Settings, clock: Clock | None = None, *, sandbox: bool = False) -> App:
    """Wire the database, the handlers and the clock (nothing connects yet).

    ``sandbox`` is for ``python -m bot sandbox`` only: it enables the sandbox-only commands
    (moving the clock, which must then be movable, such as :class:`bot.clock.OffsetClock`).
    """
    clock = clock or SystemClock()
    configure_money(settings)
    db = Database(settings.database_url, schema=settings.database_schema)
    dispatcher = Dispatcher(build_router(), db.uow, clock,
                            handler_settings(settings, sandbox=sandbox))
    metrics = Metrics()
    dispatcher.observer = metrics.observe_update
    app = App(settings=settings, db=db, dispatcher=dispatcher, clock=clock, metrics=metrics)
    metrics.read_backlog = partial(_backlog, app)
    return app


async def _backlog(app: App) -> int:
    """Unsent notifications due now (for the metrics)."""
    async with app.db.uow() as uow:
        return await uow.outbox.backlog(app.clock.now())


def tick_scheduler(app: App) -> TickScheduler:
    """The scheduler as the settings want it: TICK_INTERVAL, OUTBOX_RETENTION_DAYS."""
    settings = app.settings
    budget = send_budget_for(app.db, settings.send_rate)
    return TickScheduler(
        app.db, app.clock, interval=settings.tick_interval,
        retention=timedelta(days=settings.outbox_retention_days), metrics=app.metrics,
        maintenance=budget.purge if isinstance(budget, PostgresSendBudget) else None)


async def serve(app: App, stop: asyncio.Event, *, ready: asyncio.Event | None = None,
                runtime: str | None = None, policy: RetryPolicy = DEFAULT_RETRY) -> None:
    """Migrate, then long-poll until ``stop`` is set; always close the database.

    ``ready`` is set once the bot polls (in webhook mode, once setWebhook succeeded);
    ``runtime`` overrides ``BOT_RUNTIME``; ``policy``
    governs retries of Bot API calls. With ``SMTP_URL`` set, the e-mail outbox is sent
    alongside (:class:`bot.mail.MailSender`). The scheduler runs the ticks meanwhile
    (:class:`bot.scheduler.TickScheduler`; with PostgreSQL only in the leading process).
    """
    try:
        await app.migrate()
        mail = mail_sender(app.settings.smtp_url, app.db, app.clock)
        mailing = asyncio.create_task(mail.run(), name="mail") if mail is not None else None
        ticks = tick_scheduler(app)
        ticks.start()
        monitor = None
        if app.settings.metrics_listen:
            monitor = BotHttpServer(app.settings.metrics_listen,
                                    partial(health_routes, database=app.db, metrics=app.metrics))
            await monitor.start()
        try:
            await run_polling(app, stop, ready=ready, runtime=runtime, policy=policy)
        finally:
            if monitor is not None:
                await monitor.stop()
            await ticks.stop()
            if mailing is not None:
                mailing.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await mailing
    finally:
        await app.close()
