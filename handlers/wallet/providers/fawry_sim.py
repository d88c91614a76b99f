"""A local FawryPay: charge, Get Payment Status V2, and V2 server notifications, signed as
Fawry signs them. It can also produce duplicate, reordered, late and forged notifications."""
from __future__ import annotations

import itertools
import uuid
from typing import Any

from aiohttp import web

from handlers.wallet.providers import egp_to_piastres, piastres_to_egp
from handlers.wallet.providers.fawry import (CHARGE_PATH, STATUS_PATH, charge_signature,
                                             notification_signature, status_signature)
from handlers.wallet.providers.simbase import SimulatorBase

NOTIFY_PATH = "/v1/payments/fawry/notify"


class FawrySimulator(SimulatorBase):
    def __init__(self, merchant_code: str, secure_key: str):
        super().__init__()
        self.merchant_code = merchant_code
        self.secure_key = secure_key
        self.orders: dict[str, dict[str, Any]] = {}  # merchantRefNumber -> order
        self._refs = itertools.count(900_000_001)
        self.app.router.add_post(CHARGE_PATH, self._charge)
        self.app.router.add_get(STATUS_PATH, self._status)

    async def _charge(self, request: web.Request) -> web.Response:
        b = await request.json()
        expected = charge_signature(self.merchant_code, b.get("merchantRefNum", ""),
                                    b.get("customerProfileId", ""), b.get("paymentMethod", ""),
                                    b.get("amount", ""), self.secure_key)
        if b.get("merchantCode") != self.merchant_code or b.get("signature") != expected:
            return web.json_response({"type": "ChargeResponse", "statusCode": 9946,
                                      "statusDescription": "Wrong Signature"})
        ref = str(next(self._refs))
        self.orders[b["merchantRefNum"]] = {
            "fawryRefNumber": ref, "merchantRefNumber": b["merchantRefNum"],
            "orderAmount": egp_to_piastres(b["amount"]), "orderStatus": "UNPAID",
            "paymentMethod": b["paymentMethod"], "customerProfileId": b["customerProfileId"]}
        return web.json_response({"type": "ChargeResponse", "referenceNumber": ref,
                                  "merchantRefNumber": b["merchantRefNum"],
                                  "expirationTime": b.get("paymentExpiry"), "statusCode": 200,
                                  "statusDescription": "Operation done successfully"})

    async def _status(self, request: web.Request) -> web.Response:
        q = request.query
        ref = q.get("merchantRefNumber", "")
        if q.get("merchantCode") != self.merchant_code or q.get("signature") != status_signature(
                self.merchant_code, ref, self.secure_key):
            return web.json_response({"type": "PaymentStatusResponse", "statusCode": 9946,
                                      "statusDescription": "Wrong Signature"})
        o = self.orders.get(ref)
        if o is None:
            return web.json_response({"type": "PaymentStatusResponse", "statusCode": 9938,
                                      "statusDescription": "payment not found"})
        return web.json_response({
            "type": "PaymentStatusResponse", "fawryRefNumber": o["fawryRefNumber"],
            "merchantRefNumber": ref, "orderAmount": float(piastres_to_egp(o["orderAmount"])),
            "paymentAmount": float(piastres_to_egp(o["orderAmount"])),
            "orderStatus": o["orderStatus"], "paymentMethod": o["paymentMethod"],
            "statusCode": 200, "statusDescription": "Operation done successfully"})

    # --- the customer pays; Fawry tells the merchant --------------------------------------
    def pay(self, merchant_ref: str) -> dict:
        """The customer paid at a Fawry outlet; returns the signed V2 notification."""
        self.orders[merchant_ref]["orderStatus"] = "PAID"
        return self.notification(merchant_ref)

    def notification(self, merchant_ref: str, *, status: str | None = None,
                     amount: int | None = None, forge: bool = False,
                     request_id: str | None = None) -> dict:
        o = self.orders[merchant_ref]
        amt = float(piastres_to_egp(o["orderAmount"] if amount is None else amount))
        body = {"requestId": request_id or uuid.uuid4().hex,
                "fawryRefNumber": o["fawryRefNumber"], "merchantRefNumber": merchant_ref,
                "customerMobile": "01000000000", "customerMail": "",
                "customerMerchantId": o["customerProfileId"], "paymentAmount": amt,
                "orderAmount": amt, "fawryFees": 0.0,
                "orderStatus": status or o["orderStatus"], "paymentMethod": o["paymentMethod"],
                "paymentRefrenceNumber": o["fawryRefNumber"] + "1",
                "paymentTime": 1_700_000_000_000, "orderItems": []}
        body["messageSignature"] = notification_signature(
            body, "not-the-key" if forge else self.secure_key)
        return body

    async def send(self, body: dict) -> tuple[int, Any]:
        return await self.post(self.callback_target() + NOTIFY_PATH, json=body)
