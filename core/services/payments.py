"""Top-ups: open an intent, answer the gateway's checkout, credit its payment exactly once.

These are the use cases behind ``/topup`` and the gateway's callbacks; the domain and its
rules are in :mod:`core.payments`. Every function works inside the caller's unit of work and
never commits. Crediting goes through :func:`core.services.ledger.top_up`, that is through the
ledger's one :func:`~core.services.ledger.transfer`: gateway clearing -> the payer's wallet,
keyed ``topup:<charge id>``, so a repeated report of one charge moves money once.
"""

from __future__ import annotations

from datetime import datetime

from core.accounts import User, ensure_can_act
from core.errors import InvalidInput
from core.ledger import AccountKind, IdempotencyConflict, PostedTransaction
from core.money import AMOUNT_OVER_MAXIMUM, AMOUNT_ZERO, Money, format_money
from core.payments import (
    Checkout,
    GatewayPayment,
    Settlement,
    TopUpIntent,
    check_checkout,
    parse_payload,
    topup_maximum,
)
from core.ports import UnitOfWork
from core.services.ledger import top_up, wallet_account

__all__ = ["approve_checkout", "open_top_up", "settle_payment", "topup_key"]


def topup_key(charge_id: str) -> str:
    """The ledger's idempotency key for a gateway charge (as :func:`top_up` makes it)."""
    return f"topup:{charge_id}"


async def open_top_up(uow: UnitOfWork, user: User, amount: Money, gateway: str,
                      at: datetime, locale: str = "en") -> TopUpIntent:
    """Record the user's wish to add ``amount`` to their wallet; the gateway invoices it.

    Raises:
        Forbidden: the user is suspended (ACC-02).
        InvalidInput: the amount is not positive or above :func:`topup_maximum`.
    """
    ensure_can_act(user)
    if not amount.is_positive:
        raise InvalidInput(AMOUNT_ZERO)
    maximum = topup_maximum(amount.currency)
    if amount > maximum:
        raise InvalidInput(AMOUNT_OVER_MAXIMUM, maximum=format_money(maximum, locale))
    return await uow.payments.add(TopUpIntent(id=None, user_id=user.id, amount=amount,
                                              gateway=gateway, created_at=at))


async def approve_checkout(uow: UnitOfWork, user: User, checkout: Checkout) -> TopUpIntent:
    """The intent this checkout pays, or a :class:`~core.errors.DomainError` saying why not.

    One short read: the gateway needs the answer within seconds (Telegram: 10 s).
    """
    claimed = parse_payload(checkout.payload)
    intent = await uow.payments.get(claimed[0]) if claimed else None
    return check_checkout(user, checkout, intent)


async def settle_payment(uow: UnitOfWork, payment: GatewayPayment,
                         at: datetime) -> Settlement:
    """Credit the payer's wallet with a received payment, once per charge id.

    The money has moved already, so nothing here refuses it: the payer's wallet is credited
    with what was charged even when the payload names no intent of theirs or another amount
    (each such oddity is listed in :attr:`Settlement.anomalies`). A charge credited before is
    not credited again (``replayed``).
    """
    amount = payment.amount
    intent, anomalies = await _matching_intent(uow, payment)
    try:
        tx = await top_up(uow, user_id=payment.payer_id, amount=amount,
                          charge_id=payment.charge_id, at=at)
    except IdempotencyConflict:
        original = await uow.ledger.get(topup_key(payment.charge_id))
        assert original is not None, "a conflicting key exists"
        return Settlement(original, _credited(original), await _wallet(uow, payment),
                          await uow.payments.by_charge(payment.charge_id), replayed=True,
                          anomalies=(*anomalies, f"charge {payment.charge_id} was credited "
                                     "before with other content; nothing moved"))
    if tx.replayed:
        intent = await uow.payments.by_charge(payment.charge_id)
    elif intent is not None:
        paid = intent.paid(payment.charge_id, payment.provider_charge_id, at)
        if await uow.payments.mark_paid(paid):
            intent = paid
        else:
            anomalies.append(f"intent {intent.id} was paid before; charge "
                             f"{payment.charge_id} credited as an extra top-up")
            intent = None
    return Settlement(tx, amount, await _wallet(uow, payment), intent, tx.replayed,
                      tuple(anomalies))


async def _matching_intent(uow: UnitOfWork,
                           payment: GatewayPayment) -> tuple[TopUpIntent | None, list[str]]:
    """The payer's open intent the payload names, and what did not match."""
    claimed = parse_payload(payment.payload)
    intent = await uow.payments.get(claimed[0]) if claimed else None
    if intent is None:
        return None, [f"payload {payment.payload!r} names no intent"]
    if intent.user_id != payment.payer_id:
        return None, [f"intent {intent.id} belongs to user {intent.user_id}, "
                      f"paid by {payment.payer_id}"]
    if intent.amount != payment.amount:
        return intent, [f"intent {intent.id} is for {intent.amount}, paid {payment.amount}"]
    return intent, []


def _credited(tx: PostedTransaction) -> Money:
    """What ``tx`` put into a client wallet."""
    return next(p.amount for p in tx.postings
                if p.account.kind is AccountKind.CLIENT_WALLET and p.amount.is_positive)


async def _wallet(uow: UnitOfWork, payment: GatewayPayment) -> Money:
    """The payer's wallet balance in the payment's currency."""
    return await uow.ledger.balance(wallet_account(payment.payer_id, payment.currency))
