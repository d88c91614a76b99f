"""Recommendation actions: interests, learning from engagement, indexing, the "For you" page.

Where the work happens: embedding and every Qdrant call run in jobs (the worker, or the
in-process recommend worker in development); the page itself reads Redis candidate lists and
one PostgreSQL query, then ranks in memory, so it never waits on the model or the index.
"""
from __future__ import annotations

import asyncio
import base64
import json
import secrets
import time
import uuid

import numpy as np
import structlog

from handlers.recommend import embedder, queries as q
from handlers.recommend.index import VectorsUnavailable, vector_index
from handlers.recommend.interests import GOVERNORATES, catalogue, known
from handlers.recommend.ranking import Candidate, rank, trending_score
from server.errors import BadRequest, NotFound
from server.jobs import enqueue
from server.privacy import holds_personal_data
from server.state import AppState

log = structlog.get_logger("recommend")

QUEUE = "recommend"
CANDIDATES_TTL = 15 * 60  # a user's vector candidates are refreshed after this
PAGE_TTL = 15 * 60  # a built "For you" list keeps its order for paging this long
SEEN_TTL = 7 * 24 * 3600
VECTOR_CANDIDATES = 300
INTEREST_LIST_MAX = 2000
TRENDING_WINDOW_H = 72
LEARNING_RATE = {"view": 0.05, "like": 0.3, "comment": 0.4, "share": 0.5, "watch": 0.5,
                 "skip": -0.1, "not_interested": -0.6}


# --- keys -----------------------------------------------------------------------------------
def candidates_key(state, uid): return state.key("rec", "cand", uid)
def candidates_fresh_key(state, uid): return state.key("rec", "cand_fresh", uid)
def seen_key(state, uid): return state.key("rec", "seen", uid)
def page_key(state, uid, token): return state.key("rec", "page", uid, token)
def interest_key(state, name): return state.key("rec", "interest", name)
def trending_key(state, scope, value): return state.key("rec", "trend", scope, value or "-")
def cursor_key(state): return state.key("rec", "index_cursor")


def _to_bytes(v: np.ndarray) -> bytes:
    return np.asarray(v, dtype=np.float32).tobytes()


def _from_bytes(b: bytes | None) -> np.ndarray | None:
    return None if b is None else np.frombuffer(b, dtype=np.float32)


def _unit(v: np.ndarray) -> np.ndarray:
    return (v / max(float(np.linalg.norm(v)), 1e-9)).astype(np.float32)


# --- interests and learning -----------------------------------------------------------------
def check_interests(interests: list[str], governorate: str | None) -> list[str]:
    unknown = [i for i in interests if i not in catalogue()]
    if unknown:
        raise BadRequest(f"Unknown interests: {', '.join(unknown[:5])}",
                         code="unknown_interest", details={"known": sorted(catalogue())})
    if len(interests) > 10:
        raise BadRequest("Pick at most 10 interests", code="too_many_interests")
    if governorate is not None and governorate not in GOVERNORATES:
        raise BadRequest("Unknown governorate", code="unknown_governorate",
                         details={"known": list(GOVERNORATES)})
    return known(interests)


def check_feedback(post_id: str, kind: str) -> None:
    if kind not in LEARNING_RATE:
        raise BadRequest(f"Unknown feedback kind {kind!r}", code="invalid_feedback",
                         details={"known": sorted(LEARNING_RATE)})
    try:
        uuid.UUID(post_id)
    except ValueError:
        raise BadRequest("post_id is not a post id", code="invalid_post_id") from None


async def do_set_interests(state: AppState, user_id: str, interests: list[str],
                           governorate: str | None) -> dict:
    """Store what the user picked; a user who has not engaged yet starts from these."""
    vec = await asyncio.to_thread(embedder.interests_vector, interests) if interests else None
    async with state.db.acquire() as conn, conn.transaction():
        await conn.execute(q.UPSERT_PROFILE, user_id, interests, governorate)
        if vec is not None:
            row = await conn.fetchrow(
                "SELECT updates FROM user_embeddings WHERE user_id = $1 FOR UPDATE", user_id)
            if row is None or row["updates"] <= 1:  # not learned from engagement yet
                await conn.execute(q.UPSERT_USER_VEC, user_id, _to_bytes(vec))
    await _invalidate_candidates(state, user_id)
    return {"interests": interests, "governorate": governorate}


