"""Home timelines in Redis: feed positions, fan-out on write, rebuild on read.

Shape (all keys under the deployment's prefix):
- `feed:home:{uid}`  sorted set post_id -> feed position (`seq`), capped at CAP entries, plus a
  marker member `~` at score 0 that says "this timeline was built". A missing key means
  "not cached": fan-out skips it (Lua `EXISTS`), the next read rebuilds it from PostgreSQL.
- `feed:seq`         the last feed position issued (INCR; re-seeded from PostgreSQL if lost).
- `feed:inflight`    positions issued but not yet fully written (committed and fanned out).

Why the in-flight set: positions are issued before the post commits and fan-outs run in
parallel, so position 101 can land in timelines before 100 does. Readers only read up to the
*watermark* — just below the lowest in-flight position — so a page never shows 101 while 100
may still appear beneath it. That is what keeps cursors free of skips while posts arrive.
An entry whose publisher died is dropped after INFLIGHT_TTL_MS.
"""
from __future__ import annotations

import os
import time

from handlers.users.hooks import graph_changed
from server.redis_clients import run_scripts
from server.state import AppState

CAP = 500  # posts kept per cached home timeline
MARKER = b"~"
TIMELINE_TTL = 14 * 24 * 3600  # idle timelines leave Redis; they are rebuilt on read
INFLIGHT_TTL_MS = 30_000
FANOUT_BATCH = 1000  # timelines per Lua call
FOLLOWER_PAGE = 5000  # followers per keyset page

_ISSUE = """
local cur = redis.call('GET', KEYS[1])
if not cur then
  if ARGV[1] == '' then return -1 end
  redis.call('SET', KEYS[1], ARGV[1])
end
local s = redis.call('INCR', KEYS[1])
redis.call('ZADD', KEYS[2], s, s .. ':' .. ARGV[2])
return s
"""

_WATERMARK = """
local now = tonumber(ARGV[1])
for i = 1, 50 do
  local m = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  if #m == 0 then break end
  local dl = tonumber(string.match(m[1], ':(%d+)$'))
  if dl < now then redis.call('ZREM', KEYS[1], m[1]) else return tonumber(m[2]) - 1 end
end
local cur = redis.call('GET', KEYS[2])
if not cur then return -1 end
return tonumber(cur)
"""

# One round trip for a home page: the watermark, then up to ARGV[3] entries of the timeline
# at or below min(ARGV[2], watermark), trimming the timeline to ARGV[4] entries and keeping
# it ARGV[5] more seconds. Returns {watermark, cached entries (-1: no timeline),
# member, score, member, score, ...}; watermark -1 means "Redis lost the counter".
_READ = """
local now = tonumber(ARGV[1])
local w = nil
for i = 1, 50 do
  local m = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  if #m == 0 then break end
  local dl = tonumber(string.match(m[1], ':(%d+)$'))
  if dl < now then redis.call('ZREM', KEYS[1], m[1]) else w = tonumber(m[2]) - 1; break end
end
if w == nil then
  local cur = redis.call('GET', KEYS[2])
  if not cur then return {-1, -1} end
  w = tonumber(cur)
end
local card = redis.call('ZCARD', KEYS[3])
if card == 0 then return {w, -1} end
redis.call('EXPIRE', KEYS[3], ARGV[5])
local cap = tonumber(ARGV[4])
if card > cap + 33 then
  redis.call('ZREMRANGEBYRANK', KEYS[3], 1, -(cap + 1))
  card = cap + 1
end
local upper = w
if ARGV[2] ~= '' and tonumber(ARGV[2]) < upper then upper = tonumber(ARGV[2]) end
local got = redis.call('ZREVRANGEBYSCORE', KEYS[3], upper, 1, 'WITHSCORES', 'LIMIT', 0,
                       tonumber(ARGV[3]))
local out = {w, card - 1}
for i = 1, #got do out[#out + 1] = got[i] end
return out
"""

# Fan-out writes. ARGV: timeline key prefix, score, member, user ids joined by ','. The keys
# are built here rather than passed as KEYS: packing thousands of key arguments cost the
# publisher more than Redis spends writing them (fine on one Redis, as we deploy; on Redis
# Cluster timelines would need a hash tag per shard). Only timelines that exist are written;
# trimming to CAP happens when a timeline is read (below) or rebuilt, so a write stays two
# calls per follower.
_PUSH = """
local prefix, score, member = ARGV[1], ARGV[2], ARGV[3]
local n = 0
for id in string.gmatch(ARGV[4], '[^,]+') do
  local k = prefix .. id
  if redis.call('EXISTS', k) == 1 then
    redis.call('ZADD', k, score, member)
    n = n + 1
  end
end
return n
"""

# Same ARGV without the score: takes one post out of these timelines.
_PULL = """
local n = 0
for id in string.gmatch(ARGV[3], '[^,]+') do
  n = n + redis.call('ZREM', ARGV[1] .. id, ARGV[2])
end
return n
"""


def pull_threshold(state: AppState) -> int:
    """Authors with at least this many followers are not fanned out but pulled at read."""
    v = state.settings.extra.get("feed_pull_threshold") or os.environ.get("FEED_PULL_THRESHOLD")
    return int(v) if v else 1000


def feed_key(state: AppState, *parts: object) -> str:
    """A key of the home feed. One hash tag for all of them (Redis Cluster): a timeline is
    read in one script with the position counter and in-flight set, and fan-out scripts
    write many users' timelines at once."""
    return state.key("feed", *parts, tag="feed")


def timeline_key(state: AppState, user_id: object) -> str:
    return feed_key(state, "home", user_id)


