"""Payout methods (PAY-02): what a freelancer is paid with, validated, masked, and its limits.

- **PayPal** (the default): an e-mail; USD.
- **Payoneer**: an e-mail; USD; only when the freelancer's profile country is in the policy's
  list of countries PayPal does not serve.
- **Wire transfer**: an IBAN (validated by ``schwifty``: country format and check digits);
  USD; only for payouts above USD 2,500.00; fee USD 50.00.
- **Interac e-Transfer**: an e-mail; CAD; Canadian freelancers only; fee CAD 10.00 on
  managed-service contracts, waived on private ones: it is charged when the freelancer has an
  accepted contract in CAD that support marked managed-service (``/managed``), whatever the
  contract's state; otherwise waived (see :func:`method_fee`).

Every method records the holder's name (PAY-03 compares it with the legal name). The details
are sensitive: :func:`mask` is what every screen after entry shows (``p***@example.com``,
``DE89 **** 3000``); the full value is read only by the owner and by support confirming.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from core.accounts import validate_email, validate_name
from core.errors import N_, InvalidInput
from core.money import Money

__all__ = [
    "METHOD_CURRENCY",
    "WIRE_FEE",
    "WIRE_MINIMUM",
    "MethodKind",
    "PayoutMethod",
    "allowed_kinds",
    "mask",
    "method_fee",
    "names_match",
    "validate_holder",
    "validate_details",
]

WIRE_MINIMUM = Money(250_000, "USD")  # a wire only for payouts above this
WIRE_FEE = Money(5_000, "USD")
INTERAC_FEE = Money(1_000, "CAD")


class MethodKind(StrEnum):
    """The kinds of payout method."""

    PAYPAL = "paypal"
    PAYONEER = "payoneer"
    WIRE = "wire"
    INTERAC = "interac"


METHOD_CURRENCY: dict[MethodKind, str] = {
    MethodKind.PAYPAL: "USD", MethodKind.PAYONEER: "USD", MethodKind.WIRE: "USD",
    MethodKind.INTERAC: "CAD",
}


@dataclass(slots=True)
class PayoutMethod:
    """A stored payout method of one freelancer."""

    id: int | None
    user_id: int
    kind: MethodKind
    holder: str
    details: str  # the e-mail or the IBAN (electronic form): never logged, shown masked
    created_at: datetime
    removed: bool = False

    @property
    def currency(self) -> str:
        """What this method pays out in."""
        return METHOD_CURRENCY[self.kind]

    @property
    def masked(self) -> str:
        """The details as every screen shows them after entry."""
        return mask(self.kind, self.details)


def allowed_kinds(country: str | None, unserved: frozenset[str]) -> list[MethodKind]:
    """PAY-02: the kinds this freelancer may add, given their profile country."""
    kinds = [MethodKind.PAYPAL]
    if country in unserved:
        kinds = [MethodKind.PAYONEER]
    kinds.append(MethodKind.WIRE)
    if country == "CA":
        kinds.append(MethodKind.INTERAC)
    return kinds


def validate_details(kind: MethodKind, text: str) -> str:
    """The details typed for ``kind``, checked and normalised; refused with the reason."""
    if kind is MethodKind.WIRE:
        try:
            return IBAN(text).compact
        except SchwiftyException:
            raise InvalidInput(N_("That is not a valid IBAN. Check the country code and the "
                                  "digits, for example DE89 3704 0044 0532 0130 00.")) from None
    return validate_email(text)


def validate_holder(text: str) -> str:
    """The account holder's full name, as for any name."""
    return validate_name(text)


def mask(kind: MethodKind, details: str) -> str:
    """``p***@example.com`` for an e-mail; ``DE89 **** 3000`` for an IBAN."""
    if kind is MethodKind.WIRE:
        return f"{details[:4]} **** {details[-4:]}"
    local, _, domain = details.partition("@")
    return f"{local[:1]}***@{domain}"


def names_match(holder: str, legal_name: str | None) -> bool:
    """PAY-03: the holder is the legal name (case, accents of spacing and order ignored)."""
    if not legal_name:
        return False

    def words(name: str) -> list[str]:
        return sorted(name.casefold().replace("-", " ").split())

    return words(holder) == words(legal_name)


def method_fee(kind: MethodKind, *, managed_service: bool = False) -> Money:
    """PAY-02: the method's own fee, in its currency."""
    if kind is MethodKind.WIRE:
        return WIRE_FEE
    if kind is MethodKind.INTERAC and managed_service:
        return INTERAC_FEE
    return Money.zero(METHOD_CURRENCY[kind])