async def do_record_engagement(state: AppState, user_id: str, post_id: str, kind: str,
                               value: float = 1.0) -> dict:
    """Move the user's vector toward (or, for skips and "not interested", away from) a post.

    Reactions, comments, watch time and skips all come here. Runs under the user's
    embedding row lock so concurrent signals compose instead of overwriting each other.
    """
    rate = LEARNING_RATE[kind] * (max(0.0, min(1.0, value)) if kind == "watch" else 1.0)
    async with state.db.acquire() as conn, conn.transaction():
        if not await conn.fetchval("SELECT EXISTS (SELECT 1 FROM posts WHERE id = $1)", post_id):
            raise NotFound("No such post", code="post_not_found")
        await conn.execute(q.INSERT_ENGAGEMENT, user_id, post_id, kind, float(value))
        post_vec = _from_bytes(await conn.fetchval(q.GET_POST_VEC, post_id))
        if post_vec is None:  # not indexed yet: the signal is kept, the vector waits
            return {"learned": False}
        current = _from_bytes(await conn.fetchval(
            "SELECT vec FROM user_embeddings WHERE user_id = $1 FOR UPDATE", user_id))
        base = current if current is not None else np.zeros_like(post_vec)
        new = _unit(base + rate * post_vec)
        await conn.execute(q.UPSERT_USER_VEC, user_id, _to_bytes(new))
    if kind in ("not_interested", "skip"):
        await state.redis.sadd(seen_key(state, user_id), post_id)
    await _invalidate_candidates(state, user_id)
    return {"learned": True}


async def _invalidate_candidates(state: AppState, user_id: str) -> None:
    await state.redis.delete(candidates_fresh_key(state, user_id))
    await enqueue(state, "recommend.refresh_candidates", {"user_id": user_id}, queue=QUEUE,
                  unique_key=f"refresh:{user_id}")


# --- jobs: indexing, trending, candidates ---------------------------------------------------
async def do_index_posts(state: AppState, batch: int = 256) -> dict:
    """Embed and index posts published since the last run; drop what must leave the index.

    Idempotent: the cursor is the last indexed `posts.seq`; a lost cursor re-indexes.
    """
    index = vector_index(state)
    cursor = int(await state.redis.get(cursor_key(state)) or 0)
    indexed = 0
    while True:
        rows = await state.db.fetch(q.POSTS_TO_INDEX, cursor, batch)
        if not rows:
            break
        vecs = await asyncio.to_thread(_embed_rows, rows)
        points, pg_rows = [], []
        for r, (vec, lang, tags) in zip(rows, vecs):
            payload = {"post_id": r["id"], "author_id": r["author_id"], "lang": lang,
                       "visibility": r["visibility"], "governorate": r["governorate"],
                       "hashtags": tags, "published_ts": float(r["published_ts"] or time.time())}
            if r["visibility"] == "public":
                points.append((r["id"], vec, payload))
            pg_rows.append((r["id"], r["author_id"], lang, r["governorate"], tags, _to_bytes(vec)))
        await state.db.executemany(q.UPSERT_POST_EMBEDDING, pg_rows)
        await index.upsert_posts(points)
        await _add_to_interest_lists(state, [(p[0], p[1]) for p in points])
        cursor = rows[-1]["seq"]
        await state.redis.set(cursor_key(state), cursor)
        indexed += len(rows)
    removed = await do_remove_unlisted(state)
    trending = await do_refresh_trending(state)
    return {"indexed": indexed, "removed": removed, "trending": trending}


def _embed_rows(rows) -> list[tuple[np.ndarray, str, list[str]]]:
    bodies = [r["body"] or "" for r in rows]
    tags = [embedder.hashtags(b) for b in bodies]
    vecs = embedder.embed_posts([(b, t, r["circle_name"]) for b, t, r in zip(bodies, tags, rows)])
    return [(v, embedder.detect_language(b), t) for v, b, t in zip(vecs, bodies, tags)]


async def _add_to_interest_lists(state: AppState, posts: list[tuple[str, np.ndarray]]) -> None:
    """File each post under the interests it is closest to (cold-start candidates)."""
    if not posts:
        return
    names = sorted(catalogue())
    mat = np.stack(await asyncio.to_thread(lambda: [embedder.interest_vector(n) for n in names]))
    pipe = state.redis.pipeline(transaction=False)
    for post_id, vec in posts:
        sims = mat @ vec
        best = float(sims.max())
        for name, s in zip(names, sims):
            if s >= best - 0.03:
                pipe.zadd(interest_key(state, name), {post_id: float(s)})
    for name in names:
        pipe.zremrangebyrank(interest_key(state, name), 0, -INTEREST_LIST_MAX - 1)
    await pipe.execute()


