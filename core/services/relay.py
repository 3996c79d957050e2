"""Relay use cases (MSG-01..03): who may write to whom, sending, reading, reporting.

The rules, in one place:

- Two users may start a thread when one applied to a project of the other, when a contract
  joins them, or when the recipient has a public profile card (every user with a marketplace
  role has one, with a message button). Once a thread exists, both participants may always
  write in it. Nobody writes to themselves.
- Only the two participants can read a thread or anything in it; to anyone else a thread or a
  message id is :class:`~core.errors.NotFound`, the same answer as for one that does not exist.
- Before an accepted contract joins them, contact details and payment handles
  (:mod:`core.circumvention`) are masked in what the recipient gets and the message is flagged
  to the support queue (MSG-03); the caller warns the sender why paying outside the platform
  is not allowed (PAY-06). The message is still delivered (decided), masked. A pair that is
  hired direct or Bring-a-Client (PAY-06, :func:`_exempt`) is never masked or flagged.
- A participant may report the other's message once, with a reason (MSG-02); it goes to the
  support queue. Nobody reports their own message.
- A suspended user (ACC-02) can read threads and report messages, but not write.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from core.accounts import User, ensure_can_act
from core.circumvention import Finding, mask, scan
from core.errors import N_, Conflict, Forbidden, NotFound
from core.messages import (
    THREAD_NOT_FOUND,
    Message,
    MessageKind,
    Relation,
    Thread,
    validate_text,
)
from core.projects import Page
from core.support import ItemKind, QueueItem, validate_reason

if TYPE_CHECKING:
    from core.ports import UnitOfWork

__all__ = [
    "Content",
    "Relayed",
    "ensure_may_write",
    "message_for",
    "report_message",
    "reportable",
    "send",
    "thread_for",
    "thread_messages",
    "threads",
]

USER_NOT_FOUND = N_("There is no such user.")


@dataclass(frozen=True, slots=True)
class Content:
    """What a user sends: text, or a document or photo with an optional caption."""

    kind: MessageKind
    text: str = ""
    file_id: str | None = None
    file_name: str | None = None


@dataclass(frozen=True, slots=True)
class Relayed:
    """A stored message, its thread, its recipient, and what was masked (empty: nothing)."""

    message: Message
    thread: Thread
    recipient: User
    findings: tuple[Finding, ...]

    @property
    def flagged(self) -> bool:
        """Whether contact details were masked and support was told."""
        return bool(self.findings)


async def _other_user(uow: UnitOfWork, sender: User, recipient_id: int) -> User:
    if recipient_id == sender.id:
        raise Conflict(N_("You cannot write to yourself."))
    recipient = await uow.users.get(recipient_id)
    if recipient is None:
        raise NotFound(USER_NOT_FOUND)
    return recipient


async def _writable(uow: UnitOfWork, sender: User,
                    recipient_id: int) -> tuple[User, Thread | None, Relation]:
    """The recipient, the pair's thread (if any) and their relation, if ``sender`` may write."""
    ensure_can_act(sender)
    recipient = await _other_user(uow, sender, recipient_id)
    thread = await uow.relay.thread_between(sender.id, recipient.id)
    relation = await uow.relay.relation(sender.id, recipient.id)
    if thread is None and not (relation.application or relation.contract
                               or recipient.is_onboarded):
        raise Forbidden(N_("You can write to someone after an application, a contract, "
                           "or from their public profile."))
    return recipient, thread, relation


async def _exempt(uow: UnitOfWork, a: int, b: int) -> bool:
    """PAY-06: a pair hired direct or Bring-a-Client may exchange contact details (MSG-03)."""
    return await uow.payouts.pair_exempt(a, b)


async def ensure_may_write(uow: UnitOfWork, sender: User, recipient_id: int) -> User:
    """The recipient, if ``sender`` may write to them now (an existing thread or a relation)."""
    recipient, _thread, _relation = await _writable(uow, sender, recipient_id)
    return recipient


