"""Who is calling: the access token, its session, its role. One guard for sockets and HTTP.

A token is accepted only if it carries a `sid` whose session is live (not revoked, not
expired, user active). PostgreSQL is the truth; Redis caches the answer per session:
`auth:sess:<sid>` holds the user id while live, `-` once revoked. Revocation overwrites the
key (after the commit) for longer than any access token lives, then is published to every
process (lifecycle.py listens).

Per process (`SessionChecks`), so that a reconnect storm costs a few round trips, not one
per socket: concurrent checks are batched (one MGET for all of them, one SQL query for the
misses, one pipeline to cache what SQL said), and a session this process saw revoked (it
wrote or heard the revocation) is refused without asking anyone. Up to LOOKUP_LANES batches
are in flight at once, but a second lane opens only when the first one's batch is slow
(over LANE_PATIENCE in flight; `Lanes`): with one lane, a connect on a loaded machine waited for the batch before its own
(two store round trips and a query; ~80-100 ms of a ~100 ms connect, the process half idle);
with lanes taken in turn, a quiet machine made three small batches where one would do
(-7 % CPU per connect with one lane, 2026-12-05). A batch in flight for 2 or 20 ms is
normal while the loop is busy with a storm (and a lane opened then costs what round-robin
cost), so the next lane waits for a batch 50 ms old.
"""
from __future__ import annotations

import asyncio
import time
import uuid

from aiohttp import web

from handlers.auth import queries as q
from server.batching import Batcher
from server.errors import Unauthorized
from server.redis_clients import mget
from server.sockets import require_role
from server.state import STATE, AppState
from server.tokens import Claims

LIVE_CACHE_SECONDS = 300
LOOKUP_LANES = 3  # session look-up batches in flight at once, at most
LANE_PATIENCE = 0.05  # seconds a lane's batch may be in flight before the next lane opens
REVOKED = b"-"


def session_key(state: AppState, session_id: str) -> str:
    return state.key("auth", "sess", session_id)


def _valid_uuid(value: str | None) -> bool:
    try:
        uuid.UUID(str(value))
        return True
    except ValueError:
        return False


class Lanes:
    """A few batchers, the first one preferred: an item joins the first lane that is idle or
    whose batch in flight started less than `patience` seconds ago, so a fast store gets
    one large batch per round trip, and a slow one (a loaded machine, a cold cache's SQL)
    gets batches that overlap instead of queueing behind each other. When every lane is
    slow, the one whose batch started last."""

    def __init__(self, run, lanes: int, patience: float = LANE_PATIENCE):
        self.batchers = [Batcher(run) for _ in range(lanes)]
        self.patience = patience

    def submit_nowait(self, item):
        now = asyncio.get_running_loop().time()
        for batcher in self.batchers:
            if batcher.busy_since is None or now - batcher.busy_since < self.patience:
                return batcher.submit_nowait(item)
        latest = max(self.batchers, key=lambda b: b.busy_since)
        return latest.submit_nowait(item)

    async def submit(self, item):
        return await self.submit_nowait(item)


class SessionChecks:
    """This process's session look-ups (batched) and the revocations it has seen."""

    def __init__(self, state: AppState):
        self.state = state
        self.revoked: dict[str, float] = {}  # session -> until (monotonic), heard or written
        self.lookups = Lanes(self._look_up, LOOKUP_LANES)

    def heard_revoked(self, session_ids: list[str]) -> None:
        """Call before cutting the sockets of a revocation (and when writing one)."""
        until = time.monotonic() + self.state.settings.access_token_ttl + 60
        for sid in session_ids:
            self.revoked[sid] = until
        if len(self.revoked) > 10_000:
            now = time.monotonic()
            self.revoked = {s: t for s, t in self.revoked.items() if t > now}

    def is_revoked_here(self, session_id: str) -> bool:
        until = self.revoked.get(session_id)
        return until is not None and until > time.monotonic()

    async def owner(self, session_id: str) -> str | None:
        """The user id of a live session, None if it is not live."""
        if self.is_revoked_here(session_id):
            return None
        owner = await self.lookups.submit(session_id)
        return None if self.is_revoked_here(session_id) else owner

    async def _look_up(self, session_ids: list[str]) -> list[str | None]:
        state = self.state
        ids = list(dict.fromkeys(session_ids))
        cached = await mget(state.redis, [session_key(state, s) for s in ids])
        found: dict[str, str | None] = {}
        misses = []
        for sid, value in zip(ids, cached):
            if value == REVOKED:
                found[sid] = None
            elif value is not None:
                found[sid] = value.decode()
            else:
                misses.append(sid)
        if misses:
            rows = await state.db.fetch(q.SESSIONS_STATUS, misses)
            dead = []
            async with state.redis.pipeline(transaction=False) as pipe:
                for row in rows:
                    if row["live"]:
                        found[row["id"]] = row["user_id"]
                        pipe.set(session_key(state, row["id"]), row["user_id"],
                                 ex=LIVE_CACHE_SECONDS, nx=True)
                    else:
                        dead.append(row["id"])
                if len(pipe):
                    await pipe.execute()
            await mark_revoked(state, dead)
        return [found.get(sid) for sid in session_ids]


def session_checks(state: AppState) -> SessionChecks:
    checks = state.extras.get("auth_session_checks")
    if checks is None:
        checks = state.extras["auth_session_checks"] = SessionChecks(state)
    return checks


async def session_is_live(state: AppState, session_id: str, user_id: str) -> bool:
    return await session_checks(state).owner(session_id) == user_id


async def mark_revoked(state: AppState, session_ids: list[str]) -> None:
    """Cache revocations (call after the commit) for longer than an access token lives."""
    if not session_ids:
        return
    session_checks(state).heard_revoked(session_ids)
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