def _scripts(state: AppState):
    s = state.extras.get("feed_scripts")
    if s is None:
        r = state.redis
        s = state.extras["feed_scripts"] = {
            "issue": r.register_script(_ISSUE), "watermark": r.register_script(_WATERMARK),
            "push": r.register_script(_PUSH), "read": r.register_script(_READ),
            "pull": r.register_script(_PULL)}
    return s


async def issue_position(state: AppState, pg_floor) -> tuple[int, str]:
    """A new feed position, registered in flight. `pg_floor()` gives max(seq) in PostgreSQL
    (used only when Redis lost the counter). Returns (seq, token for finish_position)."""
    deadline = int(time.time() * 1000) + INFLIGHT_TTL_MS
    sc = _scripts(state)
    keys = [feed_key(state, "seq"), feed_key(state, "inflight")]
    seq = await sc["issue"](keys=keys, args=["", deadline])
    if seq == -1:
        seq = await sc["issue"](keys=keys, args=[str(await pg_floor()), deadline])
    return int(seq), f"{seq}:{deadline}"


async def finish_position(state: AppState, token: str) -> None:
    await state.redis.zrem(feed_key(state, "inflight"), token)


async def watermark(state: AppState, pg_floor) -> int:
    """Highest position below which every issued position is committed and fanned out."""
    w = await _scripts(state)["watermark"](
        keys=[feed_key(state, "inflight"), feed_key(state, "seq")],
        args=[int(time.time() * 1000)])
    if w == -1:
        return int(await pg_floor())
    return int(w)


async def push(state: AppState, user_ids: list[str], post_id: str, seq: int) -> int:
    """Add one post to the cached timelines of these users; returns how many were cached."""
    return await _per_batch(state, "push", user_ids, seq, post_id)


async def pull_out(state: AppState, user_ids: list[str], post_id: str) -> int:
    """Take one post out of these users' cached timelines (deleted, removed, held)."""
    return await _per_batch(state, "pull", user_ids, post_id)


async def _per_batch(state: AppState, script: str, user_ids: list[str], *args) -> int:
    """One round trip: a pipeline of one Lua call per FANOUT_BATCH users, their ids joined
    into one argument (packing 10k key arguments was a fifth of a fan-out's profile)."""
    if not user_ids:
        return 0
    run = _scripts(state)[script]
    prefix = timeline_key(state, "")
    # KEYS[1] (unused by the script) routes the call to the timelines' master in a cluster
    return sum(await run_scripts(state.redis, [
        (run, [prefix], [prefix, *args, ",".join(user_ids[i:i + FANOUT_BATCH])])
        for i in range(0, len(user_ids), FANOUT_BATCH)]))


async def invalidate(state: AppState, *user_ids: object) -> None:
    """Forget cached timelines (after follow/unfollow/block); the next read rebuilds them."""
    if user_ids:
        await state.redis.delete(*(timeline_key(state, u) for u in user_ids))


async def exists(state: AppState, user_id: object) -> bool:
    return bool(await state.redis.exists(timeline_key(state, user_id)))


async def store(state: AppState, user_id: object, rows: list[tuple[str, int]]) -> None:
    """Write a rebuilt timeline (merging with anything fanned out meanwhile)."""
    key = timeline_key(state, user_id)
    mapping = {MARKER: 0}
    mapping.update({pid: seq for pid, seq in rows})
    pipe = state.redis.pipeline(transaction=True)
    pipe.zadd(key, mapping)
    pipe.zremrangebyrank(key, 1, -(CAP + 1))
    pipe.expire(key, TIMELINE_TTL)
    await pipe.execute()


async def add(state: AppState, user_id: object, rows: list[tuple[str, int]]) -> None:
    if rows:
        await state.redis.zadd(timeline_key(state, user_id), {pid: seq for pid, seq in rows})


async def read_page(state: AppState, user_id: object, upper: int | None, limit: int
                    ) -> tuple[int, int, list[tuple[str, int]]]:
    """(watermark, cached entry count or -1 when there is no timeline, up to `limit`
    (post_id, seq) at or below min(upper, watermark), newest first) in one round trip.
    A watermark of -1 means Redis lost its counter (the caller asks PostgreSQL)."""
    got = await _scripts(state)["read"](
        keys=[feed_key(state, "inflight"), feed_key(state, "seq"),
              timeline_key(state, user_id)],
        args=[int(time.time() * 1000), "" if upper is None else upper, limit, CAP,
              TIMELINE_TTL])
    w, card, flat = int(got[0]), int(got[1]), got[2:]
    return w, card, [(flat[i].decode(), int(flat[i + 1])) for i in range(0, len(flat), 2)]


async def page_older(state: AppState, user_id: object, upper: int, limit: int
                     ) -> tuple[list[tuple[str, int]], int]:
    """Up to `limit` (post_id, seq) at or below `upper`, newest first; and the entry count."""
    key = timeline_key(state, user_id)
    pipe = state.redis.pipeline(transaction=False)
    pipe.zrevrangebyscore(key, upper, 1, start=0, num=limit, withscores=True)
    pipe.zcard(key)
    pipe.expire(key, TIMELINE_TTL)
    got, card, _ = await pipe.execute()
    return [(m.decode(), int(s)) for m, s in got], max(0, card - 1)


async def page_newer(state: AppState, user_id: object, lower: int, upper: int, limit: int
                     ) -> list[tuple[str, int]]:
    """Up to `limit` (post_id, seq) strictly above `lower` and at most `upper`, oldest first."""
    got = await state.redis.zrangebyscore(timeline_key(state, user_id), f"({lower}", upper,
                                          start=0, num=limit, withscores=True)
    return [(m.decode(), int(s)) for m, s in got]


async def drop(state: AppState, user_id: object) -> None:
    await state.redis.delete(timeline_key(state, user_id))


graph_changed.listen(invalidate)  # follows, blocks or an erasure: rebuild on next read
