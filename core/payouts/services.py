"""The freelancer's payout use cases: legal name, methods, requesting and cancelling payouts.

Money moves only through :func:`core.services.ledger.transfer`, keyed per payout:
``payout-request:<id>`` (available -> payouts in flight, at the request: the money cannot be
spent twice), ``payout-back:<id>`` (in flight -> available: cancelled, refused, failed or
returned) and ``payout-paid:<id>`` (in flight -> the outside world, the method's fee to the
platform; see :mod:`core.payouts.operations`). Services never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from core.accounts import User
from core.errors import N_, Conflict, Forbidden, InvalidInput, NotFound
from core.money import Money, format_money
from core.payouts.calendar import format_instant, processing_day
from core.payouts.methods import (
    WIRE_MINIMUM,
    MethodKind,
    PayoutMethod,
    allowed_kinds,
    method_fee,
    names_match,
    validate_details,
    validate_holder,
)
from core.payouts.model import Payout, PayoutProfile
from core.payouts.policy import current
from core.payouts.states import PayoutAction, PayoutActor, PayoutState
from core.ports import UnitOfWork
from core.services.ledger import Leg, available_account, payout_account, transfer

__all__ = [
    "Quote",
    "add_method",
    "back_to_available",
    "cancel",
    "ensure_active",
    "quote",
    "remove_method",
    "request_payout",
    "set_legal_name",
]

METHOD_NOT_FOUND = N_("That payout method does not exist or is not yours.")
PAYOUT_NOT_FOUND = N_("That payout does not exist or is not yours.")
SUSPENDED = N_("Your account is suspended, so it cannot request payouts. Contact support. "
               "Reason: {reason}")
ON_HOLD = N_("Payouts are on a security hold until {until} because your payout details "
             "changed recently.")
TOO_MUCH = N_("You can withdraw at most {available} (your available balance). Pending money "
              "cannot be withdrawn until it clears.")
WIRE_TOO_SMALL = N_("A wire transfer is only for payouts above {minimum}.")
NOT_ALLOWED = N_("This payout method is not available for your country.")
WRONG_CURRENCY = N_("This method pays out in {currency}; you have no {currency} to withdraw.")
BELOW_FEE = N_("The amount must be more than the method's fee of {fee}.")
NOT_POSITIVE = N_("The amount must be more than zero.")


async def _hold(uow: UnitOfWork, user_id: int, now: datetime) -> PayoutProfile:
    """HOLD-02: a change of payout details starts the security hold from ``now``."""
    profile = await uow.payouts.profile(user_id)
    profile.hold_until = now + current().method_hold
    await uow.payouts.save_profile(profile)
    return profile


async def set_legal_name(uow: UnitOfWork, user: User, name: str,
                         now: datetime) -> PayoutProfile:
    """The account's full legal name (PAY-03); changing it starts the HOLD-02 hold."""
    ensure_active(user)
    legal = validate_holder(name)
    profile = await uow.payouts.profile(user.id)
    profile.legal_name = legal
    await uow.payouts.save_profile(profile)
    return await _hold(uow, user.id, now)


async def _country(uow: UnitOfWork, user_id: int) -> str | None:
    profile = await uow.market.profiles.freelancer(user_id)
    return profile.country if profile is not None else None


async def add_method(uow: UnitOfWork, user: User, kind: MethodKind, holder: str, details: str,
                     now: datetime, replaces: int | None = None) -> PayoutMethod:
    """A new method (or a new version of ``replaces``); starts the HOLD-02 hold."""
    ensure_active(user)
    if kind not in allowed_kinds(await _country(uow, user.id), current().unserved_countries):
        raise Forbidden(NOT_ALLOWED)
    method = PayoutMethod(id=None, user_id=user.id, kind=kind, holder=validate_holder(holder),
                          details=validate_details(kind, details), created_at=now)
    if replaces is not None:
        await remove_method(uow, user, replaces)
    method = await uow.payouts.add_method(method)
    await _hold(uow, user.id, now)
    return method


async def own_method(uow: UnitOfWork, user: User, method_id: int) -> PayoutMethod:
    """The user's own live method, or :class:`NotFound` (also for anyone else's)."""
    method = await uow.payouts.method(method_id)
    if method is None or method.user_id != user.id or method.removed:
        raise NotFound(METHOD_NOT_FOUND)
    return method


async def remove_method(uow: UnitOfWork, user: User, method_id: int) -> PayoutMethod:
    """Removes one of the user's methods (payouts already requested keep their copy)."""
    method = await own_method(uow, user, method_id)
    method.removed = True
    await uow.payouts.save_method(method)
    return method


