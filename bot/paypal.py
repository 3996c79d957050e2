"""PayPal Payouts (``PAYOUT_PROVIDER=paypal``): the REST API as PayPal documents it.

- OAuth2 client credentials: ``POST /v1/oauth2/token`` with the client id and secret (HTTP
  basic auth, ``grant_type=client_credentials``); the token is kept until it expires, and a
  401 (an expired or revoked token) fetches a new one once and repeats the call.
- A payout is a batch of one item: ``POST /v1/payments/payouts`` with
  ``sender_batch_header.sender_batch_id = "payout-<id>"``. PayPal never pays one
  ``sender_batch_id`` twice: a repeat is refused (400 ``USER_BUSINESS_ERROR``) with a link to
  the original batch, whose id we take as the reference, so a crash between "sent" and
  "recorded" sends nothing twice. A 5xx is retried with the same ``sender_batch_id`` (PayPal
  says this is safe), then the tick fails and the next run tries again.
- Status: ``GET /v1/payments/payouts/<batch id>``; the item's ``transaction_status``
  SUCCESS -> paid, FAILED / BLOCKED / DENIED / REFUNDED / REVERSED -> failed, RETURNED ->
  returned (unclaimed for 30 days); anything else (PENDING, UNCLAIMED, ONHOLD) -> still sent.

The client secret and the access token are never logged; neither are the receiver's e-mail.
"""

from __future__ import annotations

import base64
import logging
import time
from typing import TYPE_CHECKING, Any

import aiohttp

from core.payouts.methods import PayoutMethod
from core.payouts.model import Payout
from core.payouts.provider import ManualProvider, PayoutProvider, ProviderStatus
from core.payouts.states import PayoutState

if TYPE_CHECKING:
    from bot.config import Settings

__all__ = ["PayPalError", "PayPalPayouts", "payout_provider"]

log = logging.getLogger(__name__)

RETRIES_5XX = 3
FAILED = {"FAILED", "BLOCKED", "DENIED", "REFUNDED", "REVERSED", "CANCELED"}


class PayPalError(Exception):
    """PayPal refused or could not be reached; the tick fails and retries on its next run."""


def payout_provider(settings: Settings) -> PayoutProvider:
    """The provider ``PAYOUT_PROVIDER`` names."""
    if settings.payout_provider == "paypal":
        return PayPalPayouts(settings.paypal_api_url,
                             settings.paypal_client_id.get_secret_value(),
                             settings.paypal_client_secret.get_secret_value())
    return ManualProvider()


def sender_batch_id(payout: Payout) -> str:
    """The idempotency key PayPal dedupes on."""
    return f"payout-{payout.id}"


class PayPalPayouts:
    """:class:`~core.payouts.provider.PayoutProvider` on PayPal's Payouts REST API."""

    name = "paypal"
    automatic = True

    def __init__(self, api_url: str, client_id: str, client_secret: str) -> None:
        self._api = api_url.rstrip("/")
        pair = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
        self._basic = {"Authorization": f"Basic {pair}"}
        self._token: str | None = None
        self._expires = 0.0

    async def _fetch_token(self, session: aiohttp.ClientSession) -> str:
        async with session.post(f"{self._api}/v1/oauth2/token", headers=self._basic,
                                data={"grant_type": "client_credentials"}) as response:
            if response.status != 200:
                raise PayPalError(f"PayPal refused the client credentials ({response.status})")
            body = await response.json()
        self._token = str(body["access_token"])
        self._expires = time.monotonic() + float(body.get("expires_in", 0)) - 60
        return self._token

    async def _call(self, method: str, path: str,
                    payload: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
        async with aiohttp.ClientSession() as session:
            token = self._token if self._token and time.monotonic() < self._expires else (
                await self._fetch_token(session))
            for attempt in range(RETRIES_5XX + 1):
                async with session.request(method, f"{self._api}{path}", json=payload,
                                           headers={"Authorization": f"Bearer {token}"}) as r:
                    status = r.status
                    body = await r.json() if r.content_type == "application/json" else {}
                if status == 401:  # an expired token: a new one, once
                    token = await self._fetch_token(session)
                    continue
                if status >= 500 and attempt < RETRIES_5XX:
                    log.warning("PayPal %s %s answered %s; retrying", method, path, status)
                    continue
                return status, body
        raise PayPalError(f"PayPal {method} {path} did not succeed")

    async def send(self, payout: Payout, method: PayoutMethod) -> str:
        """Create the batch of one item; a repeated ``sender_batch_id`` returns the original."""
        amount = payout.arrives
        payload = {
            "sender_batch_header": {"sender_batch_id": sender_batch_id(payout),
                                    "recipient_type": "EMAIL",
                                    "email_subject": "You have a payout"},
            "items": [{"recipient_type": "EMAIL", "receiver": method.details,
                       "sender_item_id": sender_batch_id(payout),
                       "amount": {"value": f"{amount.to_decimal():f}",
                                  "currency": amount.currency}}],
        }
        status, body = await self._call("POST", "/v1/payments/payouts", payload)
        if status in (200, 201):
            return str(body["batch_header"]["payout_batch_id"])
        original = _original_batch(body)
        if status == 400 and original is not None:
            log.info("payout %s was already sent as batch %s", payout.id, original)
            return original
        raise PayPalError(f"PayPal refused payout {payout.id}: {status} {body.get('name')}")

    async def status(self, payout: Payout) -> ProviderStatus:
        """The item's transaction status, as a payout state."""
        status, body = await self._call("GET", f"/v1/payments/payouts/{payout.reference}")
        if status != 200:
            raise PayPalError(f"PayPal status of payout {payout.id}: {status}")
        items = body.get("items") or [{}]
        item_status = str(items[0].get("transaction_status", "PENDING"))
        if item_status == "SUCCESS":
            return ProviderStatus(PayoutState.PAID)
        if item_status == "RETURNED":
            return ProviderStatus(PayoutState.RETURNED, "unclaimed (RETURNED)")
        if item_status in FAILED:
            reason = (items[0].get("errors") or {}).get("name") or item_status
            return ProviderStatus(PayoutState.FAILED, str(reason))
        return ProviderStatus(PayoutState.SENT)


def _original_batch(body: dict[str, Any]) -> str | None:
    """The batch id in the HATEOAS link of a duplicate ``sender_batch_id`` refusal."""
    if body.get("name") != "USER_BUSINESS_ERROR":
        return None
    for link in body.get("links") or []:
        href = str(link.get("href", ""))
        if "/v1/payments/payouts/" in href:
            return href.rstrip("/").rsplit("/", 1)[-1]
    return None
