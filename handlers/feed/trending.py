"""Trending: time-decayed engagement (Hacker News gravity), kept incrementally in Redis.

    score = (1 + reactions + 2 * comments) / (age_hours + 2) ** GRAVITY

Every public post of the window is in the set, engaged with or not (the 1 is the post's own
weight): a fresh post with no reaction yet ranks by its age, so trending is never empty
while recent public posts exist, and the first reaction lifts a post above its unreacted peers.

- `bump_post` rescores one post when its engagement moves (after a reaction or comment).
- `recompute` rescores every public post of the last WINDOW from PostgreSQL (decay moves
  every score, so this runs once a minute on one node, see lifecycle.py); it also rebuilds
  the set after Redis lost it.
- Readers page a *snapshot* (`trending:snap:{v}`, taken at most every SNAPSHOT_EVERY seconds
  from the live set and kept SNAPSHOT_TTL seconds): the cursor names the snapshot and an
  offset, so a page never repeats or skips a post while scores move underneath.
"""
from __future__ import annotations

import time
from datetime import timedelta

from server.clock import now
from server.cursors import clamp_limit, decode_int_cursor, encode_cursor
from server.errors import BadRequest
from server.state import AppState

GRAVITY = 1.8
WINDOW = timedelta(hours=72)
SNAPSHOT_EVERY = 10.0
SNAPSHOT_TTL = 900

POST_ENGAGEMENT = """
SELECT reaction_total, comment_count, published_at,
       (status = 'published' AND visibility = 'public' AND NOT is_story) AS eligible
FROM posts WHERE id = $1
"""
CANDIDATES = """
SELECT id::text, reaction_total, comment_count, published_at FROM posts
WHERE status = 'published' AND visibility = 'public' AND NOT is_story
  AND published_at > $1
"""


def hot_score(reactions: int, comments: int, age_hours: float) -> float:
    return (1 + reactions + 2 * comments) / (max(age_hours, 0.0) + 2) ** GRAVITY


def _keys(state: AppState):
    # one hash tag (Redis Cluster): RENAME into the live set, snapshots taken from it
    k = lambda *p: state.key("feed", "trending", *p, tag="hot")  # noqa: E731
    return k("live"), k("version"), k("snap_at"), k


async def bump_post(state: AppState, post_id: str) -> None:
    live, *_ = _keys(state)
    row = await state.db.fetchrow(POST_ENGAGEMENT, post_id)
    at = now(state)
    if row is None or not row["eligible"] or row["published_at"] < at - WINDOW:
        await state.redis.zrem(live, post_id)
        return
    age = (at - row["published_at"]).total_seconds() / 3600
    await state.redis.zadd(live, {post_id: hot_score(row["reaction_total"],
                                                     row["comment_count"], age)})


async def recompute(state: AppState) -> dict:
    """Rescore every candidate from PostgreSQL and replace the live set; then snapshot."""
    started = time.perf_counter()
    live, _, _, k = _keys(state)
    at = now(state)
    rows = await state.db.fetch(CANDIDATES, at - WINDOW)
    scores = {r[0]: hot_score(r[1], r[2], (at - r[3]).total_seconds() / 3600) for r in rows}
    tmp = k("tmp", int(time.time() * 1e6))
    pipe = state.redis.pipeline(transaction=False)
    items = list(scores.items())
    for i in range(0, len(items), 5000):
        pipe.zadd(tmp, dict(items[i:i + 5000]))
    await pipe.execute()
    if scores:
        await state.redis.rename(tmp, live)
    else:
        await state.redis.delete(live)
    version = await snapshot(state)
    return {"posts": len(scores), "seconds": time.perf_counter() - started, "version": version}


async def snapshot(state: AppState) -> int:
    live, version_key, snap_at, k = _keys(state)
    v = await state.redis.incr(version_key)
    pipe = state.redis.pipeline(transaction=True)
    pipe.zunionstore(k("snap", v), [live])
    pipe.expire(k("snap", v), SNAPSHOT_TTL)
    pipe.set(snap_at, f"{v}:{time.time()}")
    await pipe.execute()
    return v


async def read_trending(state: AppState, viewer: str, cursor: str | None,
                        limit: int | None) -> dict:
    from handlers.feed.reads import hydrate_posts

    n = clamp_limit(limit, 20, 100)
    live, _, snap_at, k = _keys(state)
    if cursor:
        v, offset = decode_int_cursor(cursor, 2)
        if not await state.redis.exists(k("snap", v)):
            raise BadRequest("This trending page is too old; start again from the top",
                             code="cursor_expired")
    else:
        offset = 0
        raw = await state.redis.get(snap_at)
        v, taken = (int(raw.split(b":")[0]), float(raw.split(b":")[1])) if raw else (0, 0.0)
        if not raw or not await state.redis.exists(k("snap", v)) \
                or time.time() - taken > SNAPSHOT_EVERY:
            v = (await recompute(state))["version"] if not await state.redis.exists(live) \
                else await snapshot(state)
    ids = [m.decode() for m in await state.redis.zrevrange(k("snap", v), offset,
                                                              offset + n - 1)]
    items = await hydrate_posts(state, viewer, ids)
    nxt = encode_cursor(v, offset + n) if len(ids) == n else None
    return {"items": items, "next_cursor": nxt}
