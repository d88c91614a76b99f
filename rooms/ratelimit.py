"""Rate limits shared by every process (Redis sliding-window counters via `limits`).

`await check_rate(state, "chat:send", user_id, "20/second")` raises RateLimited with a
retry-after when the caller is over the limit. The same limiter serves sockets and HTTP.

`check_socket_rate` is the same for one socket's own budget: a socket lives in one process,
so its counters live there too (`limits`' memory storage), and a per-socket check costs no
Redis round trip (under chat load that call was a third of the send path's Redis work).
A session recovered on another process starts a fresh socket budget there; limits that must
hold across processes are keyed by user (or IP) through `check_rate`.
"""
from __future__ import annotations

import time
from functools import lru_cache

from limits import parse
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter

from server.errors import RateLimited
from server.state import AppState


def _limiter(state: AppState) -> SlidingWindowCounterRateLimiter:
    lim = state.extras.get("ratelimit")
    if lim is None:
        url = state.settings.redis_url
        url = "async+redis+unix://" + url[len("unix://"):] if url.startswith("unix://") \
            else "async+" + url
        storage = RedisStorage(url, implementation="redispy",
                               key_prefix=state.settings.redis_prefix + "rl")
        lim = state.extras["ratelimit"] = SlidingWindowCounterRateLimiter(storage)
    return lim


def _socket_limiter(state: AppState) -> SlidingWindowCounterRateLimiter:
    lim = state.extras.get("ratelimit.local")
    if lim is None:
        lim = state.extras["ratelimit.local"] = SlidingWindowCounterRateLimiter(MemoryStorage())
    return lim


async def check_rate(state: AppState, scope: str, who: object, rate: str, *, cost: int = 1,
                     message: str | None = None) -> None:
    """Count one hit of `who` in `scope` against `rate` ("5/minute"); raise when over it."""
    await _hit(_limiter(state), scope, who, rate, cost, message)


async def check_socket_rate(state: AppState, scope: str, sid: str, rate: str) -> None:
    """`check_rate` for one socket's budget, counted in this process (see the module doc)."""
    await _hit(_socket_limiter(state), scope, sid, rate, 1, None)


_parse = lru_cache(maxsize=256)(parse)  # the same few rate strings, parsed once


async def _hit(limiter: SlidingWindowCounterRateLimiter, scope: str, who: object, rate: str,
               cost: int, message: str | None) -> None:
    item = _parse(rate)
    if not await limiter.hit(item, scope, str(who), cost=cost):
        stats = await limiter.get_window_stats(item, scope, str(who))
        retry_after = max(0.05, stats.reset_time - time.time())
        raise RateLimited(retry_after, message or f"Too many requests; try again in "
                                                  f"{retry_after:.1f} s")


async def clear_rate(state: AppState, scope: str, who: object, rate: str) -> None:
    await _limiter(state).clear(parse(rate), scope, str(who))
