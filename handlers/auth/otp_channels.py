"""How a code reaches a phone: small `OtpChannel` adapters over one HTTP transport seam.

Each adapter (otp_whatsapp.py, otp_flash_call.py) builds the provider's documented request.
The transport either POSTs it (`HttpTransport`, production) or records it in a per-phone
outbox in Redis (`OutboxTransport`, on by default in development and tests) and answers the
way the provider would, so the same adapter code runs in both modes. The outbox is what
`GET /v1/dev/outbox?phone=` shows (development only).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Protocol

import aiohttp

from server.errors import AppError
from server.state import AppState

OUTBOX_KEEP = 20
OUTBOX_TTL = 3600


class DeliveryFailed(AppError):
    def __init__(self, message: str = "The code could not be delivered; try another channel"):
        super().__init__("otp_delivery_failed", message, status=502)


@dataclass(frozen=True)
class Delivery:
    """What the adapter sends, and what a developer reading the outbox needs to see."""

    channel: str
    phone: str
    url: str
    headers: dict[str, str]
    body: dict[str, Any]
    preview: dict[str, Any]  # e.g. {"code": ..., "caller": ...} shown in the dev outbox


class Transport(Protocol):
    async def post(self, delivery: Delivery, fake_response: dict) -> dict: ...


class OtpChannel(Protocol):
    name: str

    async def send(self, phone: str, code: str) -> str:
        """Deliver `code` to `phone` (E.164); returns the provider's message/verification id."""
        ...


class HttpTransport:
    """Real calls to the provider, with a short timeout; errors become DeliveryFailed."""

    def __init__(self, state: AppState):
        self.state = state

    def _session(self) -> aiohttp.ClientSession:
        s = self.state.extras.get("auth_http")
        if s is None or s.closed:
            s = self.state.extras["auth_http"] = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=10))
        return s

    async def post(self, delivery: Delivery, fake_response: dict) -> dict:
        try:
            async with self._session().post(delivery.url, json=delivery.body,
                                            headers=delivery.headers) as r:
                body = await r.json(content_type=None)
                if r.status >= 300:
                    raise DeliveryFailed(f"{delivery.channel} provider answered {r.status}")
                return body
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise DeliveryFailed(f"{delivery.channel} provider unreachable: "
                                 f"{type(exc).__name__}") from None


def outbox_key(state: AppState, phone: str) -> str:
    return state.key("auth", "outbox", phone)


class OutboxTransport:
    """The simulator: records the exact request (minus credentials) in the phone's outbox."""

    def __init__(self, state: AppState):
        self.state = state

    async def post(self, delivery: Delivery, fake_response: dict) -> dict:
        entry = {"channel": delivery.channel, "phone": delivery.phone, "at": time.time(),
                 **delivery.preview, "request": {"url": delivery.url, "body": delivery.body}}
        key = outbox_key(self.state, delivery.phone)
        pipe = self.state.redis.pipeline(transaction=True)
        pipe.lpush(key, json.dumps(entry))
        pipe.ltrim(key, 0, OUTBOX_KEEP - 1)
        pipe.expire(key, OUTBOX_TTL)
        await pipe.execute()
        return fake_response


async def read_outbox(state: AppState, phone: str) -> list[dict]:
    """Newest first."""
    return [json.loads(x) for x in await state.redis.lrange(outbox_key(state, phone), 0, -1)]


async def close_http(state: AppState) -> None:
    s = state.extras.pop("auth_http", None)
    if s is not None:
        await s.close()
