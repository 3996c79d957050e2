"""Helpers for the relay, support and e-mail conversation tests.

:func:`deliver` plays the outbox sender: it takes every due outbox row and puts it in the
recipient's chat (keyboard included), as ``bot.outbox`` would. :func:`contract_between` writes
an accepted contract straight into the marketplace tables (MSG-03 cares only that one exists).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert

from core.support import AuditEntry, QueueItem
from handlers.notify import keyboard_from_json
from storage.tables.market import applications, contracts, projects
from tests.conversation.harness import BotHarness, ChatUser, Message

__all__ = ["audit_rows", "contract_between", "deliver", "open_items", "people"]


async def deliver(bot: BotHarness) -> int:
    """Move every due outbox row into its recipient's chat; return how many."""
    async with bot.database.uow() as uow:
        rows = await uow.outbox.claim_due(bot.clock.now(), 1000, timedelta(minutes=1))
        for row in rows:
            chat = bot.users.get(row.chat_id)
            if chat is not None:
                chat.messages.append(Message(bot.next_id(), row.text,
                                             keyboard_from_json(row.keyboard)))
            await uow.outbox.mark_sent(row.id, bot.clock.now())
        await uow.commit()
    return len(rows)


async def people(bot: BotHarness) -> tuple[ChatUser, ChatUser, ChatUser]:
    """Alice (employer, en), Bob (freelancer, ru) and Carol (freelancer, en), signed up."""
    alice = bot.user(1001, "Alice", "Smith", language_code="en", username="alice")
    bob = bot.user(1002, "Bob", "Ivanov", language_code="ru", username="bob")
    carol = bot.user(1003, "Carol", "Jones", language_code="en", username="carol")
    await alice.sign_up("client", "Alice", "Smith", "alice@example.com")
    await bob.sign_up("expert", "Bob", "Ivanov", "bob@example.com")
    await carol.sign_up("expert", "Carol", "Jones", "carol@example.com")
    return alice, bob, carol


async def contract_between(bot: BotHarness, client_id: int, expert_id: int,
                           status: str = "active", currency: str = "USD") -> int:
    """A contract between the two (project, application and contract rows), ``active`` unless
    told otherwise (``offered``, not yet accepted, keeps MSG-03 masking on); its id."""
    now = bot.clock.now()
    async with bot.database.uow() as uow:
        session = uow.session
        project = (await session.execute(insert(projects).values(
            owner_id=client_id, title="Drawings", description="Twenty characters of text",
            category="cad", kind="fixed", currency=currency, budget_min=100, budget_max=200,
            status="published", created_at=now, updated_at=now).returning(projects.c.id))
        ).scalar_one()
        application = (await session.execute(insert(applications).values(
            project_id=project, freelancer_id=expert_id, cover_letter="I can do it well.",
            amount=150, currency=currency, status="chosen", created_at=now, updated_at=now)
            .returning(applications.c.id))).scalar_one()
        contract = (await session.execute(insert(contracts).values(
            project_id=project, application_id=application, client_id=client_id,
            expert_id=expert_id, kind="fixed", currency=currency, milestone_title="First",
            milestone_amount=150, status=status, created_at=now,
            accepted_at=now if status != "offered" else None).returning(contracts.c.id))
        ).scalar_one()
        await uow.commit()
    return int(contract)


async def open_items(bot: BotHarness) -> list[QueueItem]:
    """The open support queue, oldest first."""
    async with bot.database.uow() as uow:
        return list((await uow.support.open_items(0, 100)).items)


async def audit_rows(bot: BotHarness, target_id: int | None = None) -> list[AuditEntry]:
    """The audit log, newest first."""
    async with bot.database.uow() as uow:
        return list((await uow.support.audit(target_id, 0, 100)).items)