async def do_remove_unlisted(state: AppState) -> int:
    """Deleted, held, expired or no-longer-public posts leave Qdrant and every list."""
    ids = [r[0] for r in await state.db.fetch(q.POSTS_TO_REMOVE)]
    if not ids:
        return 0
    await vector_index(state).delete_posts(ids)
    await state.db.execute(q.DELETE_POST_EMBEDDINGS, ids)
    pipe = state.redis.pipeline(transaction=False)
    for name in catalogue():
        pipe.zrem(interest_key(state, name), *ids)
    await pipe.execute()
    return len(ids)


async def do_refresh_trending(state: AppState, now: float | None = None) -> int:
    """Time-decayed engagement per language and per governorate over the last 72 h.

    Each run rewrites only the window's scores (ZADD replaces; old posts age out with
    ZREMRANGEBYSCORE on the publish time kept alongside), so cost follows recent posts only.
    """
    now = now or time.time()
    rows = await state.db.fetch(q.TRENDING_SOURCE, TRENDING_WINDOW_H)
    pipe = state.redis.pipeline(transaction=True)
    keys = set()
    for r in rows:
        s = trending_score(r["reaction_total"], r["comment_count"], float(r["published_ts"]), now)
        for scope, value in (("all", None), ("lang", r["lang"]), ("gov", r["governorate"])):
            if scope == "gov" and not value:
                continue
            k = trending_key(state, scope, value)
            keys.add(k)
            pipe.zadd(k, {r["id"]: s})
    live = {r["id"] for r in rows}
    for k in keys:
        pipe.expire(k, TRENDING_WINDOW_H * 3600)
    await pipe.execute()
    # drop members that left the window or the index
    for k in keys | {trending_key(state, "all", None)}:
        members = [m.decode() for m in await state.redis.zrange(k, 0, -1)]
        stale = [m for m in members if m not in live]
        if stale:
            await state.redis.zrem(k, *stale)
    return len(rows)


