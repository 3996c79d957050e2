"""A local fake of PayPal's Payouts REST API (127.0.0.1, no network), for the adapter tests.

It speaks what :mod:`bot.paypal` uses: ``/v1/oauth2/token`` (client credentials, basic auth),
``POST /v1/payments/payouts`` (a repeated ``sender_batch_id`` is refused with
``USER_BUSINESS_ERROR`` and a link to the original, as PayPal does) and
``GET /v1/payments/payouts/<batch id>``. Faults are injected by the test: the next calls
answer 5xx, the current token expires, an item's transaction status changes.
"""

from __future__ import annotations

import base64
import itertools
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

__all__ = ["FakePayPal"]


@dataclass
class FakePayPal:
    """The fake server's state; :meth:`start` serves it on a free local port."""

    client_id: str = "client-id"
    client_secret: str = "client-secret"
    tokens_issued: int = 0
    valid_tokens: set[str] = field(default_factory=set)
    batches: dict[str, dict[str, Any]] = field(default_factory=dict)  # by sender_batch_id
    fail_next: int = 0  # the next create calls answer 500
    create_calls: int = 0
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None
    url: str = ""

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/v1/oauth2/token", self._token)
        app.router.add_post("/v1/payments/payouts", self._create)
        app.router.add_get("/v1/payments/payouts/{batch}", self._get)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def expire_tokens(self) -> None:
        """Every token issued so far is now expired (PayPal answers 401)."""
        self.valid_tokens.clear()

    def set_status(self, batch_id: str, status: str) -> None:
        """The item of ``batch_id`` now has ``transaction_status`` ``status``."""
        for batch in self.batches.values():
            if batch["id"] == batch_id:
                batch["status"] = status

    async def _token(self, request: web.Request) -> web.Response:
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        form = await request.post()
        if request.headers.get("Authorization") != f"Basic {expected}" or (
                form.get("grant_type") != "client_credentials"):
            return web.json_response({"error": "invalid_client"}, status=401)
        self.tokens_issued += 1
        token = f"token-{self.tokens_issued}"
        self.valid_tokens.add(token)
        return web.json_response({"access_token": token, "token_type": "Bearer",
                                  "expires_in": 32400})

    def _authorised(self, request: web.Request) -> bool:
        return request.headers.get("Authorization", "").removeprefix("Bearer ") in (
            self.valid_tokens)

    async def _create(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"error": "invalid_token"}, status=401)
        self.create_calls += 1
        if self.fail_next:
            self.fail_next -= 1
            return web.json_response({"name": "INTERNAL_SERVER_ERROR"}, status=500)
        body = await request.json()
        key = body["sender_batch_header"]["sender_batch_id"]
        if key in self.batches:
            batch_id = self.batches[key]["id"]
            return web.json_response({
                "name": "USER_BUSINESS_ERROR",
                "message": f"Batch with given sender_batch_id {key} already exists",
                "links": [{"href": f"{self.url}/v1/payments/payouts/{batch_id}",
                           "rel": "self", "method": "GET"}]}, status=400)
        batch_id = f"BATCH{next(self._ids)}"
        self.batches[key] = {"id": batch_id, "status": "PENDING", "items": body["items"]}
        return web.json_response({"batch_header": {
            "payout_batch_id": batch_id, "batch_status": "PENDING",
            "sender_batch_header": body["sender_batch_header"]}}, status=201)

    async def _get(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"error": "invalid_token"}, status=401)
        for batch in self.batches.values():
            if batch["id"] == request.match_info["batch"]:
                return web.json_response({
                    "batch_header": {"payout_batch_id": batch["id"], "batch_status":
                                     "SUCCESS" if batch["status"] == "SUCCESS" else "PENDING"},
                    "items": [{"transaction_status": batch["status"]}]})
        return web.json_response({"name": "INVALID_RESOURCE_ID"}, status=404)
