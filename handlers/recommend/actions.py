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

import asyncpg
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
    except (NotFound, asyncpg.ForeignKeyViolationError):  # post or user erased meanwhile
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
        page_ids = ids[offset: offset + limit]
        rows = await _hydrate_rows(state, user_id, page_ids)  # re-checked: deleted since?
    else:
        ids, rows = await _build_ranked(state, user_id)  # rows checked just now
        token, offset = secrets.token_urlsafe(8), 0
        page_ids = ids[:limit]
    pipe = state.redis.pipeline(transaction=False)
    if not cursor:
        pipe.set(page_key(state, user_id, token), json.dumps(ids), ex=PAGE_TTL)
    if page_ids:
        pipe.sadd(seen_key(state, user_id), *page_ids)
        pipe.expire(seen_key(state, user_id), SEEN_TTL)
    await pipe.execute()
    nxt = offset + limit
    return {"items": [_post_json(rows[i]) for i in page_ids if i in rows],
            "next_cursor": _encode_cursor(token, nxt) if nxt < len(ids) else None,
            "exhausted": not cursor and not ids}


# One round trip: every candidate list, de-duplicated, minus what the user has seen, as one
# space-separated string (one reply to parse instead of hundreds), and whether the vector
# candidates are fresh. KEYS: seen, fresh flag, lists...; ARGV: each list's length, then
# extra ids (recent posts of people followed).
_GATHER = """
local seen, out, have = KEYS[1], {}, {}
local function take(id)
  if not have[id] then
    have[id] = true
    if redis.call('SISMEMBER', seen, id) == 0 then out[#out + 1] = id end
  end
end
for i = 3, #KEYS do
  for _, id in ipairs(redis.call('ZREVRANGE', KEYS[i], 0, tonumber(ARGV[i - 2]) - 1)) do
    take(id)
  end
end
for i = #KEYS - 1, #ARGV do take(ARGV[i]) end
return {redis.call('EXISTS', KEYS[2]), table.concat(out, ' ')}
"""


async def _gather_candidates(state: AppState, user_id: str, interests: list[str],
                             governorate: str | None, following: list[str]) -> list[str]:
    lists = [(candidates_key(state, user_id), VECTOR_CANDIDATES)]
    lists += [(interest_key(state, name), 100) for name in interests]
    lists.append((trending_key(state, "all", None), 100))
    if governorate:
        lists.append((trending_key(state, "gov", governorate), 50))
    script = state.extras.get("recommend.gather")
    if script is None:
        script = state.extras["recommend.gather"] = state.redis.register_script(_GATHER)
    fresh, joined = await script(
        keys=[seen_key(state, user_id), candidates_fresh_key(state, user_id)]
        + [k for k, _ in lists], args=[n for _, n in lists] + following)
    if not fresh:
        await enqueue(state, "recommend.refresh_candidates", {"user_id": user_id},
                      queue=QUEUE, unique_key=f"refresh:{user_id}")
    return joined.decode().split() if joined else []


async def _build_ranked(state: AppState, user_id: str) -> tuple[list[str], dict]:
    """The user's ranked ids, and the hydrated rows of the candidates."""
    async with state.db.acquire() as conn:
        prof = await conn.fetchrow(q.GET_PROFILE, user_id)
        following = [r[0] for r in await conn.fetch(q.FOLLOWING_RECENT, user_id, 100)]
    interests = list(prof["interests"]) if prof else []
    governorate = prof["governorate"] if prof else None
    user_vec = from_bytes(prof["vec"]) if prof else None
    if user_vec is None and interests:
        user_vec = await asyncio.to_thread(embedder.interests_vector, interests)

    ids = await _gather_candidates(state, user_id, interests, governorate, following)
    if len(ids) < 10:  # few unseen candidates: the newest unseen public posts fill in
        have = set(ids)
        ids += [i for i in await _unseen_latest(state, user_id, 100) if i not in have]
    rows = await _hydrate_rows(state, user_id, ids)
    trust = await _trust(state, list({r["author_id"] for r in rows.values()}))
    cands = [Candidate(id=r["id"], author_id=r["author_id"], vec=from_bytes(r["vec"]),
                       published_ts=float(r["published_ts"] or 0), reactions=r["reaction_total"],
                       comments=r["comment_count"], trust=trust.get(r["author_id"], 0.5))
             for r in rows.values()]
    return [c.id for c in rank(cands, user_vec, k=100)], rows


UNSEEN_SCAN_PAGE = 200
UNSEEN_SCAN_PAGES = 10


async def _unseen_latest(state: AppState, user_id: str, want: int) -> list[str]:
    """Up to `want` of the newest public posts the user has not seen, scanning back at most
    UNSEEN_SCAN_PAGES × UNSEEN_SCAN_PAGE posts (bounded work per page load). Never a seen
    post: when nothing unseen is left the page says the feed is exhausted instead."""
    out: list[str] = []
    before = None
    for _ in range(UNSEEN_SCAN_PAGES):
        rows = await state.db.fetch(q.LATEST_PUBLIC_BEFORE, before, UNSEEN_SCAN_PAGE)
        if not rows:
            break
        ids = [r[0] for r in rows]
        seen = await state.redis.smismember(seen_key(state, user_id), ids)
        out += [i for i, s in zip(ids, seen) if not s]
        if len(out) >= want or len(rows) < UNSEEN_SCAN_PAGE:
            break
        before = rows[-1][1]
    return out[:want]


async def _hydrate_rows(state: AppState, user_id: str, ids: list[str]) -> dict:
    """Rows of the posts the user may see now (visibility, blocks, mutes, moderation)."""
    if not ids:
        return {}
    return {r["id"]: r for r in await state.db.fetch(q.HYDRATE, ids, user_id)}


async def _trust(state: AppState, authors: list[str]) -> dict[str, float]:
    """Author trust 0..1 from the users domain's `trust_scores`, when that table exists."""
    has = state.extras.get("recommend.has_trust")
    if has is None:
        has = state.extras["recommend.has_trust"] = bool(await state.db.fetchval(
            "SELECT to_regclass('trust_scores') IS NOT NULL"))
    if not has or not authors:
        return {}
    return {a: s / 100.0 for a, s in await state.db.fetch(q.TRUST_OF, authors)}


def _post_json(r) -> dict:
    return {"id": r["id"], "author_id": r["author_id"], "body": r["body"], "kind": r["kind"],
            "media_id": r["media_id"], "reactions": r["reaction_total"],
            "comments": r["comment_count"], "lang": r["lang"],
            "hashtags": list(r["hashtags"] or []), "published_ts": float(r["published_ts"] or 0)}


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
