"""Money entering the marketplace: top-up intents and the payment-gateway interface.

The flow, whichever gateway carries it (Telegram Payments in production; the sandbox Bot API
server simulates the same updates in tests and trials)::

    /topup 50 -> TopUpIntent (invoiced) -> the gateway asks the payer (Telegram: sendInvoice)
              -> Checkout: "may this user pay this?"   (checked by :func:`check_checkout`)
              -> GatewayPayment: the money arrived     (credited once, by charge id)
              -> TopUpIntent (paid), ledger: gateway_clearing -> client_wallet

An intent's **payload** (:func:`payload_of`) names the intent and its user. It travels through
the gateway and comes back with the checkout and the payment, where it is only a claim: the
stored intent decides. A checkout is refused (with a reason the payer reads) unless the
payload names an open intent of *this* user, the amount and currency are exactly the intent's,
and the account may act (a suspended one is refused with the suspension's reason, ACC-02).

A payment is different: the money has already moved, so it is never refused. It credits the
payer's wallet with what was actually charged, exactly once per gateway charge id (the ledger's
idempotency key), and marks the intent paid when it matches; anything odd is reported in the
:class:`Settlement` for the operators' log, not lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from core.accounts import User, ensure_can_act
from core.errors import N_, Conflict, Forbidden, InvalidInput, NotFound
from core.ledger import PostedTransaction
from core.money import Money

__all__ = [
    "ALREADY_PAID",
    "AMOUNT_MISMATCH",
    "INVOICE_UNKNOWN",
    "NOT_YOUR_INVOICE",
    "Checkout",
    "GatewayPayment",
    "InvoiceTexts",
    "PaymentGateway",
    "Settlement",
    "TopUpIntent",
    "TopUpStatus",
    "check_checkout",
    "parse_payload",
    "payload_of",
    "topup_maximum",
]

#: The largest top-up in major units of any currency (Telegram's own cap is about $10,000).
TOPUP_MAXIMUM_MAJOR = 10_000
MAX_CHARGE_ID = 255

INVOICE_UNKNOWN = N_("This invoice is no longer valid. Send /topup to get a new one.")
NOT_YOUR_INVOICE = N_("This invoice was issued to another account; it cannot be paid from "
                      "yours. Send /topup to get your own.")
ALREADY_PAID = N_("This invoice has already been paid. Send /wallet to see your balance.")
AMOUNT_MISMATCH = N_("The amount to pay does not match the invoice. Send /topup to get a new "
                     "invoice.")

_PAYLOAD = re.compile(r"topup:([1-9][0-9]{0,17}):([1-9][0-9]{0,17})")


class TopUpStatus(StrEnum):
    """Where a top-up stands."""

    INVOICED = "invoiced"  # the invoice was sent; not paid yet
    PAID = "paid"  # the money arrived and the wallet was credited


@dataclass(frozen=True, slots=True)
class TopUpIntent:
    """A user's wish to add ``amount`` to their wallet, sent to a gateway as an invoice."""

    id: int | None
    user_id: int
    amount: Money
    gateway: str
    created_at: datetime
    status: TopUpStatus = TopUpStatus.INVOICED
    paid_at: datetime | None = None
    charge_id: str | None = None
    provider_charge_id: str | None = None

    @property
    def payload(self) -> str:
        """What the invoice carries to identify this intent (and its user)."""
        if self.id is None:
            raise ValueError("an intent gets its payload once stored")
        return payload_of(self.id, self.user_id)

    def paid(self, charge_id: str, provider_charge_id: str, at: datetime) -> TopUpIntent:
        """This intent once its money arrived."""
        return replace(self, status=TopUpStatus.PAID, paid_at=at, charge_id=charge_id,
                       provider_charge_id=provider_charge_id or None)


def payload_of(intent_id: int, user_id: int) -> str:
    """``topup:<intent id>:<user id>`` (at most 128 bytes, as Telegram requires)."""
    return f"topup:{intent_id}:{user_id}"


