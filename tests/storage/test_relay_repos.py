"""Relay threads and messages, the support queue and audit log, e-mail codes and outbox,
on both backends."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from core.accounts import Role, User
from core.clock import FixedClock
from core.email_verification import EmailCode, OutgoingMail
from core.messages import Message, MessageKind, Relation, Thread
from core.support import AuditAction, AuditEntry, ItemKind, ItemStatus, QueueItem
from storage import Database
from storage.tables.market import applications, contracts, projects
from storage.tables.support import relay_threads

ANN, BOB, CAT = 101, 102, 103


@pytest.fixture
async def people(database: Database, clock: FixedClock) -> Database:
    """Three users: Ann (client), Bob (expert), Cat (expert)."""
    async with database.uow() as uow:
        for uid, name, role in ((ANN, "Ann", Role.CLIENT), (BOB, "Bob", Role.EXPERT),
                                (CAT, "Cat", Role.EXPERT)):
            await uow.users.add(User(id=uid, first_name=name, roles={role},
                                     created_at=clock.now(), last_seen_at=clock.now()))
        await uow.commit()
    return database


async def _message(database: Database, clock: FixedClock, sender: int, recipient: int,
                   text: str) -> Message:
    async with database.uow() as uow:
        thread = await uow.relay.thread_between(sender, recipient)
        if thread is None:
            thread = await uow.relay.add_thread(Thread(sender, recipient, clock.now()))
        assert thread.id is not None
        message = await uow.relay.add_message(Message(
            thread_id=thread.id, sender_id=sender, kind=MessageKind.TEXT,
            created_at=clock.now(), text=text, delivered=text))
        await uow.relay.touch_thread(thread.id, clock.now())
        await uow.commit()
    return message


async def test_msg_01_one_thread_per_pair_whoever_writes_first(people: Database,
                                                                clock: FixedClock) -> None:
    first = await _message(people, clock, BOB, ANN, "Hello")
    second = await _message(people, clock, ANN, BOB, "Hi")
    assert first.thread_id == second.thread_id
    async with people.uow() as uow:
        again = await uow.relay.add_thread(Thread(ANN, BOB, clock.now()))
        thread = await uow.relay.get_thread(first.thread_id)
    assert again.id == first.thread_id
    assert thread is not None and (thread.user_a, thread.user_b) == (ANN, BOB)


async def test_msg_01_messages_round_trip_newest_first_with_pages(people: Database,
                                                                  clock: FixedClock) -> None:
    for n in range(7):
        clock.advance(timedelta(minutes=1))
        await _message(people, clock, BOB, ANN, f"m{n}")
    async with people.uow() as uow:
        thread = await uow.relay.thread_between(ANN, BOB)
        assert thread is not None and thread.id is not None
        first = await uow.relay.messages(thread.id, 0, 5)
        second = await uow.relay.messages(thread.id, 1, 5)
        stored = await uow.relay.get_message(first.items[0].id or 0)
    assert [m.text for m in first.items] == ["m6", "m5", "m4", "m3", "m2"] and first.has_more
    assert [m.text for m in second.items] == ["m1", "m0"] and not second.has_more
    assert stored == first.items[0]
    assert thread.last_message_at == clock.now()


async def test_msg_01_a_document_keeps_its_file_id_and_masked_text(people: Database,
                                                                   clock: FixedClock) -> None:
    async with people.uow() as uow:
        thread = await uow.relay.add_thread(Thread(BOB, ANN, clock.now()))
        assert thread.id is not None
        message = await uow.relay.add_message(Message(
            thread_id=thread.id, sender_id=BOB, kind=MessageKind.DOCUMENT,
            created_at=clock.now(), text="cv at bob@x.io", delivered="cv at [•••]",
            file_id="BQADAgAD", file_name="cv.pdf", flagged=True))
        await uow.commit()
    async with people.uow() as uow:
        loaded = await uow.relay.get_message(message.id or 0)
    assert loaded == message


async def test_threads_are_listed_most_recent_first_and_only_for_their_users(
        people: Database, clock: FixedClock) -> None:
    await _message(people, clock, BOB, ANN, "old")
    clock.advance(timedelta(hours=1))
    await _message(people, clock, CAT, ANN, "new")
    async with people.uow() as uow:
        ann = await uow.relay.threads_of(ANN, 0, 10)
        bob = await uow.relay.threads_of(BOB, 0, 10)
        cat_page = await uow.relay.threads_of(CAT, 0, 10)
    assert [t.user_a + t.user_b - ANN for t in ann.items] == [CAT, BOB]
    assert [(t.user_a, t.user_b) for t in bob.items] == [(ANN, BOB)]
    assert len(cat_page.items) == 1 and not cat_page.has_more


async def test_a_thread_needs_two_different_ordered_users(people: Database,
                                                          clock: FixedClock) -> None:
    async with people.uow() as uow:
        with pytest.raises(IntegrityError):
            await uow.relay.session.execute(
                insert(relay_threads).values(user_a=BOB, user_b=ANN, created_at=clock.now()))


async def test_msg_03_relation_sees_applications_and_only_accepted_contracts(
        people: Database, clock: FixedClock) -> None:
    now = clock.now()
    async with people.uow() as uow:
        assert await uow.relay.relation(BOB, ANN) == Relation()
        session = uow.relay.session
        project = (await session.execute(insert(projects).values(
            owner_id=ANN, title="Drawings", description="Twenty characters of text here",
            category="cad", kind="fixed", currency="USD", budget_min=100, budget_max=200,
            status="published", created_at=now, updated_at=now).returning(projects.c.id))
        ).scalar_one()
        application = (await session.execute(insert(applications).values(
            project_id=project, freelancer_id=BOB, cover_letter="I can do it well, really.",
            amount=150, currency="USD", status="submitted", created_at=now,
            updated_at=now).returning(applications.c.id))).scalar_one()
        assert await uow.relay.relation(ANN, BOB) == Relation(application=True)
        assert await uow.relay.relation(CAT, ANN) == Relation()
        await session.execute(insert(contracts).values(
            project_id=project, application_id=application, client_id=ANN, expert_id=BOB,
            kind="fixed", currency="USD", milestone_title="First", milestone_amount=150,
            status="offered", created_at=now))
        assert await uow.relay.relation(BOB, ANN) == Relation(application=True)
        await session.execute(contracts.update().values(status="active", accepted_at=now))
        assert await uow.relay.relation(BOB, ANN) == Relation(application=True, contract=True)


async def test_msg_02_support_items_round_trip_and_one_report_per_reporter(
        people: Database, clock: FixedClock) -> None:
    message = await _message(people, clock, BOB, ANN, "pay me on paypal.me/bob")
    async with people.uow() as uow:
        flag = await uow.support.add_item(QueueItem(
            kind=ItemKind.FLAG, subject_id=BOB, reason="payment", created_at=clock.now(),
            message_id=message.id, thread_id=message.thread_id))
        report = await uow.support.add_item(QueueItem(
            kind=ItemKind.REPORT, subject_id=BOB, reason="asks to pay outside",
            created_at=clock.now(), reporter_id=ANN, message_id=message.id,
            thread_id=message.thread_id))
        assert await uow.support.reported(ANN, message.id or 0)
        assert not await uow.support.reported(CAT, message.id or 0)
        await uow.commit()
    async with people.uow() as uow:
        with pytest.raises(IntegrityError):
            await uow.support.add_item(QueueItem(
                kind=ItemKind.REPORT, subject_id=BOB, reason="again", created_at=clock.now(),
                reporter_id=ANN, message_id=message.id))
    async with people.uow() as uow:
        assert await uow.support.get_item(flag.id or 0) == flag
        report.close(CAT, ItemStatus.RESOLVED, "Warned the user", clock.now())
        await uow.support.save_item(report)
        await uow.commit()
    async with people.uow() as uow:
        still_open = await uow.support.open_items(0, 10)
        assert await uow.support.get_item(report.id or 0) == report
    assert [item.id for item in still_open.items] == [flag.id]


async def test_acc_03_audit_rows_newest_first_filtered_by_target(people: Database,
                                                                 clock: FixedClock) -> None:
    async with people.uow() as uow:
        for n, (action, target) in enumerate([(AuditAction.SUSPEND, BOB),
                                              (AuditAction.GRANT_SUPPORT, CAT),
                                              (AuditAction.REINSTATE, BOB)]):
            await uow.support.add_audit(AuditEntry(
                actor_id=ANN, action=action, created_at=clock.now() + timedelta(minutes=n),
                reason=f"why {n}", target_id=target))
        await uow.commit()
    async with people.uow() as uow:
        everything = await uow.support.audit(None, 0, 2)
        about_bob = await uow.support.audit(BOB, 0, 10)
    assert [e.action for e in everything.items] == [AuditAction.REINSTATE,
                                                    AuditAction.GRANT_SUPPORT]
    assert everything.has_more
    assert [(e.action, e.reason, e.actor_id) for e in about_bob.items] == [
        (AuditAction.REINSTATE, "why 2", ANN), (AuditAction.SUSPEND, "why 0", ANN)]
    assert about_bob.items[0].created_at == clock.now() + timedelta(minutes=2)


async def test_email_codes_round_trip_and_count_recent_sends(people: Database,
                                                             clock: FixedClock) -> None:
    async with people.uow() as uow:
        for n in range(3):
            await uow.email.add_code(EmailCode(
                user_id=ANN, email="ann@example.com", code_hash=f"{n:064d}", salt="ab" * 8,
                created_at=clock.now() + timedelta(minutes=n),
                expires_at=clock.now() + timedelta(minutes=15 + n)))
        await uow.commit()
    async with people.uow() as uow:
        latest = await uow.email.latest_code(ANN)
        assert latest is not None and latest.code_hash == f"{2:064d}"
        latest.attempts, latest.used_at = 2, clock.now()
        await uow.email.save_code(latest)
        recent = await uow.email.codes_sent_since(ANN, clock.now() + timedelta(minutes=1))
        await uow.commit()
    async with people.uow() as uow:
        assert await uow.email.latest_code(ANN) == latest
        assert await uow.email.latest_code(BOB) is None
    assert recent == [clock.now() + timedelta(minutes=1), clock.now() + timedelta(minutes=2)]


async def test_queued_emails_are_claimed_once_per_lease_and_marked(people: Database,
                                                                   clock: FixedClock) -> None:
    async with people.uow() as uow:
        for n in range(2):
            await uow.email.enqueue(OutgoingMail(to=f"u{n}@example.com", subject="Code",
                                                 body="123456", created_at=clock.now(),
                                                 user_id=ANN))
        await uow.commit()
    lease = timedelta(minutes=1)
    async with people.uow() as uow:
        claimed = await uow.email.claim_due(clock.now(), 10, lease)
        await uow.commit()
    async with people.uow() as uow:
        assert await uow.email.claim_due(clock.now(), 10, lease) == []
        await uow.email.mark_sent(claimed[0].id, clock.now())
        await uow.email.defer(claimed[1].id, clock.now() + timedelta(seconds=30), "timeout")
        await uow.commit()
    async with people.uow() as uow:
        retried = await uow.email.claim_due(clock.now() + timedelta(seconds=30), 10, lease)
        await uow.email.fail(retried[0].id, clock.now(), "550 no such mailbox")
        await uow.commit()
    async with people.uow() as uow:
        assert await uow.email.claim_due(clock.now() + timedelta(hours=1), 10, lease) == []
    assert [m.to for m in claimed] == ["u0@example.com", "u1@example.com"]
    assert [(m.to, m.attempts) for m in retried] == [("u1@example.com", 1)]
