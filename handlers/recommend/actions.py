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
import uuid

import numpy as np
import structlog

from handlers.recommend import embedder, queries as q
from handlers.recommend.embedder import from_bytes, to_bytes, unit
from handlers.recommend.index import VectorsUnavailable, vector_index
from handlers.recommend.indexing import VECTOR_CANDIDATES, do_bump_trending
from handlers.recommend.interests import GOVERNORATES, catalogue, known
from handlers.recommend.keys import (candidates_fresh_key, candidates_key, interest_key,
                                     page_key, seen_key, trending_key, viewed_key)
from handlers.recommend.ranking import Candidate, rank
from server.engagement import on_engagement
from server.errors import BadRequest, NotFound
from server.jobs import enqueue
from server.privacy import holds_personal_data
from server.state import AppState

log = structlog.get_logger("recommend")

QUEUE = "recommend"
PAGE_TTL = 15 * 60  # a built "For you" list keeps its order for paging this long
SEEN_TTL = 7 * 24 * 3600
VIEW_ONCE_S = 24 * 3600  # a post opened again the same day teaches nothing new
REFRESH_AFTER_ENGAGEMENT_S = 20  # engagement bursts coalesce into one candidate refresh
LEARNING_RATE = {"view": 0.05, "like": 0.3, "comment": 0.4, "share": 0.5, "watch": 0.5,
                 "skip": -0.1, "not_interested": -0.6}
# What engagement elsewhere (server.engagement) teaches, in LEARNING_RATE's terms.
SIGNAL_KIND = {"reaction": "like", "comment": "comment", "view": "view"}


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
                await conn.execute(q.UPSERT_USER_VEC, user_id, to_bytes(vec))
    await _invalidate_candidates(state, user_id)
    return {"interests": interests, "governorate": governorate}


async def do_record_engagement(state: AppState, user_id: str, post_id: str, kind: str,
                               value: float = 1.0) -> dict:
    """Move the user's vector toward (or, for skips and "not interested", away from) a post.

    Reactions, comments, views, watch time and skips all come here. Runs under the user's
    embedding row lock so concurrent signals compose instead of overwriting each other.
    Engaging with one's own post teaches nothing.
    """
    rate = LEARNING_RATE[kind] * (max(0.0, min(1.0, value)) if kind == "watch" else 1.0)
    async with state.db.acquire() as conn, conn.transaction():
        author = await conn.fetchval(q.POST_AUTHOR, post_id)
        if author is None:
            raise NotFound("No such post", code="post_not_found")
        if author == user_id:
            return {"learned": False}
        await conn.execute(q.INSERT_ENGAGEMENT, user_id, post_id, kind, float(value))
        post_vec = from_bytes(await conn.fetchval(q.GET_POST_VEC, post_id))
        if post_vec is None:  # not indexed yet: the signal is kept, the vector waits
            return {"learned": False}
        current = from_bytes(await conn.fetchval(q.LOCK_USER_VEC, user_id))
        if current is None:  # first engagement: start from the interests, if any
            interests = await conn.fetchval(q.GET_INTERESTS, user_id)
            current = (await asyncio.to_thread(embedder.interests_vector, list(interests))
                       if interests else None)
        base = current if current is not None else np.zeros_like(post_vec)
        await conn.execute(q.UPSERT_USER_VEC, user_id, to_bytes(unit(base + rate * post_vec)))
    await state.redis.sadd(seen_key(state, user_id), post_id)  # seen: not recommended again
    await _invalidate_candidates(state, user_id, delay=REFRESH_AFTER_ENGAGEMENT_S)
    return {"learned": True}


async def _learn_later(state: AppState, user_id: str, post_id: str, signal: str) -> None:
    """server.engagement listener (reactions, comments, views in other domains): one queued
    job, so the socket path pays a Redis write, not the learning."""
    kind = SIGNAL_KIND.get(signal)
    if kind is not None:
        await enqueue(state, "recommend.learn",
                      {"user_id": user_id, "post_id": post_id, "kind": kind}, queue=QUEUE)


on_engagement(_learn_later)


async def do_learn_from_engagement(state: AppState, user_id: str, post_id: str,
                                   kind: str) -> dict:
    """The worker's side of an engagement signal: the post's trending scores move (reactions
    and comments), then the user's vector; a view counts once a day per post."""
    if kind == "view" and not await state.redis.set(viewed_key(state, user_id, post_id), 1,
                                                    nx=True, ex=VIEW_ONCE_S):
        return {"learned": False}
    if kind != "view":
        await do_bump_trending(state, post_id)
    try:
        return await do_record_engagement(state, user_id, post_id, kind)
    except NotFound:  # deleted meanwhile
        return {"learned": False}


async def _invalidate_candidates(state: AppState, user_id: str, delay: float = 0.0) -> None:
    await state.redis.delete(candidates_fresh_key(state, user_id))
    await enqueue(state, "recommend.refresh_candidates", {"user_id": user_id}, queue=QUEUE,
                  delay=delay, unique_key=f"refresh:{user_id}")


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
    user_vec = from_bytes(prof["vec"]) if prof else None
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
    return [Candidate(id=r["id"], author_id=r["author_id"], vec=from_bytes(r["vec"]),
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
