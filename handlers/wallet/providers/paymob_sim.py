"""A local Paymob: Intention API, transaction inquiry, wallet disbursement, and Transaction
Processed callbacks signed with HMAC-SHA512 over the documented 20 fields. Can also produce
duplicate, late (old created_at) and forged callbacks, and failing payouts."""
from __future__ import annotations

import itertools
import secrets
from datetime import datetime, timezone
from typing import Any

import html

from aiohttp import web

from handlers.wallet.providers.paymob import transaction_hmac
from handlers.wallet.providers.simbase import SimulatorBase

CALLBACK_PATH = "/v1/payments/paymob/callback"


class PaymobSimulator(SimulatorBase):
    def __init__(self, secret_key: str, hmac_secret: str, integration_id: int):
        super().__init__()
        self.secret_key = secret_key
        self.hmac_secret = hmac_secret
        self.integration_id = integration_id
        self.orders: dict[int, dict[str, Any]] = {}      # order id -> intention
        self.by_reference: dict[str, int] = {}           # special_reference -> order id
        self.transactions: dict[int, dict[str, Any]] = {}  # order id -> last transaction obj
        self.payouts: list[dict] = []
        self.secrets: dict[str, int] = {}                 # client_secret -> order id
        self.fail_payouts_to: set[str] = set()
        self._ids = itertools.count(217_500_001)
        self._txn = itertools.count(190_000_001)
        self.app.router.add_post("/v1/intention/", self._intention)
        self.app.router.add_post("/api/ecommerce/orders/transaction_inquiry", self._inquiry)
        self.app.router.add_post("/api/secure/disburse/", self._disburse)
        self.app.router.add_get("/unifiedcheckout/", self._checkout)
        self.app.router.add_post("/unifiedcheckout/", self._checkout_submit)

    def _authorised(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Token {self.secret_key}"

    async def _intention(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"detail": "Authentication credentials were not provided."},
                                     status=401)
        b = await request.json()
        if self.integration_id not in b.get("payment_methods", []):
            return web.json_response({"detail": "Integration ID/Name does not exist"},
                                     status=404)
        order_id = next(self._ids)
        self.orders[order_id] = {"amount": int(b["amount"]), "currency": b["currency"],
                                 "reference": b.get("special_reference"),
                                 "phone": b.get("billing_data", {}).get("phone_number")}
        self.by_reference[b.get("special_reference")] = order_id
        client_secret = f"egy_csk_test_{secrets.token_hex(12)}"
        self.secrets[client_secret] = order_id
        return web.json_response({
            "id": f"pi_test_{secrets.token_hex(8)}", "intention_order_id": order_id,
            "client_secret": client_secret, "status": "intended",
            "payment_keys": [{"integration": self.integration_id, "order_id": order_id}],
            "amount": b["amount"], "currency": b["currency"]}, status=201)

    async def _inquiry(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"detail": "unauthorised"}, status=401)
        b = await request.json()
        txn = self.transactions.get(int(b.get("order_id", 0)))
        return web.json_response(txn or {})

    async def _disburse(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"detail": "unauthorised"}, status=401)
        b = await request.json()
        self.payouts.append(b)
        ok = b.get("msisdn") not in self.fail_payouts_to
        return web.json_response({"transaction_id": f"dsb-{next(self._txn)}",
                                  "disbursement_status": "successful" if ok else "failed",
                                  "status_code": "200" if ok else "618",
                                  "status_description": "" if ok else
                                  "Wallet is not registered or is not active"})

    # --- the hosted checkout page (the `checkout_url` an app opens) -------------------------
    async def _checkout(self, request: web.Request) -> web.Response:
        order_id = self.secrets.get(request.query.get("clientSecret", ""))
        if order_id is None:
            return web.Response(status=404, text="Unknown or expired checkout")
        o = self.orders[order_id]
        secret = html.escape(request.query["clientSecret"])
        done = o.get("result")
        body = (f"<p>Payment {html.escape(done)}.</p>" if done else
                f'<form method="post" action="?clientSecret={secret}">'
                '<button name="action" value="pay">Pay</button> '
                '<button name="action" value="decline">Decline</button></form>')
        return web.Response(content_type="text/html", text=(
            "<!doctype html><meta charset=utf-8><title>Paymob checkout (simulator)</title>"
            f"<h1>Pay EGP {o['amount'] / 100:.2f}</h1><p>Order {order_id}, reference "
            f"{html.escape(str(o['reference']))}. This is the development simulator: Pay "
            f"sends the signed Transaction Processed callback a real payment would.</p>{body}"))

    async def _checkout_submit(self, request: web.Request) -> web.Response:
        order_id = self.secrets.get(request.query.get("clientSecret", ""))
        if order_id is None:
            return web.Response(status=404, text="Unknown or expired checkout")
        action = (await request.post()).get("action")
        status, answer = await self.complete(order_id, success=action == "pay")
        self.orders[order_id]["result"] = (f"{'paid' if action == 'pay' else 'declined'}; "
                                           f"the merchant answered {status}")
        raise web.HTTPSeeOther(f"/unifiedcheckout/?clientSecret={request.query['clientSecret']}")

    async def complete(self, order_id: int, *, success: bool = True) -> tuple[int, Any]:
        """The customer paid (or declined) on the checkout page: the signed callback goes out."""
        params, body = self.pay(order_id, success=success)
        return await self.send(params, body)

    # --- the customer confirms in their wallet; Paymob calls back -------------------------
    def order_for(self, reference: str) -> int:
        return self.by_reference[reference]

    def pay(self, order_id: int, *, success: bool = True, amount: int | None = None,
            created_at: datetime | None = None, forge: bool = False,
            wallet: str = "vodafone") -> tuple[dict, dict]:
        """The wallet payment completed (or failed); returns (query params, JSON body)."""
        o = self.orders[order_id]
        created = (created_at or datetime.now(timezone.utc)).replace(tzinfo=None)
        obj = {
            "id": next(self._txn), "pending": False, "amount_cents": o["amount"]
            if amount is None else amount, "success": success, "is_auth": False,
            "is_capture": False, "is_standalone_payment": True, "is_voided": False,
            "is_refunded": False, "is_3d_secure": False, "integration_id": self.integration_id,
            "profile_id": 1, "has_parent_transaction": False,
            "order": {"id": order_id, "merchant_order_id": o["reference"],
                      "amount_cents": o["amount"], "currency": "EGP"},
            "created_at": created.isoformat(), "currency": "EGP",
            "source_data": {"type": "wallet", "pan": o.get("phone") or "01000000000",
                            "sub_type": "wallet"},
            "error_occured": not success, "owner": 4001, "data": {"wallet_issuer": wallet}}
        if created_at is None:  # the real, current transaction is what inquiry returns
            self.transactions[order_id] = obj
        secret = "forged-secret" if forge else self.hmac_secret
        return {"hmac": transaction_hmac(obj, secret)}, {"type": "TRANSACTION", "obj": obj}

    async def send(self, params: dict, body: dict) -> tuple[int, Any]:
        return await self.post(self.callback_target() + CALLBACK_PATH, json=body, params=params)
