"""Sent outbox rows are purged after the retention period, in batches, by the tick run."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from bot.metrics import Metrics
from bot.scheduler import SoleLeader, TickScheduler, purge_outbox
from core.clock import FixedClock
from storage import Database
from storage.tables.outbox import outbox
from tests.conftest import START
from tests.scheduler.conftest import add_expert

DAY = timedelta(days=1)


async def _rows(database: Database, count: int, **values: object) -> None:
    async with database.uow() as uow:
        for n in range(count):
            await uow.outbox.add(user_id=11, chat_id=11, text=f"note {n}", keyboard=None,
                                 dedupe_key=None)
        await uow.commit()
    if values:
        async with database.engine.begin() as connection:
            await connection.execute(update(outbox).where(outbox.c.sent_at.is_(None),
                                                          outbox.c.failed_at.is_(None))
                                     .values(**values))


async def _texts(database: Database) -> list[str]:
    async with database.engine.connect() as connection:
        return list((await connection.execute(
            select(outbox.c.text).order_by(outbox.c.id))).scalars())


async def test_sent_rows_older_than_the_retention_go_in_batches_and_the_rest_stay(
        database: Database) -> None:
    await add_expert(database, 11)
    await _rows(database, 7, sent_at=START - 40 * DAY)  # sent long ago: purged
    await _rows(database, 2, failed_at=START - 40 * DAY)  # refused: kept for the operator
    await _rows(database, 1, sent_at=START - DAY)  # sent recently: kept
    await _rows(database, 1)  # not sent yet: kept

    assert await purge_outbox(database, START - 30 * DAY, batch=3) == 7
    assert len(await _texts(database)) == 4
    assert await purge_outbox(database, START - 30 * DAY, batch=3) == 0


async def test_the_tick_run_purges_with_the_retention_setting_and_reports_it(
        database: Database) -> None:
    await add_expert(database, 11)
    await _rows(database, 2, sent_at=START - 8 * DAY)
    metrics = Metrics()
    ticks = TickScheduler(database, FixedClock(START), leader=SoleLeader(),
                          retention=timedelta(days=7), metrics=metrics)
    report = await ticks.tick_now(lag=1.5)
    assert report is not None and report.done["outbox_purge"] == 2
    assert await _texts(database) == []
    assert metrics.leader and metrics.tick_lag == 1.5
    page = (await metrics.render()).decode()
    assert "bot_leader 1.0" in page and "bot_tick_lag_seconds 1.5" in page
