"""Flash call: a missed call whose caller number ends with the code (the app reads the call
log, or the user types the last digits).

Provider wire format (Telnyx Verify, documented): 
    POST {FLASH_CALL_API_URL}/verifications/flashcall      (default https://api.telnyx.com/v2)
    Authorization: Bearer {FLASH_CALL_API_KEY}
    {"phone_number": "+201012345678", "verify_profile_id": ..., "custom_code": CODE,
     "timeout_secs": 300}
Answer: {"data": {"id": ..., "type": "flashcall", "record_type": "verification",
                  "phone_number": ..., "status": "accepted", ...}}
The code is ours (hashed in Redis like every OTP); the provider only places the call.
`simulator_app()` is a local stand-in of that endpoint.
"""
from __future__ import annotations

import uuid

from aiohttp import web

from handlers.auth.config import AuthConfig
from handlers.auth.otp_channels import Delivery, DeliveryFailed, Transport


class FlashCallChannel:
    name = "flash_call"

    def __init__(self, cfg: AuthConfig, transport: Transport):
        self.cfg = cfg
        self.transport = transport

    def build(self, phone: str, code: str) -> Delivery:
        cfg = self.cfg
        base = (cfg.flash_call_api_url or "https://api.telnyx.com/v2").rstrip("/")
        body = {"phone_number": phone, "verify_profile_id": cfg.flash_call_profile_id or "SIM",
                "custom_code": code, "timeout_secs": cfg.otp_ttl}
        return Delivery("flash_call", phone, f"{base}/verifications/flashcall",
                        {"Authorization": f"Bearer {cfg.flash_call_api_key}"}, body,
                        {"code": code, "caller": cfg.flash_call_caller_prefix + code})

    async def send(self, phone: str, code: str) -> str:
        d = self.build(phone, code)
        fake = {"data": {"id": str(uuid.uuid4()), "type": "flashcall",
                         "record_type": "verification", "phone_number": phone,
                         "verify_profile_id": d.body["verify_profile_id"],
                         "timeout_secs": d.body["timeout_secs"], "status": "accepted"}}
        answer = await self.transport.post(d, fake)
        try:
            return answer["data"]["id"]
        except (KeyError, TypeError):
            raise DeliveryFailed("Flash-call provider answered without an id") from None


def simulator_app(api_key: str, received: list) -> web.Application:
    """A local flash-call verification endpoint: checks auth and shape, records, answers."""
    app = web.Application()

    async def flashcall(request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {api_key}":
            return web.json_response({"errors": [{"code": "10009", "title": "Authentication "
                                                  "failed"}]}, status=401)
        body = await request.json()
        if not str(body.get("phone_number", "")).startswith("+") \
                or not body.get("verify_profile_id"):
            return web.json_response({"errors": [{"code": "10015", "title": "Invalid "
                                                  "parameter"}]}, status=422)
        received.append(body)
        return web.json_response({"data": {
            "id": str(uuid.uuid4()), "type": "flashcall", "record_type": "verification",
            "phone_number": body["phone_number"], "verify_profile_id": body["verify_profile_id"],
            "timeout_secs": body.get("timeout_secs", 300), "status": "accepted"}})

    app.router.add_post("/verifications/flashcall", flashcall)
    return app
