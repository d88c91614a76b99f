"""Paymob adapter: Vodafone Cash / Orange Cash (mobile wallets) through Paymob's Intention API.

Vodafone Cash and Orange Cash publish no direct merchant API; Paymob aggregates them.
Documented format (developers.paymob.com, "Create Intention", "Transaction callbacks",
"HMAC Transaction Callback"):
- `POST /v1/intention/` with `Authorization: Token <secret key>`, amount in cents (piastres),
  `payment_methods` = [wallet integration id], `special_reference` = our merchant ref;
  the response's `intention_order_id` is the Paymob order id every callback carries;
- the Transaction Processed callback is a POST of `{"type": "TRANSACTION", "obj": {...}}` with
  `?hmac=<hex>`: HMAC-SHA512 with the HMAC secret over the values of 20 fields, concatenated
  without separators in this fixed order (booleans as `true`/`false`). `merchant_order_id`
  is not signed, so we match payments on the signed `order.id` only.
- status re-query: `POST /api/ecommerce/orders/transaction_inquiry {"order_id"}`;
- payouts to wallets: `POST /api/secure/disburse/ {amount, issuer, msisdn}`.
"""
from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timezone
from typing import Any

import aiohttp

from handlers.wallet.providers import (BadSignature, Callback, Created, PaymentRef, Payout,
                                       ProviderUnavailable, Status, signatures_match)
from handlers.wallet.providers.http import ProviderHttp
from server.errors import BadRequest

HMAC_FIELDS = ("amount_cents", "created_at", "currency", "error_occured",
               "has_parent_transaction", "id", "integration_id", "is_3d_secure", "is_auth",
               "is_capture", "is_refunded", "is_standalone_payment", "is_voided", "order.id",
               "owner", "pending", "source_data.pan", "source_data.sub_type", "source_data.type",
               "success")
METHODS = {"vodafone_cash": "vodafone", "orange_cash": "orange", "etisalat_cash": "etisalat",
           "we_pay": "we", "mobile_wallet": "vodafone"}


def _value(obj: dict, path: str) -> str:
    cur: Any = obj
    for part in path.split("."):
        cur = cur.get(part) if isinstance(cur, dict) else None
    if isinstance(cur, bool):
        return "true" if cur else "false"
    return "" if cur is None else str(cur)


def transaction_hmac(obj: dict, secret: str) -> str:
    message = "".join(_value(obj, f) for f in HMAC_FIELDS)
    return hmac.new(secret.encode(), message.encode(), hashlib.sha512).hexdigest()


def parse_created_at(value: Any) -> datetime | None:
    """Paymob sends ISO timestamps, sometimes without a zone (read as UTC)."""
    try:
        dt = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def issuer_for(destination_method: str) -> str:
    return METHODS.get(destination_method, "vodafone")


class PaymobAdapter(ProviderHttp):
    name = "paymob"

    def __init__(self, base_url: str, secret_key: str, hmac_secret: str, integration_id: int):
        self.base_url = base_url.rstrip("/")
        self.secret_key = secret_key
        self.hmac_secret = hmac_secret
        self.integration_id = integration_id

    def session_headers(self) -> dict[str, str]:
        return {"Authorization": f"Token {self.secret_key}"}

    async def _call(self, method: str, path: str, body: dict) -> dict:
        try:
            async with self.http.request(method, self.base_url + path, json=body) as r:
                data = await r.json(content_type=None)
                if r.status >= 400:
                    raise ProviderUnavailable(f"Paymob answered {r.status}: {data}")
                return data
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise ProviderUnavailable(f"Paymob is unreachable: {type(exc).__name__}") from None

    async def create_payment(self, p: PaymentRef) -> Created:
        body = {
            "amount": p.amount, "currency": "EGP",
            "payment_methods": [self.integration_id],
            "items": [{"name": "Wallet top-up", "amount": p.amount, "quantity": 1,
                       "description": "Sawt wallet top-up"}],
            "billing_data": {"first_name": "Sawt", "last_name": "User",
                             "phone_number": p.phone or "NA", "email": "NA"},
            "special_reference": p.merchant_ref,
            "extras": {"wallet": p.method},
        }
        data = await self._call("POST", "/v1/intention/", body)
        order_id = data.get("intention_order_id")
        if not order_id or not data.get("client_secret"):
            raise ProviderUnavailable("Paymob returned no intention")
        return Created(str(order_id), {
            "kind": "paymob_checkout", "wallet": p.method,
            "client_secret": data["client_secret"],
            "checkout_url": f"{self.base_url}/unifiedcheckout/?clientSecret="
                            f"{data['client_secret']}",
            "how": "Confirm the payment in your mobile wallet (Vodafone Cash / Orange Cash)"})

    async def query_status(self, merchant_ref: str, provider_ref: str | None) -> Status:
        if not provider_ref:
            return Status("unknown")
        data = await self._call("POST", "/api/ecommerce/orders/transaction_inquiry",
                                {"order_id": int(provider_ref)})
        if not data or "id" not in data:
            return Status("pending", None, provider_ref)
        if data.get("pending"):
            st = "pending"
        else:
            st = "paid" if data.get("success") else "failed"
        return Status(st, int(data.get("amount_cents") or 0), provider_ref)

    def verify_callback(self, hmac_hex: str | None, body: Any) -> Callback:
        if not isinstance(body, dict) or not isinstance(body.get("obj"), dict):
            raise BadRequest("Callback must be {type, obj}", code="invalid_payload")
        if body.get("type") != "TRANSACTION":
            raise BadRequest("Only TRANSACTION callbacks are handled", code="unsupported_event")
        obj = body["obj"]
        if not signatures_match(hmac_hex, transaction_hmac(obj, self.hmac_secret)):
            raise BadSignature()
        order_id = _value(obj, "order.id")
        if not order_id or obj.get("id") is None:
            raise BadRequest("Callback lacks order.id or id", code="invalid_payload")
        if obj.get("pending"):
            st = "pending"
        elif obj.get("success") and not obj.get("is_voided") and not obj.get("is_refunded"):
            st = "paid"
        else:
            st = "failed"
        amount = obj.get("amount_cents")
        if isinstance(amount, str) and amount.isascii() and amount.isdigit() and len(amount) < 13:
            amount = int(amount)
        if not isinstance(amount, int) or isinstance(amount, bool) or not 0 <= amount < 10**12:
            raise BadRequest("amount_cents is not a plain integer", code="invalid_amount")
        return Callback(event_key=str(obj["id"]), provider_ref=order_id, amount=amount,
                        status=st, sent_at=parse_created_at(obj.get("created_at")), raw=body)

    async def payout(self, cashout_id: str, amount: int, destination: str) -> Payout:
        body = {"amount": f"{amount / 100:.2f}", "issuer": "vodafone", "msisdn": destination,
                "client_reference_id": cashout_id}
        try:
            data = await self._call("POST", "/api/secure/disburse/", body)
        except ProviderUnavailable as exc:
            return Payout(False, None, exc.message)
        ok = data.get("disbursement_status") == "successful"
        return Payout(ok, str(data.get("transaction_id") or ""),
                      "" if ok else str(data.get("status_description") or "failed"))
