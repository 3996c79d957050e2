"""What an operator watches: Prometheus metrics of one bot process (``prometheus-client``).

Each :class:`~bot.app.App` owns a :class:`Metrics` with its own registry (never the library's
global one), so several apps in one test process do not collide. ``GET /metrics``
(:mod:`bot.http`) renders it in the Prometheus text format; the outbox backlog is read from
the database at each scrape.

- ``bot_updates_total{kind, outcome}``: updates handled. ``kind``: command, text, callback,
  file, pre_checkout, payment; ``outcome``: ok, duplicate (already processed, no effect),
  refused (a rule said no), error (rolled back, the user got an apology).
- ``bot_update_seconds``: handling latency, from the runtime's hand-off to the dispatcher to
  the commit (histogram).
- ``bot_outbox_backlog``: unsent notifications due now (across every process).
- ``bot_outbox_sent_total``: notifications this process delivered (their rate is the send rate).
- ``bot_telegram_429_total{source}``: 429 Too Many Requests answers received, by the outbox or
  by replies.
- ``bot_tick_lag_seconds``: how late the last tick run of this process started after it was
  due; ``bot_tick_last_run_timestamp_seconds``: when the last run finished.
- ``bot_leader``: 1 while this process runs the ticks (holds the advisory lock), else 0.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from handlers.contract import Callback, Command, FileUpload, Incoming, Payment, PreCheckout, Text

__all__ = ["CONTENT_TYPE", "Metrics", "update_kind"]

log = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
#: Handling latency buckets, in seconds (a commit on PostgreSQL takes milliseconds).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


def update_kind(incoming: Incoming) -> str:
    """The ``kind`` label of an update."""
    event = incoming.event
    for kind, name in ((Command, "command"), (Callback, "callback"), (Text, "text"),
                       (FileUpload, "file"), (PreCheckout, "pre_checkout"),
                       (Payment, "payment")):
        if isinstance(event, kind):
            return name
    return "other"


class _Live(Collector):
    """Values read from the running parts at scrape time."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[Metric]:
        m = self.metrics
        sent = CounterMetricFamily("bot_outbox_sent", "Notifications this process delivered")
        sent.add_metric([], m.outbox_sent())
        yield sent
        floods = CounterMetricFamily("bot_telegram_429",
                                     "429 Too Many Requests answers received", labels=["source"])
        floods.add_metric(["outbox"], m.outbox_floods())
        floods.add_metric(["reply"], m.reply_floods)
        yield floods
        backlog = GaugeMetricFamily("bot_outbox_backlog", "Unsent notifications due now")
        backlog.add_metric([], m.backlog)
        yield backlog
        leader = GaugeMetricFamily("bot_leader", "1 while this process runs the ticks")
        leader.add_metric([], 1.0 if m.leader else 0.0)
        yield leader
        lag = GaugeMetricFamily("bot_tick_lag_seconds",
                                "How late the last tick run started after it was due")
        lag.add_metric([], m.tick_lag)
        yield lag
        last = GaugeMetricFamily("bot_tick_last_run_timestamp_seconds",
                                 "When the last tick run of this process finished (Unix time)")
        last.add_metric([], m.tick_last_run)
        yield last


class Metrics:
    """The metrics of one bot process (see the module docstring)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.updates = Counter("bot_updates", "Updates handled", ["kind", "outcome"],
                               registry=self.registry)
        self.latency = Histogram("bot_update_seconds", "Update handling latency",
                                 buckets=LATENCY_BUCKETS, registry=self.registry)
        self.webhook_requests = Counter("bot_webhook_requests", "Webhook requests answered",
                                        ["status"], registry=self.registry)
        self.outbox_sent: Callable[[], float] = lambda: 0.0
        self.outbox_floods: Callable[[], float] = lambda: 0.0
        self.reply_floods = 0
        self.backlog = 0.0
        self.leader = False
        self.tick_lag = 0.0
        self.tick_last_run = 0.0
        self.read_backlog: Callable[[], Awaitable[int]] | None = None
        self.registry.register(_Live(self))

    def observe_update(self, incoming: Incoming, outcome: str) -> None:
        """The dispatcher's observer: one update handled with ``outcome``."""
        self.updates.labels(update_kind(incoming), outcome).inc()

    def reply_flood(self, retry_after: float) -> None:
        """A reply (or another direct Bot API call) was answered 429."""
        self.reply_floods += 1

    def tick_ran(self, lag: float, leading: bool) -> None:
        """A tick trigger: ``leading`` says whether this process ran the ticks."""
        self.leader = leading
        if leading:
            self.tick_lag = max(0.0, lag)
            self.tick_last_run = time.time()

    async def render(self) -> bytes:
        """The text exposition, with the backlog read fresh from the database."""
        if self.read_backlog is not None:
            try:
                self.backlog = float(await self.read_backlog())
            except Exception as exc:  # the scrape still answers; /healthz reports the database
                log.warning("metrics: could not read the outbox backlog: %s", exc)
        return generate_latest(self.registry)
