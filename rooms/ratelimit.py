"""Rate limits shared by every process (Redis sliding-window counters via `limits`).

`await check_rate(state, "chat:send", user_id, "20/second")` raises RateLimited with a
retry-after when the caller is over the limit. The same limiter serves sockets and HTTP.
"""
from __future__ import annotations

import time

from limits import parse
from limits.aio.storage import RedisStorage
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


async def check_rate(state: AppState, scope: str, who: object, rate: str, *, cost: int = 1,
                     message: str | None = None) -> None:
    """Count one hit of `who` in `scope` against `rate` ("5/minute"); raise when over it."""
    item = parse(rate)
    limiter = _limiter(state)
    if not await limiter.hit(item, scope, str(who), cost=cost):
        stats = await limiter.get_window_stats(item, scope, str(who))
        retry_after = max(0.05, stats.reset_time - time.time())
        raise RateLimited(retry_after, message or f"Too many requests; try again in "
                                                  f"{retry_after:.1f} s")


async def clear_rate(state: AppState, scope: str, who: object, rate: str) -> None:
    await _limiter(state).clear(parse(rate), scope, str(who))
