"""InstaPay: a payment request to the platform's InstaPay address, confirmed by the bank.

InstaPay (IPN) publishes no merchant API. A top-up is an instruction to the user: send N EGP to
our InstaPay address (IPA) with this reference. It is credited only when our bank partner
notifies us of the incoming transfer, or when an admin confirms it against the bank statement;
never on the user's word. The bank-partner contract (ours, not a public standard):
- notification `POST /v1/payments/instapay/notify`, JSON
  `{bank_txn_id, reference, amount_piastres, currency, sender_ipa, credited_at}`, headers
  `X-Partner-Timestamp: <unix seconds>` and `X-Partner-Signature: hex HMAC-SHA256(secret,
  "<timestamp>.<raw body>")`; a timestamp outside the skew window is stale;
- status: `GET {partner}/v1/transfers?reference=R` (signed the same way over the query string);
- payouts: `POST {partner}/v1/payouts {reference, amount_piastres, to_ipa}`.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from datetime import datetime, timezone

import aiohttp

from handlers.wallet.providers import (BadSignature, Callback, Created, PaymentRef, Payout,
                                       ProviderUnavailable, Status, piastres_to_egp,
                                       signatures_match)
from handlers.wallet.providers.http import ProviderHttp
from server.errors import AppError, BadRequest
from server.payloads import parse_json_body

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud to a bank app


def new_reference() -> str:
    return "SWT" + "".join(secrets.choice(ALPHABET) for _ in range(8))


def sign(secret: str, timestamp: str, payload: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + payload,
                    hashlib.sha256).hexdigest()


class Stale(AppError):
    def __init__(self, message: str = "Callback is too old"):
        super().__init__("stale", message, status=409)


class InstaPayAdapter(ProviderHttp):
    name = "instapay"

    def __init__(self, partner_url: str, secret: str, address: str, max_skew: int = 300):
        self.partner_url = partner_url.rstrip("/")
        self.secret = secret
        self.address = address
        self.max_skew = max_skew

    def _headers(self, payload: bytes) -> dict[str, str]:
        ts = str(int(time.time()))
        return {"X-Partner-Timestamp": ts, "X-Partner-Signature": sign(self.secret, ts, payload),
                "Content-Type": "application/json"}

    async def create_payment(self, p: PaymentRef) -> Created:
        # Nothing to call: the user pays from their own bank app to our address.
        return Created(None, {"kind": "instapay_request", "pay_to": self.address,
                              "reference": p.merchant_ref, "amount_egp": piastres_to_egp(p.amount),
                              "how": "Send exactly this amount by InstaPay to the address, with "
                                     "the reference in the note. We credit it when the bank "
                                     "confirms the transfer."})

    async def query_status(self, merchant_ref: str, provider_ref: str | None) -> Status:
        query = f"reference={merchant_ref}"
        try:
            async with self.http.get(f"{self.partner_url}/v1/transfers?{query}",
                                     headers=self._headers(query.encode())) as r:
                data = await r.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise ProviderUnavailable(f"Bank partner unreachable: {type(exc).__name__}") from None
        if data.get("status") == "credited":
            return Status("paid", int(data["amount_piastres"]), str(data.get("bank_txn_id")))
        return Status("pending")

    def verify_notification(self, raw: bytes, timestamp: str | None,
                            signature: str | None, now: float | None = None) -> Callback:
        if not timestamp or not signature:
            raise BadSignature("Missing partner signature headers")
        if not signatures_match(signature, sign(self.secret, timestamp, raw)):
            raise BadSignature()
        if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
            raise BadSignature("Bad partner timestamp")
        ts = int(timestamp)
        if abs((now or time.time()) - ts) > self.max_skew:
            raise Stale("Bank notification timestamp is outside the allowed window")
        try:
            body = parse_json_body(raw)
            amount = body["amount_piastres"]
            if not isinstance(amount, int) or isinstance(amount, bool):
                raise BadRequest("amount_piastres must be an integer", code="invalid_amount")
            if body.get("currency", "EGP") != "EGP":
                raise BadRequest("Only EGP is supported", code="unsupported_currency")
            return Callback(event_key=str(body["bank_txn_id"]),
                            merchant_ref=str(body["reference"]),
                            provider_ref=str(body["bank_txn_id"]), amount=amount, status="paid",
                            sent_at=datetime.fromtimestamp(ts, timezone.utc), raw=body)
        except (ValueError, KeyError, TypeError):
            raise BadRequest("Malformed bank notification", code="invalid_payload") from None

    async def payout(self, cashout_id: str, amount: int, destination: str) -> Payout:
        payload = json.dumps({"reference": cashout_id, "amount_piastres": amount,
                              "to_ipa": destination}).encode()
        try:
            async with self.http.post(f"{self.partner_url}/v1/payouts", data=payload,
                                      headers=self._headers(payload)) as r:
                data = await r.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            return Payout(False, None, f"bank partner unreachable: {type(exc).__name__}")
        ok = data.get("status") == "sent"
        return Payout(ok, str(data.get("bank_txn_id") or ""), "" if ok else
                      str(data.get("reason") or "failed"))