async def send(uow: UnitOfWork, sender: User, recipient_id: int, content: Content,
               now: datetime) -> Relayed:
    """Store ``content`` in the pair's thread (opening it if needed), masked if it must be."""
    recipient, thread, relation = await _writable(uow, sender, recipient_id)
    if content.kind is not MessageKind.TEXT and not content.file_id:
        raise ValueError("a document or photo needs its file id")
    is_text = content.kind is MessageKind.TEXT or content.text.strip()
    text = validate_text(content.text) if is_text else ""
    if thread is None:
        thread = await uow.relay.add_thread(Thread(sender.id, recipient.id, created_at=now))
    exempt = relation.contract or await _exempt(uow, sender.id, recipient.id)  # PAY-06
    findings = () if exempt else tuple(scan(text))
    # MSG-03: a document's name is written for the recipient too (masked when they read it)
    named = () if exempt or not content.file_name else tuple(scan(content.file_name))
    assert thread.id is not None
    message = await uow.relay.add_message(Message(
        thread_id=thread.id, sender_id=sender.id, kind=content.kind, created_at=now, text=text,
        delivered=mask(text, list(findings)), file_id=content.file_id,
        file_name=content.file_name, flagged=bool(findings or named)))
    findings += named
    thread.last_message_at = now
    await uow.relay.touch_thread(thread.id, now)
    if findings:
        kinds = ",".join(sorted({finding.kind.value for finding in findings}))
        await uow.support.add_item(QueueItem(
            kind=ItemKind.FLAG, subject_id=sender.id, reason=kinds, created_at=now,
            message_id=message.id, thread_id=thread.id))
    return Relayed(message, thread, recipient, findings)


async def thread_for(uow: UnitOfWork, user: User, thread_id: int) -> Thread:
    """The thread, if ``user`` is one of its two participants (else NotFound)."""
    thread = await uow.relay.get_thread(thread_id)
    if thread is None:
        raise NotFound(THREAD_NOT_FOUND)
    thread.ensure_participant(user.id)
    return thread


async def message_for(uow: UnitOfWork, user: User, message_id: int) -> tuple[Message, Thread]:
    """A message and its thread, if ``user`` takes part in that thread (else NotFound)."""
    message = await uow.relay.get_message(message_id)
    if message is None:
        raise NotFound(THREAD_NOT_FOUND)
    return message, await thread_for(uow, user, message.thread_id)


async def threads(uow: UnitOfWork, user: User, page: int, size: int) -> Page[Thread]:
    """The user's threads, the most recently active first."""
    return await uow.relay.threads_of(user.id, max(0, page), size)


async def thread_messages(uow: UnitOfWork, user: User, thread_id: int, page: int,
                          size: int) -> tuple[Thread, Page[Message]]:
    """A page of a thread's messages (page 0 holds the newest), for a participant only."""
    thread = await thread_for(uow, user, thread_id)
    assert thread.id is not None
    return thread, await uow.relay.messages(thread.id, max(0, page), size)


async def reportable(uow: UnitOfWork, reporter: User,
                     message_id: int) -> tuple[Message, Thread]:
    """The message and its thread, if ``reporter`` may report it now (MSG-02; also while
    suspended, ACC-02)."""
    message, thread = await message_for(uow, reporter, message_id)
    if message.sender_id == reporter.id:
        raise Conflict(N_("You cannot report your own message."))
    if await uow.support.reported(reporter.id, message_id):
        raise Conflict(N_("You have already reported this message; support will look at it."))
    return message, thread


async def report_message(uow: UnitOfWork, reporter: User, message_id: int, reason: str,
                         now: datetime) -> QueueItem:
    """MSG-02: a participant reports the other's message to support, once, with a reason."""
    message, thread = await reportable(uow, reporter, message_id)
    return await uow.support.add_item(QueueItem(
        kind=ItemKind.REPORT, subject_id=message.sender_id, reason=validate_reason(reason),
        created_at=now, reporter_id=reporter.id, message_id=message.id, thread_id=thread.id))
