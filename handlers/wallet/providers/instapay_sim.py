"""A local bank partner for InstaPay: signed incoming-transfer notifications, transfer
look-ups, payouts. Can also produce replayed, late, forged and mismatched notifications."""
from __future__ import annotations

import itertools
import json
import time
from typing import Any

from aiohttp import web

from handlers.wallet.providers.instapay import sign
from handlers.wallet.providers.simbase import SimulatorBase

NOTIFY_PATH = "/v1/payments/instapay/notify"


class InstaPaySimulator(SimulatorBase):
    def __init__(self, secret: str):
        super().__init__()
        self.secret = secret
        self.credited: dict[str, dict] = {}   # reference -> transfer
        self.payouts: list[dict] = []
        self.fail_payouts_to: set[str] = set()
        self._ids = itertools.count(55_000_001)
        self.app.router.add_get("/v1/transfers", self._transfers)
        self.app.router.add_post("/v1/payouts", self._payouts)

    def _verify(self, request: web.Request, payload: bytes) -> bool:
        ts = request.headers.get("X-Partner-Timestamp", "")
        return request.headers.get("X-Partner-Signature") == sign(self.secret, ts, payload)

    async def _transfers(self, request: web.Request) -> web.Response:
        if not self._verify(request, request.query_string.encode()):
            return web.json_response({"error": "bad signature"}, status=401)
        t = self.credited.get(request.query.get("reference", ""))
        return web.json_response({"status": "credited", **t} if t else {"status": "none"})

    async def _payouts(self, request: web.Request) -> web.Response:
        raw = await request.read()
        if not self._verify(request, raw):
            return web.json_response({"error": "bad signature"}, status=401)
        b = json.loads(raw)
        self.payouts.append(b)
        if b["to_ipa"] in self.fail_payouts_to:
            return web.json_response({"status": "failed", "reason": "Unknown InstaPay address"})
        return web.json_response({"status": "sent", "bank_txn_id": f"OUT{next(self._ids)}"})

    def transfer(self, reference: str, amount: int, *, sender: str = "fan@instapay",
                 timestamp: float | None = None, forge: bool = False,
                 bank_txn_id: str | None = None) -> tuple[bytes, dict]:
        """Money arrived at the platform's IPA; returns (raw body, signed headers)."""
        txn = bank_txn_id or f"IPN{next(self._ids)}"
        body = {"bank_txn_id": txn, "reference": reference, "amount_piastres": amount,
                "currency": "EGP", "sender_ipa": sender,
                "credited_at": int(timestamp or time.time())}
        self.credited.setdefault(reference, {"amount_piastres": amount, "bank_txn_id": txn})
        raw = json.dumps(body).encode()
        ts = str(int(timestamp if timestamp is not None else time.time()))
        sig = sign("forged" if forge else self.secret, ts, raw)
        return raw, {"X-Partner-Timestamp": ts, "X-Partner-Signature": sig,
                     "Content-Type": "application/json"}

    async def send(self, raw: bytes, headers: dict) -> tuple[int, Any]:
        return await self.post(self.callback_target() + NOTIFY_PATH, data=raw, headers=headers)