@dataclass(frozen=True, slots=True)
class Quote:
    """What a payout would be: amount, fee, what arrives, its day, whether it is flagged."""

    method: PayoutMethod
    amount: Money
    fee: Money
    process_on: date
    flagged: bool  # PAY-03: the holder is not the legal name
    managed_service: bool = False  # PAY-02: the Interac fee applies (a managed-service contract)

    @property
    def arrives(self) -> Money:
        """The amount less the fee."""
        return self.amount - self.fee


def ensure_active(user: User) -> None:
    """PAY-05: a suspended account requests no payout (and changes no payout details)."""
    if user.is_suspended:
        raise Forbidden(SUSPENDED, reason=user.suspended_reason)


async def quote(uow: UnitOfWork, user: User, method_id: int, amount: Money | None,
                now: datetime, language: str = "en") -> Quote:
    """Check every PAY refusal for ``amount`` (None: all available) and price the payout."""
    ensure_active(user)  # PAY-05
    method = await own_method(uow, user, method_id)
    profile = await uow.payouts.profile(user.id)
    if profile.on_hold(now):  # HOLD-02
        assert profile.hold_until is not None
        raise Conflict(ON_HOLD, until=format_instant(profile.hold_until, language))
    available = await uow.ledger.balance(available_account(user.id, method.currency))
    if amount is None:
        amount = available
    if amount.currency != method.currency:
        raise InvalidInput(WRONG_CURRENCY, currency=method.currency)
    if not amount.is_positive:
        raise InvalidInput(NOT_POSITIVE)
    if amount > available:  # PAY-01
        raise InvalidInput(TOO_MUCH, available=format_money(available, language))
    policy = current()
    if method.kind is MethodKind.WIRE and amount <= WIRE_MINIMUM:  # PAY-02
        raise InvalidInput(WIRE_TOO_SMALL, minimum=format_money(WIRE_MINIMUM, language))
    if method.kind not in allowed_kinds(await _country(uow, user.id), policy.unserved_countries):
        raise Forbidden(NOT_ALLOWED)
    managed = (method.kind is MethodKind.INTERAC
               and await uow.payouts.managed_service(user.id, method.currency))
    fee = method_fee(method.kind, managed_service=managed)
    if amount <= fee:
        raise InvalidInput(BELOW_FEE, fee=format_money(fee, language))
    day = processing_day(now, policy.holidays_country, policy.cutoff)  # PAY-04
    return Quote(method, amount, fee, day, not names_match(method.holder, profile.legal_name),
                 managed)


async def request_payout(uow: UnitOfWork, user: User, method_id: int, amount: Money | None,
                         now: datetime, language: str = "en") -> Payout:
    """PAY-01/04/03: take the money into "payouts in flight" and schedule (or flag) it."""
    offer = await quote(uow, user, method_id, amount, now, language)
    payout = await uow.payouts.add(Payout(
        id=None, user_id=user.id, method_id=method_id, method_kind=offer.method.kind,
        method_masked=offer.method.masked, amount=offer.amount, fee=offer.fee,
        state=PayoutState.REQUESTED, requested_at=now, process_on=offer.process_on,
        updated_at=now))
    assert payout.id is not None
    currency = offer.amount.currency
    await transfer(uow, key=f"payout-request:{payout.id}", kind="payout_request", at=now,
                   legs=Leg(available_account(user.id, currency),
                            payout_account(user.id, currency), offer.amount))
    action = PayoutAction.FLAG if offer.flagged else PayoutAction.SCHEDULE
    payout.move(action, PayoutActor.SYSTEM, now)
    await _save(uow, payout)
    return payout


async def _save(uow: UnitOfWork, payout: Payout) -> None:
    if not await uow.payouts.save(payout):
        raise Conflict(N_("This payout changed meanwhile; open /payouts again."))
    payout.version += 1


async def back_to_available(uow: UnitOfWork, payout: Payout, now: datetime) -> None:
    """The whole amount returns from "payouts in flight" to available, once per payout."""
    assert payout.id is not None
    currency = payout.amount.currency
    await transfer(uow, key=f"payout-back:{payout.id}", kind="payout_back", at=now,
                   legs=Leg(payout_account(payout.user_id, currency),
                            available_account(payout.user_id, currency), payout.amount),
                   memo=payout.reason or "")


async def own_payout(uow: UnitOfWork, user: User, payout_id: int) -> Payout:
    """The user's own payout, or :class:`NotFound`."""
    payout = await uow.payouts.get(payout_id)
    if payout is None or payout.user_id != user.id:
        raise NotFound(PAYOUT_NOT_FOUND)
    return payout


async def cancel(uow: UnitOfWork, user: User, payout_id: int, now: datetime) -> Payout:
    """The freelancer cancels a payout not yet sent: the money returns to available."""
    payout = await own_payout(uow, user, payout_id)
    payout.move(PayoutAction.CANCEL, PayoutActor.OWNER, now)
    await _save(uow, payout)
    await back_to_available(uow, payout, now)
    return payout
