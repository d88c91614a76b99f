"""Who is calling: the access token, its session, its role. One guard for sockets and HTTP.

A token is accepted only if it carries a `sid` whose session is live (not revoked, not
expired, user active). PostgreSQL is the truth; Redis caches the answer per session so a
connect costs one GET: `auth:sess:<sid>` holds the user id while live, `-` once revoked.
Revocation overwrites the key (after the commit) for longer than any access token lives.
"""
from __future__ import annotations

import uuid

from aiohttp import web

from handlers.auth import queries as q
from server.errors import Unauthorized
from server.sockets import require_role
from server.state import STATE, AppState
from server.tokens import Claims

LIVE_CACHE_SECONDS = 300
REVOKED = b"-"


def session_key(state: AppState, session_id: str) -> str:
    return state.key("auth", "sess", session_id)


def _valid_uuid(value: str | None) -> bool:
    try:
        uuid.UUID(str(value))
        return True
    except ValueError:
        return False


async def session_is_live(state: AppState, session_id: str, user_id: str) -> bool:
    key = session_key(state, session_id)
    cached = await state.redis.get(key)
    if cached == REVOKED:
        return False
    if cached is not None:
        return cached.decode() == user_id
    row = await state.db.fetchrow(q.SESSION_STATUS, session_id)
    if row is None:
        return False
    if row["live"]:
        await state.redis.set(key, row["user_id"], ex=LIVE_CACHE_SECONDS, nx=True)
        return row["user_id"] == user_id
    await mark_revoked(state, [session_id])
    return False


async def mark_revoked(state: AppState, session_ids: list[str]) -> None:
    """Cache revocations (call after the commit) for longer than an access token lives."""
    if not session_ids:
        return
    ttl = state.settings.access_token_ttl + 60
    pipe = state.redis.pipeline(transaction=False)
    for sid in session_ids:
        pipe.set(session_key(state, sid), REVOKED, ex=ttl)
    await pipe.execute()


async def check_claims(state: AppState, claims: Claims) -> None:
    """Refuse tokens without a session, or whose session is no longer live."""
    if not claims.session_id or not _valid_uuid(claims.session_id) \
            or not _valid_uuid(claims.user_id):
        raise Unauthorized("This token has no session; sign in again", code="session_required")
    if not await session_is_live(state, claims.session_id, claims.user_id):
        raise Unauthorized("This session was signed out", code="session_revoked")


async def session_guard(state: AppState, claims: Claims) -> None:
    """Registered with server.sockets.connect_guard."""
    await check_claims(state, claims)


def bearer_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


async def authenticate(request: web.Request, roles: tuple[str, ...] | None = None) -> Claims:
    """The caller of an HTTP route: `claims = await authenticate(request, roles=("admin",))`.

    401 `unauthorized` / `token_expired` / `session_revoked` / `session_required`,
    403 `forbidden` when the role is not allowed.
    """
    state = request.app[STATE]
    token = bearer_token(request)
    if token is None:
        raise Unauthorized("Send 'Authorization: Bearer <access token>'")
    claims = state.keys.verify(token)
    await check_claims(state, claims)
    if roles:
        require_role(claims.role, roles)
    return claims