def parse_payload(payload: str) -> tuple[int, int] | None:
    """(intent id, user id) from a payload; ``None`` if it is not one of ours."""
    match = _PAYLOAD.fullmatch(payload or "")
    return (int(match.group(1)), int(match.group(2))) if match else None


def topup_maximum(currency: str) -> Money:
    """The most one top-up may add, in ``currency``."""
    return Money.of(TOPUP_MAXIMUM_MAJOR, currency)


@dataclass(frozen=True, slots=True)
class Checkout:
    """The gateway asks whether ``payer_id`` may pay ``total_minor`` ``currency`` now."""

    payer_id: int
    payload: str
    currency: str
    total_minor: int


@dataclass(frozen=True, slots=True)
class GatewayPayment:
    """The gateway reports money received from ``payer_id``; ``charge_id`` is unique to it."""

    payer_id: int
    payload: str
    currency: str
    total_minor: int
    charge_id: str
    provider_charge_id: str = ""

    def __post_init__(self) -> None:
        if not self.charge_id or len(self.charge_id) > MAX_CHARGE_ID:
            raise ValueError(f"a payment needs a charge id of 1..{MAX_CHARGE_ID} characters")

    @property
    def amount(self) -> Money:
        """What was charged (raises ``ValueError`` for an unknown currency)."""
        return Money(self.total_minor, self.currency)


@dataclass(frozen=True, slots=True)
class Settlement:
    """What crediting a payment did.

    ``replayed``: the charge id was credited before, nothing moved this time. ``intent`` is the
    intent it paid (``None`` when the payload named none of the payer's open intents);
    ``anomalies`` say what did not match, for the operators' log.
    """

    transaction: PostedTransaction
    amount: Money
    balance: Money
    intent: TopUpIntent | None
    replayed: bool
    anomalies: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class InvoiceTexts:
    """The words of an invoice, already in the payer's language."""

    title: str  # Telegram: 1-32 characters
    description: str  # Telegram: 1-255 characters
    label: str  # the price line


class PaymentGateway(Protocol):
    """How money enters: a gateway asks the payer to pay an intent and reports back.

    Telegram Payments (``handlers.wallet.TelegramPayments``) is the production gateway: its
    request is a ``sendInvoice``, and the pre_checkout_query and successful_payment it
    answers with become :class:`Checkout` and :class:`GatewayPayment`. The sandbox Bot API
    server plays Telegram's part, so tests drive the very same code.
    """

    name: str

    def request(self, intent: TopUpIntent, texts: InvoiceTexts) -> Any:
        """What to send so that the payer can pay ``intent`` (Telegram: a SendInvoice)."""


def check_checkout(user: User, checkout: Checkout, intent: TopUpIntent | None) -> TopUpIntent:
    """The intent ``checkout`` may pay, or the reason it may not (a :class:`DomainError`).

    Args:
        user: the payer as stored (ACC-02: a suspended payer is refused with the reason).
        checkout: what the gateway asks about.
        intent: the stored intent the payload names (``None`` if there is none).

    Raises:
        Forbidden: the payer is suspended, or the intent belongs to another user.
        NotFound: the payload names no stored intent.
        Conflict: the intent is already paid.
        InvalidInput: the amount or currency differs from the intent's.
    """
    ensure_can_act(user)
    claimed = parse_payload(checkout.payload)
    if claimed is None or intent is None or intent.id != claimed[0]:
        raise NotFound(INVOICE_UNKNOWN)
    if intent.user_id != checkout.payer_id or claimed[1] != checkout.payer_id:
        raise Forbidden(NOT_YOUR_INVOICE)
    if intent.status is not TopUpStatus.INVOICED:
        raise Conflict(ALREADY_PAID)
    if (checkout.currency, checkout.total_minor) != (intent.amount.currency,
                                                     intent.amount.minor):
        raise InvalidInput(AMOUNT_MISMATCH)
    return intent
