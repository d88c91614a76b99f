"""Rate limits shared by every process (Redis sliding-window counters via `limits`).

`await check_rate(state, "chat:send", user_id, "20/second")` raises RateLimited with a
retry-after when the caller is over the limit. The same limiter serves sockets and HTTP.

`check_socket_rate` is the same for one socket's own budget: a socket lives in one process,
so its counters live there too (`SocketBudgets`), and a per-socket check costs no Redis round
trip (under chat load that call was a third of the send path's Redis work). A session
recovered on another process starts a fresh socket budget there; limits that must hold
across processes are keyed by user (or IP) through `check_rate`.

Concurrent `check_rate` calls of one process share one Redis call (`_HITS`, a `Batcher`):
under chat load one script call per message was ~24 % of the sender's CPU. The script is
`limits`' sliding-window-counter script applied to each hit in turn, on `limits`' own keys,
so every hit is still counted and judged alone and in order (two sends of one user in one
batch count as two calls would), and `limits`' other calls (`clear_rate`) see the same
counters. On a Redis Cluster (REDIS_CLUSTER) one call's keys must share a hash slot, so each
hit goes through `limits` alone there.

While Redis is out, `check_rate` counts in this process instead (the same rate, the same
sliding-window formula): a limit keeps holding per process, so across N processes a user
gets at most N times the rate until Redis answers again (README, "When a store is out").
No call fails for want of its rate limit, and no limit is lifted.
"""
from __future__ import annotations

import asyncio
import math
import time
from functools import lru_cache

from limits import parse
from limits.aio.storage import RedisClusterStorage, RedisStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter

from server.batching import Batcher
from server.errors import RateLimited
from server.outages import HEALTH, note_if_outage, redis_options
from server.redis_clients import seed_nodes
from server.state import AppState


def _build_limiter(settings) -> SlidingWindowCounterRateLimiter:
    if settings.redis_cluster:  # `limits` tags the two keys of a window itself
        nodes = ",".join(f"{h}:{p}" for h, p in seed_nodes(settings.redis_url))
        storage = RedisClusterStorage("async+redis+cluster://" + nodes, implementation="redispy",
                                      key_prefix=settings.redis_prefix + "rl", **redis_options())
        return SlidingWindowCounterRateLimiter(storage)
    url = settings.redis_url
    url = "async+redis+unix://" + url[len("unix://"):] if url.startswith("unix://") \
        else "async+" + url
    storage = RedisStorage(url, implementation="redispy",
                           key_prefix=settings.redis_prefix + "rl", **redis_options())
    return SlidingWindowCounterRateLimiter(storage)


async def warm_limiter(state: AppState) -> None:
    """Build the shared limiter at startup, so the first rate-limited call is not slow."""
    await _limiter(state)


async def _limiter(state: AppState) -> SlidingWindowCounterRateLimiter:
    lim = state.extras.get("ratelimit")
    if lim is None:
        # the storage probes and imports its Redis backend (0.3-1.7 s on a cold, busy
        # machine, found by the loop-stall guard): built in a thread, not on the loop
        lim = await asyncio.to_thread(_build_limiter, state.settings)
        lim = state.extras.setdefault("ratelimit", lim)
    return lim


