"""WhatsApp Business Cloud API: a code sent as an authentication-template message.

Request (Meta's documented format):
    POST {WHATSAPP_API_URL}/{WHATSAPP_PHONE_NUMBER_ID}/messages
    Authorization: Bearer {WHATSAPP_TOKEN}
    {"messaging_product": "whatsapp", "recipient_type": "individual", "to": "201012345678",
     "type": "template", "template": {"name": ..., "language": {"code": "ar"},
       "components": [{"type": "body", "parameters": [{"type": "text", "text": CODE}]},
                      {"type": "button", "sub_type": "url", "index": "0",
                       "parameters": [{"type": "text", "text": CODE}]}]}}
Answer: {"messaging_product": "whatsapp", "contacts": [{"input": ..., "wa_id": ...}],
         "messages": [{"id": "wamid...."}]}
`simulator_app()` is a local stand-in of that endpoint (used by the tests of the HTTP client).
"""
from __future__ import annotations

import uuid

from aiohttp import web

from handlers.auth.config import AuthConfig
from handlers.auth.otp_channels import Delivery, DeliveryFailed, Transport


class WhatsAppChannel:
    name = "whatsapp"

    def __init__(self, cfg: AuthConfig, transport: Transport):
        self.cfg = cfg
        self.transport = transport

    def build(self, phone: str, code: str) -> Delivery:
        cfg = self.cfg
        params = [{"type": "text", "text": code}]
        body = {
            "messaging_product": "whatsapp", "recipient_type": "individual",
            "to": phone.lstrip("+"), "type": "template",
            "template": {"name": cfg.whatsapp_template,
                         "language": {"code": cfg.whatsapp_template_lang},
                         "components": [
                             {"type": "body", "parameters": params},
                             {"type": "button", "sub_type": "url", "index": "0",
                              "parameters": params}]}}
        url = f"{cfg.whatsapp_api_url.rstrip('/')}/{cfg.whatsapp_phone_number_id or 'SIM'}/messages"
        return Delivery("whatsapp", phone, url,
                        {"Authorization": f"Bearer {cfg.whatsapp_token}"}, body,
                        {"code": code, "text": f"{code} is your Sawt verification code."})

    async def send(self, phone: str, code: str) -> str:
        d = self.build(phone, code)
        fake = {"messaging_product": "whatsapp",
                "contacts": [{"input": d.body["to"], "wa_id": d.body["to"]}],
                "messages": [{"id": f"wamid.SIM{uuid.uuid4().hex}"}]}
        answer = await self.transport.post(d, fake)
        try:
            return answer["messages"][0]["id"]
        except (KeyError, IndexError, TypeError):
            raise DeliveryFailed("WhatsApp answered without a message id") from None


def simulator_app(token: str, received: list) -> web.Application:
    """A local WhatsApp Cloud API messages endpoint: checks auth and shape, records, answers."""
    app = web.Application()

    async def messages(request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {token}":
            return web.json_response({"error": {"message": "Invalid OAuth access token",
                                                "type": "OAuthException", "code": 190}},
                                     status=401)
        body = await request.json()
        tpl = body.get("template", {})
        if body.get("messaging_product") != "whatsapp" or body.get("type") != "template" \
                or not tpl.get("name") or not str(body.get("to", "")).isdigit():
            return web.json_response({"error": {"message": "(#100) Invalid parameter",
                                                "type": "OAuthException", "code": 100}},
                                     status=400)
        received.append({"phone_number_id": request.match_info["pnid"], "body": body})
        return web.json_response({"messaging_product": "whatsapp",
                                  "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                                  "messages": [{"id": f"wamid.{uuid.uuid4().hex}"}]})

    app.router.add_post("/{version}/{pnid}/messages", messages)
    return app
