"""The append-only security log (PDPL): who did what, from where, when. Never codes,
passwords or tokens. Written on the same connection as the action it records, so a rolled
back action leaves no entry; failures (wrong password, wrong code) are written on their own.
"""
from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from handlers.auth import queries as q
from handlers.auth.phones import mask_phone

EVENTS = ("signup", "login_success", "login_failed", "login_locked", "otp_sent",
          "otp_verified", "otp_failed", "refresh", "refresh_reuse_detected", "session_opened",
          "session_revoked", "password_reset", "passkey_added", "passkey_used",
          "passkey_removed", "passkey_failed", "role_changed")


@dataclass(frozen=True)
class Client:
    """Where a request came from."""

    ip: str | None = None
    user_agent: str | None = None

    @classmethod
    def of(cls, request) -> "Client":
        ua = request.headers.get("User-Agent")
        return cls(ip=request.remote, user_agent=ua[:300] if ua else None)


async def record(conn: asyncpg.Connection | asyncpg.Pool, event: str, client: Client, *,
                 user_id: str | None = None, session_id: str | None = None,
                 phone: str | None = None, **details) -> None:
    assert event in EVENTS, event
    await conn.execute(q.INSERT_AUDIT, event, user_id, session_id, mask_phone(phone),
                       client.ip, client.user_agent, details)