async def do_refresh_candidates(state: AppState, user_id: str) -> int:
    """Nearest public posts to the user's vector, from Qdrant, into the user's Redis list."""
    async with state.db.acquire() as conn:
        prof = await conn.fetchrow(q.GET_PROFILE, user_id)
        hidden = [r[0] for r in await conn.fetch(q.HIDDEN_AUTHORS, user_id)]
    if prof is None:
        return 0
    vec = _from_bytes(prof["vec"])
    if vec is None and prof["interests"]:
        vec = await asyncio.to_thread(embedder.interests_vector, list(prof["interests"]))
    if vec is None:
        return 0
    index = vector_index(state)
    await index.upsert_user(user_id, vec, {"user_id": user_id,
                                           "governorate": prof["governorate"]})
    hits = await index.search_posts(
        vec, limit=VECTOR_CANDIDATES, min_ts=time.time() - 30 * 86400,
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


# --- the page -------------------------------------------------------------------------------
def _encode_cursor(token: str, offset: int) -> str:
    return base64.urlsafe_b64encode(f"{token}:{offset}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[str, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        token, offset = raw.rsplit(":", 1)
        return token, int(offset)
    except Exception:
        raise BadRequest("Invalid cursor", code="invalid_cursor") from None


async def get_for_you(state: AppState, user_id: str, *, cursor: str | None = None,
                      limit: int = 20) -> dict:
    """One page of "For you". The first call ranks and keeps the order for PAGE_TTL; cursors
    page through that order (stable: no duplicates, no gaps while new posts arrive)."""
    if cursor:
        token, offset = _decode_cursor(cursor)
        raw = await state.redis.get(page_key(state, user_id, token))
        if raw is None:
            raise BadRequest("This feed page expired; load the feed again",
                             code="cursor_expired")
        ids = json.loads(raw)
    else:
        ids = await _build_ranked_ids(state, user_id)
        token, offset = secrets.token_urlsafe(8), 0
        await state.redis.set(page_key(state, user_id, token), json.dumps(ids), ex=PAGE_TTL)
    page_ids = ids[offset: offset + limit]
    posts = await _hydrate(state, user_id, page_ids)  # re-checked: deletions since ranking
    if page_ids:
        await state.redis.sadd(seen_key(state, user_id), *page_ids)
        await state.redis.expire(seen_key(state, user_id), SEEN_TTL)
    nxt = offset + limit
    return {"items": posts, "next_cursor": _encode_cursor(token, nxt) if nxt < len(ids) else None}


async def _build_ranked_ids(state: AppState, user_id: str) -> list[str]:
    async with state.db.acquire() as conn:
        prof = await conn.fetchrow(q.GET_PROFILE, user_id)
        following = [r[0] for r in await conn.fetch(q.FOLLOWING_RECENT, user_id, 100)]
    interests = list(prof["interests"]) if prof else []
    governorate = prof["governorate"] if prof else None
    user_vec = _from_bytes(prof["vec"]) if prof else None
    if user_vec is None and interests:
        user_vec = await asyncio.to_thread(embedder.interests_vector, interests)

    r = state.redis
    if not await r.exists(candidates_fresh_key(state, user_id)):
        await enqueue(state, "recommend.refresh_candidates", {"user_id": user_id},
                      queue=QUEUE, unique_key=f"refresh:{user_id}")
    pipe = r.pipeline(transaction=False)
    pipe.zrevrange(candidates_key(state, user_id), 0, VECTOR_CANDIDATES - 1)
    for name in interests:
        pipe.zrevrange(interest_key(state, name), 0, 99)
    pipe.zrevrange(trending_key(state, "all", None), 0, 99)
    if governorate:
        pipe.zrevrange(trending_key(state, "gov", governorate), 0, 49)
    pipe.smembers(seen_key(state, user_id))
    res = await pipe.execute()
    seen = {m.decode() for m in res[-1]}
    pool: dict[str, None] = {}
    for lst in res[:-1]:
        for m in lst:
            pool[m.decode()] = None
    for pid in following:
        pool[pid] = None
    ids = [i for i in pool if i not in seen]
    if len(ids) < 10:  # never empty: newest public posts fill in
        latest = [x[0] for x in await state.db.fetch(q.LATEST_PUBLIC, 100)]
        ids += [i for i in latest if i not in seen and i not in pool]
        if not ids:
            ids = latest
    cands = await _candidates(state, user_id, ids)
    ranked = rank(cands, user_vec, k=100)
    return [c.id for c in ranked]


async def _candidates(state: AppState, user_id: str, ids: list[str]) -> list[Candidate]:
    if not ids:
        return []
    async with state.db.acquire() as conn:
        rows = await conn.fetch(q.HYDRATE, ids, user_id)
        trust = {}
        if await conn.fetchval("SELECT to_regclass('trust_scores') IS NOT NULL"):
            authors = list({r["author_id"] for r in rows})
            trust = {a: s / 100.0 for a, s in await conn.fetch(q.TRUST_OF, authors)}
    return [Candidate(id=r["id"], author_id=r["author_id"], vec=_from_bytes(r["vec"]),
                      published_ts=float(r["published_ts"] or 0), reactions=r["reaction_total"],
                      comments=r["comment_count"], trust=trust.get(r["author_id"], 0.5))
            for r in rows]


async def _hydrate(state: AppState, user_id: str, ids: list[str]) -> list[dict]:
    if not ids:
        return []
    rows = await state.db.fetch(q.HYDRATE, ids, user_id)
    by_id = {r["id"]: r for r in rows}
    return [{"id": i, "author_id": by_id[i]["author_id"], "body": by_id[i]["body"],
             "kind": by_id[i]["kind"], "media_id": by_id[i]["media_id"],
             "reactions": by_id[i]["reaction_total"], "comments": by_id[i]["comment_count"],
             "lang": by_id[i]["lang"], "hashtags": list(by_id[i]["hashtags"] or []),
             "published_ts": float(by_id[i]["published_ts"] or 0)}
            for i in ids if i in by_id]


# --- PDPL -----------------------------------------------------------------------------------
async def _export(conn, user_id: str):
    prof = await conn.fetchrow("SELECT interests, governorate FROM recommend_profiles "
                               "WHERE user_id = $1", user_id)
    eng = await conn.fetch("SELECT post_id::text, kind, value, created_at::text FROM engagements "
                           "WHERE user_id = $1 ORDER BY id", user_id)
    return {"interests": list(prof["interests"]) if prof else [],
            "governorate": prof["governorate"] if prof else None,
            "engagements": [dict(r) for r in eng]}


async def _erase(conn, user_id: str) -> None:
    for table in ("engagements", "user_embeddings", "recommend_profiles"):
        await conn.execute(f"DELETE FROM {table} WHERE user_id = $1", user_id)


async def _after_erase(state: AppState, user_id: str) -> None:
    await state.redis.delete(candidates_key(state, user_id), candidates_fresh_key(state, user_id),
                             seen_key(state, user_id))
    try:
        await vector_index(state).delete_user(user_id)
    except VectorsUnavailable:
        await enqueue(state, "recommend.forget_user", {"user_id": user_id}, queue=QUEUE)


holds_personal_data("recommend", export=_export, erase=_erase, after_commit=_after_erase)
