"""An app developer's view of the auth HTTP API, for tests: sign a phone up, log in, refresh."""
from __future__ import annotations

from typing import Any

import aiohttp

# argon2id at production cost makes every sign-up ~0.1-0.3 s on a busy 2-core box; tests
# lower it (production keeps argon2-cffi's RFC 9106 defaults).
FAST_AUTH = {"argon2_time_cost": 1, "argon2_memory_kib": 1024, "argon2_parallelism": 1}
FAST_AUTH_ENV = {"ARGON2_TIME_COST": "1", "ARGON2_MEMORY_KIB": "1024",
                 "ARGON2_PARALLELISM": "1"}


class AuthApi:
    def __init__(self, base_url: str):
        self.base = base_url
        self.http = aiohttp.ClientSession()

    async def close(self) -> None:
        await self.http.close()

    async def call(self, method: str, path: str, json: Any = None, token: str | None = None,
                   **kw) -> tuple[int, Any]:
        headers = kw.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        async with self.http.request(method, self.base + path, json=json, headers=headers,
                                     **kw) as r:
            body = await r.json(content_type=None) if r.status != 204 else None
            return r.status, body

    async def ok(self, method: str, path: str, json: Any = None, token: str | None = None,
                 expect: int = 200) -> Any:
        status, body = await self.call(method, path, json, token)
        assert status == expect, f"{method} {path}: {status} {body}"
        return body

    async def latest_code(self, phone: str) -> str:
        out = await self.ok("GET", f"/v1/dev/outbox?phone={phone}")
        return out["messages"][0]["code"]

    async def verified(self, phone: str, purpose: str = "register",
                       channel: str = "whatsapp") -> str:
        """Ask for a code, read it from the development outbox, verify it."""
        await self.ok("POST", "/v1/auth/otp", {"phone": phone, "channel": channel,
                                              "purpose": purpose}, expect=202)
        code = await self.latest_code(phone)
        v = await self.ok("POST", "/v1/auth/otp/verify", {"phone": phone, "code": code,
                                                         "purpose": purpose})
        return v["verification_token"]

    async def sign_up(self, phone: str, password: str = "correct horse 42",
                      name: str = "Mona", device: str = "Pixel 8") -> dict:
        token = await self.verified(phone)
        return await self.ok("POST", "/v1/auth/register", {
            "verification_token": token, "password": password, "display_name": name,
            "device": device}, expect=201)

    async def login(self, phone: str, password: str = "correct horse 42",
                    device: str = "laptop") -> dict:
        return await self.ok("POST", "/v1/auth/login", {"phone": phone, "password": password,
                                                        "device": device})
