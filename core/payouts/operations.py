"""Support's and the provider's side of payouts: confirm or refuse flagged ones, send, settle.

- PAY-03: support confirms a flagged payout (it is scheduled for the next business day) or
  refuses it (the money returns to available, with the reason).
- The payout tick (:func:`send_due`) hands each scheduled payout due today to the configured
  :class:`~core.payouts.provider.PayoutProvider` with the payout id as the idempotency key, and
  records the provider's reference. A payout already recorded as sent is never handed over
  again; a crash after the provider accepted but before the record is committed is harmless,
  because the provider answers the repeated key with the original reference.
- Settling: paid moves the money from "payouts in flight" to the outside world (the method's
  fee to the platform's fees), ``payout-paid:<id>``; failed or returned moves it back to
  available, ``payout-back:<id>``. Every step is audited by the payout's state history and
  the caller's support log.
"""

from __future__ import annotations

from datetime import datetime

from core.accounts import User
from core.errors import N_, NotFound
from core.payouts.calendar import processing_day
from core.payouts.model import Payout
from core.payouts.policy import current
from core.payouts.provider import PayoutProvider, ProviderStatus
from core.payouts.services import _save, back_to_available
from core.payouts.states import PayoutAction, PayoutActor, PayoutState
from core.ports import UnitOfWork
from core.services.ledger import Leg, fees_account, gateway_account, payout_account, transfer
from core.support import ensure_staff

__all__ = ["confirm", "due_today", "fail", "load", "mark_sent", "record_status", "refuse",
           "send_due", "settle_paid"]

NOT_FOUND = N_("There is no payout #{id}.")


async def load(uow: UnitOfWork, payout_id: int) -> Payout:
    """Any payout by id (support), or :class:`NotFound`."""
    payout = await uow.payouts.get(payout_id)
    if payout is None:
        raise NotFound(NOT_FOUND, id=payout_id)
    return payout


async def confirm(uow: UnitOfWork, staff: User, payout_id: int, now: datetime) -> Payout:
    """PAY-03: support confirms the holder; the payout is scheduled (PAY-04)."""
    ensure_staff(staff)
    payout = await load(uow, payout_id)
    payout.move(PayoutAction.CONFIRM, PayoutActor.SUPPORT, now)
    policy = current()
    payout.process_on = max(payout.process_on,
                            processing_day(now, policy.holidays_country, policy.cutoff))
    await _save(uow, payout)
    return payout


async def refuse(uow: UnitOfWork, staff: User, payout_id: int, reason: str,
                 now: datetime) -> Payout:
    """PAY-03: support refuses a flagged payout; the money returns to available."""
    ensure_staff(staff)
    payout = await load(uow, payout_id)
    payout.move(PayoutAction.REFUSE, PayoutActor.SUPPORT, now)
    payout.reason = reason
    await _save(uow, payout)
    await back_to_available(uow, payout, now)
    return payout


async def settle_paid(uow: UnitOfWork, payout: Payout, now: datetime) -> None:
    """The money leaves for the outside world; the method's fee goes to the platform."""
    assert payout.id is not None
    currency = payout.amount.currency
    source = payout_account(payout.user_id, currency)
    legs = [Leg(source, gateway_account(currency), payout.arrives)]
    if payout.fee.is_positive:
        legs.append(Leg(source, fees_account(currency), payout.fee))
    await transfer(uow, key=f"payout-paid:{payout.id}", kind="payout_paid", at=now, legs=legs,
                   memo=payout.reference or "")


async def mark_sent(uow: UnitOfWork, staff: User, payout_id: int, reference: str,
                    now: datetime) -> Payout:
    """Manual provider: support sent the money by hand; the payout is paid."""
    ensure_staff(staff)
    payout = await load(uow, payout_id)
    payout.move(PayoutAction.SEND, PayoutActor.SUPPORT, now)
    payout.reference = reference
    payout.move(PayoutAction.PAY, PayoutActor.SUPPORT, now)
    await _save(uow, payout)
    await settle_paid(uow, payout, now)
    return payout


async def fail(uow: UnitOfWork, payout: Payout, reason: str, now: datetime,
               actor: PayoutActor = PayoutActor.SYSTEM, returned: bool = False) -> Payout:
    """Failed (or returned): the money goes back to available with the reason."""
    payout.move(PayoutAction.RETURN if returned else PayoutAction.FAIL, actor, now)
    payout.reason = reason
    await _save(uow, payout)
    await back_to_available(uow, payout, now)
    return payout


async def due_today(uow: UnitOfWork, at: datetime, limit: int = 20) -> list[Payout]:
    """Scheduled payouts whose business day has come (support's queue; the tick's work)."""
    return await uow.payouts.in_states(frozenset({PayoutState.SCHEDULED}), due_on=at.date(),
                                       limit=limit)


async def send_due(uow: UnitOfWork, provider: PayoutProvider, at: datetime,
                   limit: int = 1) -> list[Payout]:
    """The payout tick: send the next due payouts through an automatic provider."""
    sent = []
    for payout in await due_today(uow, at, limit):
        method = await uow.payouts.method(payout.method_id)
        assert method is not None and payout.id is not None
        reference = await provider.send(payout, method)
        payout.move(PayoutAction.SEND, PayoutActor.SYSTEM, at)
        payout.reference = reference
        await _save(uow, payout)
        sent.append(payout)
    return sent


async def record_status(uow: UnitOfWork, payout: Payout, status: ProviderStatus,
                        at: datetime) -> Payout | None:
    """Apply what the provider reports of a sent payout; None when nothing changed."""
    if payout.state is not PayoutState.SENT or status.state is PayoutState.SENT:
        return None
    if status.state is PayoutState.PAID:
        payout.move(PayoutAction.PAY, PayoutActor.SYSTEM, at)
        await _save(uow, payout)
        await settle_paid(uow, payout, at)
        return payout
    return await fail(uow, payout, status.reason or status.state.value, at,
                      returned=status.state is PayoutState.RETURNED)
