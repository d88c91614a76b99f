"""Sessions and their tokens: open a session (a device), issue the access + refresh pair,
rotate the refresh token. SQL only; callers hold the transaction.

Refresh tokens are opaque (`rt_` + 256 random bits), stored as SHA-256, and form one family
per session: each use rotates it; a second use of a rotated token is reuse (theft) and the
caller revokes the whole session.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

import asyncpg

from handlers.auth import queries as q
from handlers.auth.audit import Client
from server.tokens import TokenKeys


@dataclass(frozen=True)
class Issued:
    user_id: str
    session_id: str
    role: str
    access_token: str
    refresh_token: str
    expires_in: int

    def as_json(self) -> dict:
        return {"user_id": self.user_id, "session_id": self.session_id, "role": self.role,
                "access_token": self.access_token, "refresh_token": self.refresh_token,
                "token_type": "Bearer", "expires_in": self.expires_in}


def hash_refresh(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def new_refresh_token() -> str:
    return "rt_" + secrets.token_urlsafe(32)


async def insert_session(conn: asyncpg.Connection, user_id: str, *, label: str, method: str,
                         client: Client, ttl: int) -> str:
    return await conn.fetchval(q.INSERT_SESSION, user_id, label[:100], method,
                               client.user_agent, client.ip, float(ttl))


async def issue_refresh(conn: asyncpg.Connection, session_id: str, ttl: int) -> str:
    token = new_refresh_token()
    await conn.execute(q.INSERT_REFRESH, hash_refresh(token), session_id, float(ttl))
    return token


async def open_session(conn: asyncpg.Connection, keys: TokenKeys, *, user_id: str, role: str,
                       label: str, method: str, client: Client, refresh_ttl: int) -> Issued:
    """A new session row, its first refresh token, and an access token bound to it."""
    sid = await insert_session(conn, user_id, label=label, method=method, client=client,
                               ttl=refresh_ttl)
    refresh = await issue_refresh(conn, sid, refresh_ttl)
    access = keys.sign(user_id, role=role, session_id=sid)
    return Issued(user_id, sid, role, access, refresh, keys.ttl)
