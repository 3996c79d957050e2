"""``python -m bot check-ledger``: the operators' ledger check from the command line.

It reads ``DATABASE_URL``, runs :func:`core.services.ledger_check.check_ledger` in one read
transaction and prints the summary to stdout. Exit status 0 means every invariant holds;
on a problem the summary lists each one, a ``LEDGER CHECK FAILED`` line goes to stderr, and the
exit status is 1 (so cron, CI or a monitoring probe notices). A database that cannot be read
is a failure too (status 1, one line saying why).
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.config import load_settings
from core.services.ledger_check import LedgerReport, check_ledger
from storage import Database

__all__ = ["check_ledger_command", "check_ledger_options", "run_check"]

FAILED = 1


async def run_check(database_url: str, sample: int = 20,
                    schema: str | None = None) -> LedgerReport:
    """Check the ledger behind ``database_url`` (read only: nothing is committed)."""
    database = Database(database_url, schema=schema)
    try:
        async with database.uow() as uow:
            return await check_ledger(uow, sample=sample)
    finally:
        await database.dispose()


def check_ledger_command(args: argparse.Namespace) -> int:
    """``check-ledger``: print the summary; 0 when sound, 1 (and loud) on any problem."""
    settings = load_settings()
    try:
        report = asyncio.run(run_check(settings.database_url, sample=args.sample,
                                       schema=settings.database_schema))
    except Exception as error:  # an unreadable database is a failed check, said in one line
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        print(f"LEDGER CHECK FAILED: cannot read the ledger: {reason}", file=sys.stderr)
        return FAILED
    for line in report.summary_lines():
        print(line)
    if not report.ok:
        print(f"LEDGER CHECK FAILED: {len(report.problems)} problem(s), listed above",
              file=sys.stderr)
        return FAILED
    return 0


def check_ledger_options(parser: argparse.ArgumentParser) -> None:
    """Options of ``check-ledger``."""
    parser.add_argument("--sample", type=int, default=20,
                        help="list at most this many problems of each kind (default: 20)")
