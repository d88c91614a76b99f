"""The worker's side of recommendations: embedding and indexing posts, trending, candidates.

Everything here runs in the `recommend` job queue (see jobs.py), never on the socket path:
it embeds (CPU), calls Qdrant (blocking in local mode) and rescans windows of posts.
"""
from __future__ import annotations

import asyncio
import time

import numpy as np

from handlers.recommend import embedder, queries as q
from handlers.recommend.embedder import from_bytes, to_bytes
from handlers.recommend.index import vector_index
from handlers.recommend.interests import catalogue
from handlers.recommend.keys import (candidates_fresh_key, candidates_key, cursor_key,
                                     interest_key, trending_full_key, trending_key,
                                     trending_keys_key)
from handlers.recommend.ranking import trending_score
from server.state import AppState

CANDIDATES_TTL = 15 * 60  # a user's vector candidates are refreshed after this
VECTOR_CANDIDATES = 300
CANDIDATE_MAX_AGE_S = 30 * 86400
INTEREST_LIST_MAX = 2000
TRENDING_WINDOW_H = 72
TRENDING_FULL_EVERY_S = 60  # decay moves every score: a full rescore at most this often
# A new post goes straight into the candidate lists of the users whose vectors are near it,
# so it reaches them on their next page (indexing runs every few seconds) instead of at their
# next candidate refresh (up to CANDIDATES_TTL). 0.15: on the corpus of tests/recommend, a
# user who liked 3 posts of a topic is at least this similar to 75 % of that topic's posts and
# to 1 % of other topics' posts.
USER_MATCH_MIN = 0.15
USER_MATCH_LIMIT = 1000
PUSH_MAX_BATCH = 64


def _payload(post_id, author_id, lang, visibility, governorate, tags, published_ts) -> dict:
    return {"post_id": post_id, "author_id": author_id, "lang": lang,
            "visibility": visibility, "governorate": governorate, "hashtags": list(tags or []),
            "published_ts": float(published_ts or time.time())}


# --- indexing -------------------------------------------------------------------------------
async def do_index_posts(state: AppState, batch: int = 256) -> dict:
    """Embed and index posts published since the last run; drop what must leave the index;
    rescore trending when due. The first pass of a process refills Qdrant from PostgreSQL if
    it holds fewer posts than `post_embeddings` (a lost or rolled-back local folder).

    Idempotent: the cursor is the last indexed `posts.seq`; a lost cursor re-indexes.
    """
    index = vector_index(state)
    rebuilt = None
    if not state.extras.get("recommend.index_checked"):  # once per process: a lost folder?
        state.extras["recommend.index_checked"] = True
        if await index.count_posts() < await state.db.fetchval(q.COUNT_INDEXABLE):
            rebuilt = await do_rebuild_index(state)
    cursor = int(await state.redis.get(cursor_key(state)) or 0)
    indexed = 0
    while True:
        rows = await state.db.fetch(q.POSTS_TO_INDEX, cursor, batch)
        if not rows:
            break
        vecs = await asyncio.to_thread(_embed_rows, rows)
        points, pg_rows = [], []
        for r, (vec, lang, tags) in zip(rows, vecs):
            if r["visibility"] == "public":
                points.append((r["id"], vec, _payload(
                    r["id"], r["author_id"], lang, r["visibility"], r["governorate"], tags,
                    r["published_ts"])))
            pg_rows.append((r["id"], r["author_id"], lang, r["governorate"], tags, to_bytes(vec)))
        await state.db.executemany(q.UPSERT_POST_EMBEDDING, pg_rows)
        await index.upsert_posts(points)
        await file_under_interests(state, [(p[0], p[1]) for p in points])
        if len(rows) <= PUSH_MAX_BATCH:  # steady state, not a backfill
            await push_to_matching_users(state, points)
        cursor = rows[-1]["seq"]
        await state.redis.set(cursor_key(state), cursor)
        indexed += len(rows)
    removed = await do_remove_unlisted(state)
    trending = None
    if await state.redis.set(trending_full_key(state), 1, nx=True, ex=TRENDING_FULL_EVERY_S):
        trending = await do_refresh_trending(state)
    return {"indexed": indexed, "removed": removed, "trending": trending, "rebuilt": rebuilt}


def _embed_rows(rows) -> list[tuple[np.ndarray, str, list[str]]]:
    bodies = [r["body"] or "" for r in rows]
    tags = [embedder.hashtags(b) for b in bodies]
    vecs = embedder.embed_posts([(b, t, r["circle_name"]) for b, t, r in zip(bodies, tags, rows)])
    return [(v, embedder.detect_language(b), t) for v, b, t in zip(vecs, bodies, tags)]


