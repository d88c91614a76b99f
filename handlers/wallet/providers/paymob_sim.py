"""A local Paymob: Intention API, transaction inquiry, wallet disbursement, and Transaction
Processed callbacks signed with HMAC-SHA512 over the documented 20 fields. Can also produce
duplicate, late (old created_at) and forged callbacks, and failing payouts."""
from __future__ import annotations

import itertools
import secrets
from datetime import datetime, timezone
from typing import Any

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
        self.fail_payouts_to: set[str] = set()
        self._ids = itertools.count(217_500_001)
        self._txn = itertools.count(190_000_001)
        self.app.router.add_post("/v1/intention/", self._intention)
        self.app.router.add_post("/api/ecommerce/orders/transaction_inquiry", self._inquiry)
        self.app.router.add_post("/api/secure/disburse/", self._disburse)

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
        return web.json_response({
            "id": f"pi_test_{secrets.token_hex(8)}", "intention_order_id": order_id,
            "client_secret": f"egy_csk_test_{secrets.token_hex(12)}", "status": "intended",
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
        return await self.post(self.callback_url + CALLBACK_PATH, json=body, params=params)
