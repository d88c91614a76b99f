"""FawryPay adapter: pay-at-Fawry reference numbers, Get Payment Status V2, server notification V2.

Documented format (developer.fawrystaging.com, "Server To Server Notification V2", "Get Payment
Status V2", "Create Payment Requests Using FawryPay Reference Number"):
- requests and notifications are signed with plain SHA-256 (hex) over concatenated fields and
  the merchant's secure key; amounts with two decimals;
- charge: merchantCode + merchantRefNum + customerProfileId + paymentMethod + amount + key;
- status V2 (GET): merchantCode + merchantRefNumber + key;
- notification V2 `messageSignature`: fawryRefNumber + merchantRefNumber + paymentAmount +
  orderAmount + orderStatus + paymentMethod + paymentRefrenceNumber + key.
A notification carries no timestamp, so callers deduplicate on requestId and re-query the
status API before crediting.
"""
from __future__ import annotations

import hashlib
from typing import Any

import aiohttp

from handlers.wallet.providers import (BadSignature, Callback, Created, PaymentRef, Payout,
                                       ProviderUnavailable, Status, bounded_egp,
                                       egp_to_piastres, piastres_to_egp, signatures_match)
from handlers.wallet.providers.http import ProviderHttp
from server.errors import BadRequest

CHARGE_PATH = "/ECommerceWeb/Fawry/payments/charge"
STATUS_PATH = "/ECommerceWeb/Fawry/payments/status/v2"
_STATUS = {"PAID": "paid", "NEW": "pending", "UNPAID": "pending", "EXPIRED": "expired",
           "CANCELED": "failed", "CANCELLED": "failed", "FAILED": "failed",
           "REFUNDED": "failed"}


def sha256_hex(*parts: object) -> str:
    return hashlib.sha256("".join("" if p is None else str(p) for p in parts).encode()).hexdigest()


def fmt_amount(value: Any) -> str | None:
    """Fawry signs amounts with two decimals, whatever JSON number it sent; None when the
    value is not a bounded plain amount (then no signature over it can verify)."""
    d = bounded_egp(value)
    return None if d is None else f"{d:.2f}"


def notification_signature(body: dict, secure_key: str) -> str | None:
    """The V2 messageSignature over the raw fields; None when an amount is malformed."""
    paid, ordered = fmt_amount(body.get("paymentAmount", 0)), fmt_amount(body.get("orderAmount", 0))
    if paid is None or ordered is None:
        return None
    return sha256_hex(body.get("fawryRefNumber"), body.get("merchantRefNumber"), paid, ordered,
                      body.get("orderStatus"), body.get("paymentMethod"),
                      body.get("paymentRefrenceNumber"), secure_key)


def charge_signature(merchant_code: str, merchant_ref: str, profile_id: str, method: str,
                     amount: str, secure_key: str) -> str:
    return sha256_hex(merchant_code, merchant_ref, profile_id, method, amount, secure_key)


def status_signature(merchant_code: str, merchant_ref: str, secure_key: str) -> str:
    return sha256_hex(merchant_code, merchant_ref, secure_key)


class FawryAdapter(ProviderHttp):
    name = "fawry"

    def __init__(self, base_url: str, merchant_code: str, secure_key: str):
        self.base_url = base_url.rstrip("/")
        self.merchant_code = merchant_code
        self.secure_key = secure_key

    async def create_payment(self, p: PaymentRef) -> Created:
        amount = piastres_to_egp(p.amount)
        method = "PAYATFAWRY"
        body = {
            "merchantCode": self.merchant_code, "merchantRefNum": p.merchant_ref,
            "customerProfileId": p.user_id, "customerMobile": p.phone or "",
            "paymentMethod": method, "amount": amount, "currencyCode": "EGP",
            "description": "Sawt wallet top-up",
            "paymentExpiry": int(p.expires_at.timestamp() * 1000),
            "chargeItems": [{"itemId": "wallet-topup", "description": "Wallet top-up",
                             "price": amount, "quantity": 1}],
            "signature": charge_signature(self.merchant_code, p.merchant_ref, p.user_id,
                                          method, amount, self.secure_key),
        }
        try:
            async with self.http.post(self.base_url + CHARGE_PATH, json=body) as r:
                data = await r.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise ProviderUnavailable(f"Fawry is unreachable: {type(exc).__name__}") from None
        if data.get("statusCode") != 200 or not data.get("referenceNumber"):
            raise ProviderUnavailable(f"Fawry refused the charge: {data.get('statusDescription')}")
        ref = str(data["referenceNumber"])
        return Created(ref, {"kind": "fawry_reference", "fawry_reference": ref,
                             "amount_egp": amount,
                             "how": "Pay at any Fawry outlet or in the Fawry/MyFawry app "
                                    "with this reference number"})

    async def query_status(self, merchant_ref: str, provider_ref: str | None) -> Status:
        params = {"merchantCode": self.merchant_code, "merchantRefNumber": merchant_ref,
                  "signature": status_signature(self.merchant_code, merchant_ref,
                                                self.secure_key)}
        try:
            async with self.http.get(self.base_url + STATUS_PATH, params=params) as r:
                data = await r.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise ProviderUnavailable(f"Fawry is unreachable: {type(exc).__name__}") from None
        if data.get("statusCode") != 200:
            return Status("unknown")
        amount = data.get("paymentAmount", data.get("orderAmount"))
        return Status(_STATUS.get(str(data.get("orderStatus")), "unknown"),
                      egp_to_piastres(amount) if amount is not None else None,
                      str(data.get("fawryRefNumber") or data.get("referenceNumber") or ""))

    def verify_notification(self, body: dict) -> Callback:
        """Authenticate a V2 server notification (signature first, over the raw fields; no
        field is converted before it verifies); raises BadSignature or BadRequest."""
        if not isinstance(body, dict):
            raise BadRequest("Notification must be a JSON object", code="invalid_payload")
        expected = notification_signature(body, self.secure_key)
        if expected is None or not signatures_match(body.get("messageSignature"), expected):
            raise BadSignature()
        for f in ("requestId", "fawryRefNumber", "merchantRefNumber", "orderStatus"):
            if not body.get(f):
                raise BadRequest(f"Notification lacks {f}", code="invalid_payload")
        # paymentAmount may include Fawry's fees; what we asked for is orderAmount.
        ordered = egp_to_piastres(body.get("orderAmount", 0))
        return Callback(event_key=str(body["requestId"]),
                        merchant_ref=str(body["merchantRefNumber"]),
                        provider_ref=str(body["fawryRefNumber"]),
                        amount=ordered,
                        status=_STATUS.get(str(body["orderStatus"]), "pending"), raw=body)

    async def payout(self, cashout_id: str, amount: int, destination: str) -> Payout:
        return Payout(False, None, "Fawry is not used for payouts")