async def do_rebuild_index(state: AppState, batch: int = 5000) -> int:
    """Re-fill Qdrant and the interest lists from `post_embeddings` (the truth), without
    embedding anything again: after losing the local folder or Redis, or when moving to a
    Qdrant server. Batches of `batch` posts, keyset-paginated."""
    index, after, done = vector_index(state), "00000000-0000-0000-0000-000000000000", 0
    while True:
        rows = await state.db.fetch(q.INDEXED_POSTS_PAGE, after, batch)
        if not rows:
            await index.freeze_loaded_points()
            return done
        mat = np.frombuffer(b"".join(r["vec"] for r in rows), dtype=np.float32).reshape(
            len(rows), -1)
        points = [(r["id"], mat[i], _payload(r["id"], r["author_id"], r["lang"], r["visibility"],
                                             r["governorate"], r["hashtags"], r["published_ts"]))
                  for i, r in enumerate(rows)]
        await index.upsert_posts(points)
        await file_under_interests(state, [(p[0], p[1]) for p in points])
        after, done = rows[-1]["id"], done + len(rows)


# A post is filed under its nearest interest when it is at least this similar to it. Calibrated
# on the tuning split of tests/recommend/corpus.py (best F1 of filing over thresholds and
# margins: 0.81 there, precision 0.83; on the held-out split precision 0.73, recall 0.68,
# against 0.58 / 0.79 for the old "within 0.03 of the nearest" rule, which filed a post under
# up to 12 interests). See docs/recommend.md.
FILING_MIN_SIMILARITY = 0.04


def interest_filing(sims: np.ndarray) -> np.ndarray:
    """Which interests each post is filed under (posts x interests similarities in, bools out):
    its nearest interest only, and only if it is near enough."""
    nearest = sims.argmax(axis=1)
    filed = np.zeros(sims.shape, dtype=bool)
    rows = np.arange(len(sims))
    filed[rows, nearest] = sims[rows, nearest] >= FILING_MIN_SIMILARITY
    return filed


async def file_under_interests(state: AppState, posts: list[tuple[str, np.ndarray]]) -> None:
    """File each post under the interests it is closest to (cold-start candidates)."""
    if not posts:
        return
    names = sorted(catalogue())
    mat = np.stack(await asyncio.to_thread(lambda: [embedder.interest_vector(n) for n in names]))
    sims = np.stack([v for _, v in posts]) @ mat.T  # posts x interests, one product
    near = interest_filing(sims)
    pipe = state.redis.pipeline(transaction=False)
    for j, name in enumerate(names):
        members = {posts[i][0]: float(sims[i, j]) for i in np.flatnonzero(near[:, j])}
        if members:
            pipe.zadd(interest_key(state, name), members)
        pipe.zremrangebyrank(interest_key(state, name), 0, -INTEREST_LIST_MAX - 1)
    await pipe.execute()


async def push_to_matching_users(state: AppState, points: list[tuple[str, np.ndarray, dict]]) -> int:
    """Add each new public post to the candidate lists of the users it matches (not its
    author). Lists that did not exist are created with the usual lifetime; the page's own
    rules (seen, blocks, visibility) still apply when it is read."""
    index = vector_index(state)
    pipe = state.redis.pipeline(transaction=False)
    pushed = 0
    for post_id, vec, payload in points:
        for user_id, score in await index.search_users(vec, limit=USER_MATCH_LIMIT,
                                                       min_score=USER_MATCH_MIN):
            if user_id == payload.get("author_id"):
                continue
            key = candidates_key(state, user_id)
            pipe.zadd(key, {post_id: score})
            pipe.expire(key, 24 * 3600, nx=True)
            pushed += 1
    if pushed:
        await pipe.execute()
    return pushed


async def do_remove_unlisted(state: AppState) -> int:
    """Deleted, held, expired or no-longer-public posts leave Qdrant and every list."""
    ids = [r[0] for r in await state.db.fetch(q.POSTS_TO_REMOVE)]
    if not ids:
        return 0
    await vector_index(state).delete_posts(ids)
    await state.db.execute(q.DELETE_POST_EMBEDDINGS, ids)
    trend_keys = [k.decode() for k in await state.redis.smembers(trending_keys_key(state))]
    pipe = state.redis.pipeline(transaction=False)
    for k in [interest_key(state, n) for n in catalogue()] + trend_keys:
        pipe.zrem(k, *ids)
    await pipe.execute()
    return len(ids)