class SocketBudgets:
    """Sliding-window counters of this process's sockets: the formula of `limits`' sliding
    window counter (the previous window weighted by how much of it still overlaps, plus the
    current one), kept in a dict. `limits`' own memory storage takes locks and awaits per hit
    and sweeps every key it holds at each expiry: 7 % of a chat node's CPU at 1,000 msgs/s."""

    PRUNE_EVERY = 60.0

    def __init__(self) -> None:
        # (scope, sid) -> [window length s, window index, count in it, count in the one before]
        self._w: dict[tuple[str, str], list] = {}
        self._pruned = time.monotonic()

    def hit(self, scope: str, sid: str, item) -> float | None:
        """Count a hit; None when allowed, else seconds until the current window ends."""
        length = item.get_expiry()
        now = time.time()
        idx = int(now // length)
        w = self._w.get((scope, sid))
        if w is None or w[1] < idx - 1:
            w = [length, idx, 0, 0]
        elif w[1] == idx - 1:
            w = [length, idx, 0, w[2]]
        left = (idx + 1) * length - now  # of the current window
        if math.floor(w[3] * left / length) + w[2] + 1 > item.amount:
            self._w[(scope, sid)] = w
            return left
        w[2] += 1
        self._w[(scope, sid)] = w
        if time.monotonic() - self._pruned > self.PRUNE_EVERY:
            self._prune(now)
        return None

    def _prune(self, now: float) -> None:
        """Drop the counters of windows that no longer count (closed sockets' among them)."""
        self._pruned = time.monotonic()
        self._w = {k: w for k, w in self._w.items() if w[1] >= int(now // w[0]) - 1}


def _socket_budgets(state: AppState) -> SocketBudgets:
    budgets = state.extras.get("ratelimit.sockets")
    if budgets is None:
        budgets = state.extras["ratelimit.sockets"] = SocketBudgets()
    return budgets


async def check_rate(state: AppState, scope: str, who: object, rate: str, *, cost: int = 1,
                     message: str | None = None) -> None:
    """Count one hit of `who` in `scope` against `rate` ("5/minute"); raise when over it.
    Hits made at the same time share one Redis call. Redis out: counted in this process
    (see the module doc)."""
    if not HEALTH.is_down("redis"):
        try:
            if state.settings.redis_cluster:  # a batch's keys would span hash slots
                return await _hit(await _limiter(state), scope, who, rate, cost, message)
            wait_ms = await (await _hits(state)).submit((scope, str(who), rate, cost))
        except RateLimited:
            raise
        except Exception as exc:
            if note_if_outage(exc, "ratelimit") is None:
                raise
        else:
            if wait_ms:
                retry_after = max(0.05, wait_ms / 1000)
                raise RateLimited(retry_after, message or f"Too many requests; try again in "
                                                          f"{retry_after:.1f} s")
            return None
    budgets = state.extras.get("ratelimit.fallback")
    if budgets is None:
        budgets = state.extras["ratelimit.fallback"] = SocketBudgets()
    retry_after = None
    for _ in range(max(1, cost)):
        retry_after = budgets.hit(scope, str(who), _parse(rate))
        if retry_after is not None:
            break
    if retry_after is not None:
        retry_after = max(0.05, retry_after)
        raise RateLimited(retry_after, message or f"Too many requests; try again in "
                                                  f"{retry_after:.1f} s")


async def check_socket_rate(state: AppState, scope: str, sid: str, rate: str) -> None:
    """`check_rate` for one socket's budget, counted in this process (see the module doc)."""
    retry_after = _socket_budgets(state).hit(scope, sid, _parse(rate))
    if retry_after is not None:
        retry_after = max(0.05, retry_after)
        raise RateLimited(retry_after, f"Too many requests; try again in {retry_after:.1f} s")


_parse = lru_cache(maxsize=256)(parse)  # the same few rate strings, parsed once


async def _hit(limiter: SlidingWindowCounterRateLimiter, scope: str, who: object, rate: str,
               cost: int, message: str | None) -> None:
    """One hit through `limits` itself (Redis Cluster: one script call per hit)."""
    item = _parse(rate)
    if not await limiter.hit(item, scope, str(who), cost=cost):
        stats = await limiter.get_window_stats(item, scope, str(who))
        retry_after = max(0.05, stats.reset_time - time.time())
        raise RateLimited(retry_after, message or f"Too many requests; try again in "
                                                  f"{retry_after:.1f} s")


# `limits`' acquire_sliding_window.lua for each hit in turn (same keys, same arithmetic);
# a refused hit answers the ms until the limit frees a slot, as `limits`' get_window_stats
# computes its reset time. KEYS: previous and current window key per hit; ARGV: limit,
# window seconds and cost per hit. Returns per hit 0 (counted) or the wait in ms (>= 1).
_HITS_LUA = """
local out = {}
for i = 1, #KEYS / 2 do
  local prev, cur = KEYS[2 * i - 1], KEYS[2 * i]
  local limit = tonumber(ARGV[3 * i - 2])
  local expiry = tonumber(ARGV[3 * i - 1]) * 1000
  local amount = tonumber(ARGV[3 * i])
  local cur_ttl = tonumber(redis.call('pttl', cur))
  if cur_ttl > 0 and cur_ttl < expiry then
    redis.call('rename', cur, prev)
    redis.call('set', cur, 0, 'PX', cur_ttl + expiry)
  end
  local prev_count = tonumber(redis.call('get', prev)) or 0
  local prev_ttl = tonumber(redis.call('pttl', prev)) or 0
  local cur_count = tonumber(redis.call('get', cur)) or 0
  cur_ttl = tonumber(redis.call('pttl', cur)) or 0
  if prev_ttl < 0 then prev_ttl = 0 end
  if cur_ttl < 0 then cur_ttl = 0 end
  local weighted = math.floor(prev_count * prev_ttl / expiry) + cur_count
  if amount > limit or weighted + amount > limit then
    local wait = expiry
    if prev_count > 0 then wait = prev_ttl % (expiry / prev_count) end
    if cur_count > 0 then wait = math.min(wait, cur_ttl % expiry) end
    out[i] = math.max(1, math.floor(wait))
  else
    if redis.call('exists', cur) == 1 then
      redis.call('incrby', cur, amount)
    else
      redis.call('set', cur, amount, 'PX', expiry * 2)
    end
    out[i] = 0
  end
end
return out
"""


async def _hits(state: AppState) -> Batcher:
    """This process's batcher of rate-limit hits: one script call for the hits that arrive
    while the previous call is out (a lone hit goes at once)."""
    b = state.extras.get("ratelimit.hits")
    if b is None:
        bridge = (await _limiter(state)).storage.bridge
        script = bridge.get_connection().register_script(_HITS_LUA)
        metrics = getattr(state, "metrics", None)
        observe = metrics.batch_observer("rate_limit") if metrics is not None else None

        async def run(hits: list[tuple[str, str, str, int]]) -> list[int]:
            keys, argv = [], []
            for scope, who, rate, cost in hits:
                item = _parse(rate)
                current = bridge.prefixed_key(f"{{{item.key_for(scope, who)}}}")
                keys += [f"{current}/-1", current]  # `limits`' sliding window key layout
                argv += [item.amount, item.get_expiry(), cost]
            if observe is not None:
                observe(len(hits))
            return [int(w) for w in await script(keys, argv)]
        b = state.extras.setdefault("ratelimit.hits", Batcher(run, max_items=256))
    return b


async def clear_rate(state: AppState, scope: str, who: object, rate: str) -> None:
    await (await _limiter(state)).clear(parse(rate), scope, str(who))
