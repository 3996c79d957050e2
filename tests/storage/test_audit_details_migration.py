"""Migration 0008: audit rows written as English notes become data, and come back on downgrade.

Before 0008 a dispute decision stored "milestone #4: partial 40.00 USD / refund 50.00 USD:
<why>" as its reason (ACC-03). The upgrade reads such notes into ``details`` and keeps only the
staff member's words as the reason; a note it cannot read stays as it was.
"""

from __future__ import annotations

from sqlalchemy import text

from core.money import Money
from core.support import AuditAction
from storage import Database
from storage.migrate import downgrade, upgrade

_NOTE = "milestone #4: partial 40.00 USD / refund 50.00 USD: Half of it: the drawings"
_ODD = "an old note nobody can read"


async def _old_rows(database: Database) -> None:
    await upgrade(database.engine, "0007_milestones")
    async with database.engine.begin() as connection:
        await connection.execute(text(
            "INSERT INTO users (id, first_name, roles, language, created_at, last_seen_at) "
            "VALUES (1, 'Sam', 'support', 'en', '2026-01-01 00:00:00', "
            "'2026-01-01 00:00:00'), (2, 'Bob', 'expert', 'ru', '2026-01-01 00:00:00', "
            "'2026-01-01 00:00:00')"))
        for reason, action in ((_NOTE, "resolve_dispute"), (_ODD, "resolve_dispute"),
                               ("spam", "suspend")):
            await connection.execute(text(
                "INSERT INTO support_audit (actor_id, action, target_id, reason, created_at) "
                "VALUES (1, :action, 2, :reason, '2026-01-02 00:00:00')"),
                {"action": action, "reason": reason})


async def test_acc_03_old_dispute_notes_become_details_and_the_rest_stays_readable(
        empty_database: Database) -> None:
    await _old_rows(empty_database)
    await empty_database.migrate()
    async with empty_database.uow() as uow:
        rows = list(reversed((await uow.support.audit(None, 0, 10)).items))
    decided, odd, suspended = rows
    assert (decided.action, decided.reason, decided.milestone_id) == (
        AuditAction.RESOLVE_DISPUTE, "Half of it: the drawings", 4)
    assert (decided.amount("released"), decided.amount("refunded")) == (
        Money(40_00, "USD"), Money(50_00, "USD"))
    assert (odd.reason, odd.milestone_id, odd.amount("released")) == (_ODD, None, None)
    assert (suspended.reason, dict(suspended.details)) == ("spam", {})
    await downgrade(empty_database.engine, "0007_milestones")
    async with empty_database.engine.connect() as connection:
        reasons = (await connection.execute(text(
            "SELECT reason FROM support_audit ORDER BY id"))).scalars().all()
    assert reasons == [_NOTE, _ODD, "spam"]