# --- trending -------------------------------------------------------------------------------
def _trending_scopes(state: AppState, lang: str | None, governorate: str | None) -> list[str]:
    keys = [trending_key(state, "all", None)]
    if lang:
        keys.append(trending_key(state, "lang", lang))
    if governorate:
        keys.append(trending_key(state, "gov", governorate))
    return keys


async def do_refresh_trending(state: AppState, now: float | None = None) -> int:
    """Rescore every public post of the last 72 h, overall, per language and per governorate.

    Decay moves every score, so this runs at most once a minute; in between, `do_bump_trending`
    rescores the posts whose engagement moved. Each set is rebuilt aside and swapped in
    (RENAME), and scopes with no post left in the window are dropped, so nothing stale stays.
    """
    now = now or time.time()
    rows = await state.db.fetch(q.TRENDING_SOURCE, TRENDING_WINDOW_H)
    scored: dict[str, dict[str, float]] = {}
    for r in rows:
        s = trending_score(r["reaction_total"], r["comment_count"], float(r["published_ts"]), now)
        for k in _trending_scopes(state, r["lang"], r["governorate"]):
            scored.setdefault(k, {})[r["id"]] = s
    old = {k.decode() for k in await state.redis.smembers(trending_keys_key(state))}
    pipe = state.redis.pipeline(transaction=True)
    for k, members in scored.items():
        pipe.delete(k + ":new")
        items = list(members.items())
        for i in range(0, len(items), 5000):
            pipe.zadd(k + ":new", dict(items[i:i + 5000]))
        # as a raw command: redis-py's cluster pipelines refuse rename() (both keys are in
        # one slot here: the domain's tag)
        pipe.execute_command("RENAME", k + ":new", k)
        pipe.expire(k, TRENDING_WINDOW_H * 3600)
    gone = (old | {trending_key(state, "all", None)}) - set(scored)
    if gone:
        pipe.delete(*gone)
    pipe.delete(trending_keys_key(state))
    if scored:
        pipe.sadd(trending_keys_key(state), *scored)
    await pipe.execute()
    return len(rows)


async def do_bump_trending(state: AppState, post_id: str, now: float | None = None) -> None:
    """Rescore one post after its engagement moved (a reaction or comment)."""
    r = await state.db.fetchrow(q.TRENDING_ONE, post_id, TRENDING_WINDOW_H)
    if r is None:  # not public, not indexed or out of the window: the full rescore decides
        return
    s = trending_score(r["reaction_total"], r["comment_count"], float(r["published_ts"]),
                       now or time.time())
    keys = _trending_scopes(state, r["lang"], r["governorate"])
    pipe = state.redis.pipeline(transaction=False)
    for k in keys:
        pipe.zadd(k, {post_id: s})
    pipe.sadd(trending_keys_key(state), *keys)
    await pipe.execute()


# --- a user's vector candidates ---------------------------------------------------------------
async def do_refresh_candidates(state: AppState, user_id: str) -> int:
    """Nearest public posts to the user's vector, from Qdrant, into the user's Redis list."""
    async with state.db.acquire() as conn:
        prof = await conn.fetchrow(q.GET_PROFILE, user_id)
        hidden = [r[0] for r in await conn.fetch(q.HIDDEN_AUTHORS, user_id)]
    if prof is None:
        return 0
    vec = from_bytes(prof["vec"])
    if vec is None and prof["interests"]:
        vec = await asyncio.to_thread(embedder.interests_vector, list(prof["interests"]))
    if vec is None:
        return 0
    index = vector_index(state)
    await index.upsert_user(user_id, vec, {"user_id": user_id,
                                           "governorate": prof["governorate"]})
    hits = await index.search_posts(
        vec, limit=VECTOR_CANDIDATES, min_ts=time.time() - CANDIDATE_MAX_AGE_S,
        exclude_authors=hidden + [user_id])
    key = candidates_key(state, user_id)
    pipe = state.redis.pipeline(transaction=True)
    pipe.delete(key)
    if hits:
        pipe.zadd(key, {h.post_id: h.score for h in hits})
    pipe.expire(key, 24 * 3600)
    pipe.set(candidates_fresh_key(state, user_id), 1, ex=CANDIDATES_TTL)
    await pipe.execute()
    return len(hits)
