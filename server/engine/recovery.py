"""Connection state recovery (Socket.IO v4.6+ semantics) with the state in Redis.

A recovering socket gets a private id (`pid`) in its CONNECT packet, and every broadcast it
receives carries an offset as the last argument: the id of the broadcast in the packet log
(a Redis stream written by `manager.RedisManager`, shared by every node). When such a socket
drops for a recoverable reason its session (sid, rooms, owner, baseline offset) is stored
under its pid for `window` seconds. A client that reconnects to any node with `pid` and
`offset` in its auth gets the same sid, its rooms, and every logged packet after `offset`
that it would have received, in order, then `recovered: true` (the JS client compares pids).
"""
from __future__ import annotations

import json
from typing import Any

import redis.asyncio as aioredis

# socket.io's RECOVERABLE_DISCONNECT_REASONS, plus ours
RECOVERABLE = frozenset({"transport error", "transport close", "ping timeout", "slow consumer",
                         "forced close", "server shutting down"})
MAX_REPLAY = 10_000  # a gap longer than this is not recovered (fresh session instead)


def parse_offset(offset: bytes | str | None) -> tuple[int, int] | None:
    """A stream id 'ms-seq' as a comparable tuple; None if it is not one."""
    if offset is None:
        return None
    if isinstance(offset, bytes):
        offset = offset.decode("ascii", "replace")
    ms, _, seq = offset.partition("-")
    try:
        return int(ms), int(seq or 0)
    except ValueError:
        return None


class RecoveryStore:
    """Sessions of dropped sockets and the missed-packet query, in Redis."""

    def __init__(self, redis_url: str, *, key_prefix: str, log_key: str, window: float):
        self.redis_url = redis_url
        self.key_prefix = key_prefix
        self.log_key = log_key
        self.window = window
        self._redis: aioredis.Redis | None = None

    @property
    def redis(self) -> aioredis.Redis:
        if self._redis is None:
            self._redis = aioredis.Redis.from_url(self.redis_url)
        return self._redis

    def _key(self, pid: str) -> str:
        return f"{self.key_prefix}{pid}"

    async def save(self, pid: str, session: dict[str, Any]) -> None:
        await self.redis.set(self._key(pid), json.dumps(session),
                             px=max(1, int(self.window * 1000)))

    async def take(self, pid: str) -> dict[str, Any] | None:
        """The stored session, removed (a pid recovers once)."""
        raw = await self.redis.getdel(self._key(pid))
        return json.loads(raw) if raw else None

    async def head(self) -> str:
        """The id of the newest logged packet ('0-0' when the log is empty)."""
        last = await self.redis.xrevrange(self.log_key, "+", "-", count=1)
        return last[0][0].decode() if last else "0-0"

    async def missed(self, since: str) -> list[tuple[bytes, bytes]] | None:
        """Logged packets after `since`, oldest first; None if some were already trimmed
        (the gap cannot be filled, so the session must not claim to be recovered)."""
        since_t = parse_offset(since)
        if since_t is None:
            return None
        try:
            info = await self.redis.xinfo_stream(self.log_key)
        except aioredis.ResponseError:  # no log yet: nothing was ever broadcast
            return []
        deleted = parse_offset(info.get("max-deleted-entry-id"))
        first = info.get("first-entry")
        if deleted is not None and deleted > (0, 0) and deleted > since_t:
            return None
        if deleted is None and first and parse_offset(first[0]) > since_t \
                and info.get("length", 0) >= MAX_REPLAY:
            return None
        entries = await self.redis.xrange(self.log_key, f"({since}", "+", count=MAX_REPLAY + 1)
        if len(entries) > MAX_REPLAY:
            return None
        return [(eid, fields[b"m"]) for eid, fields in entries]

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None
