"""Every feed read: one post, home (hybrid push/pull), profile, circle, stories, by ids.

Every page goes through the SQL visibility predicates (queries.py: blocks, mutes, deletes,
circles, story expiry) and then `gate_posts` (subscriber-only posts locked for those without
a subscription), so the rules hold on every read path.
"""
from __future__ import annotations

from handlers.feed import queries as q
from handlers.feed import timeline
from handlers.feed.posts import NotCircleMember, PostNotFound, gate_posts, is_subscriber, post_json
from handlers.users.checks import check_not_blocked, check_user_exists, check_user_id
from server.clock import now
from server.cursors import clamp_limit, decode_int_cursor, encode_cursor
from server.engagement import engaged
from server.errors import Forbidden, NotFound
from server.ids import check_uuid
from server.state import AppState


async def pg_floor(state: AppState) -> int:
    """The highest feed position PostgreSQL knows (Redis lost its counter)."""
    return await state.db.fetchval(q.MAX_SEQ)


class SubscribersOnly(Forbidden):
    def __init__(self):
        super().__init__("This post is for the author's subscribers; subscribe to see it",
                         code="subscribers_only")


async def check_can_view_post(state: AppState, viewer: str, post_id: str, conn=None, *,
                              teaser_ok: bool = False):
    """The post row as `viewer` may see it, or post_not_found / blocked. A subscriber-only
    post is refused (`subscribers_only`) to non-subscribers unless `teaser_ok` (the caller
    then shows it locked): reacting, commenting and watching it need the subscription."""
    post_id = check_uuid(post_id, PostNotFound())
    if conn is None:
        async with state.db.acquire() as c:
            return await check_can_view_post(state, viewer, post_id, c, teaser_ok=teaser_ok)
    row = await conn.fetchrow(q.GET_POST, viewer, now(state), post_id)
    if row is None or row["status"] == "deleted":
        raise PostNotFound()
    if not row["visible"]:
        await check_not_blocked(conn, viewer, row["author_id"])
        raise PostNotFound()
    if row["visibility"] == "subscribers" and not teaser_ok \
            and not await is_subscriber(conn, viewer, row["author_id"]):
        raise SubscribersOnly()
    return row


async def get_post(state: AppState, viewer: str, post_id: str) -> dict:
    """One post, opened by `viewer` (an engagement signal: a view)."""
    async with state.db.acquire() as conn:
        row = await check_can_view_post(state, viewer, post_id, conn, teaser_ok=True)
        post = (await gate_posts(state, viewer, [post_json(row)], conn))[0]
    await engaged(state, viewer, row["id"], "view")
    return post


async def _rows_to_posts(state: AppState, viewer: str, rows) -> list[dict]:
    return await gate_posts(state, viewer, [post_json(r) for r in rows if r["visible"]])


# ---------------------------------------------------------------- feeds

async def read_home(state: AppState, viewer: str, *, cursor: str | None = None,
                    newer_than: str | None = None, limit: int | None = None) -> dict:
    """One page of the home feed.

    Older pages: pass `cursor` (the previous page's `next_cursor`); `next_cursor` is None
    at the end. New posts since a page: pass `newer_than` (any page's `newer_cursor`); those
    pages come oldest first. Positions are unique and readers stop at the watermark, so
    paging while posts arrive neither repeats nor skips a post.
    """
    n = clamp_limit(limit, 20, 100)
    threshold = timeline.pull_threshold(state)
    if newer_than is not None:
        lower = decode_int_cursor(newer_than, 1)[0]
        w = await timeline.watermark(state, lambda: pg_floor(state))
        await _ensure_timeline(state, viewer)
        pushed = await timeline.page_newer(state, viewer, lower, w, n)
        async with state.db.acquire() as conn:
            rows = await conn.fetch(q.HOME_NEWER, viewer, [p for p, _ in pushed], w,
                                    threshold, n, False, lower, [s for _, s in pushed])
        items = await _rows_to_posts(state, viewer, rows)
        top = rows[-1]["seq"] if len(rows) == n else max(w, lower)
        return {"items": items, "newer_cursor": encode_cursor(top), "more": len(rows) == n}
    asked = decode_int_cursor(cursor, 1)[0] - 1 if cursor is not None else None
    # the common case is one Redis round trip and one SQL query
    w, cached, pushed = await timeline.read_page(state, viewer, asked, n)
    if w < 0 or cached < 0:  # Redis lost the counter or this timeline: rebuild, then read
        w = await timeline.watermark(state, lambda: pg_floor(state))
        await _ensure_timeline(state, viewer)
        pushed, cached = await timeline.page_older(
            state, viewer, w if asked is None else min(w, asked), n)
    upper = w if asked is None else min(w, asked)
    newer_cursor = encode_cursor(w) if cursor is None else None
    items: list[dict] = []
    end = False
    for round_ in range(5):  # hidden candidates can leave a page short; bounded refills
        need = n - len(items)
        if round_:
            pushed, cached = await timeline.page_older(state, viewer, upper, need)
        deep = len(pushed) < need and cached >= timeline.CAP
        async with state.db.acquire() as conn:
            rows = await conn.fetch(q.HOME_OLDER, viewer, [p for p, _ in pushed], upper,
                                    threshold, need, deep, None, [s for _, s in pushed])
        items.extend(post_json(r) for r in rows if r["visible"])
        if len(rows) < need:
            end = True
            break
        upper = rows[-1]["seq"] - 1
        if len(items) >= n:
            break
    nxt = None if end else encode_cursor(upper + 1)
    items = await gate_posts(state, viewer, items)
    return {"items": items, "next_cursor": nxt, "newer_cursor": newer_cursor}


async def _ensure_timeline(state: AppState, viewer: str) -> None:
    """Rebuild a timeline missing from Redis (flushed, evicted, new node) from PostgreSQL."""
    if await timeline.exists(state, viewer):
        return
    threshold = timeline.pull_threshold(state)
    rows = await state.db.fetch(q.REBUILD_HOME, viewer, threshold, 0, 2**62, timeline.CAP)
    await timeline.store(state, viewer, [(r[0], r[1]) for r in rows])
    # Posts committed while we rebuilt may have skipped this (then missing) key: catch up.
    top = max((r[1] for r in rows), default=0)
    late = await state.db.fetch(q.REBUILD_HOME, viewer, threshold, top, 2**62, timeline.CAP)
    await timeline.add(state, viewer, [(r[0], r[1]) for r in late])


async def read_profile_feed(state: AppState, viewer: str, user_id: str,
                            cursor: str | None, limit: int | None) -> dict:
    n = clamp_limit(limit, 20, 100)
    user_id = check_user_id(user_id)
    before = decode_int_cursor(cursor, 1)[0] if cursor is not None else None
    async with state.db.acquire() as conn:
        await check_user_exists(conn, user_id)
        await check_not_blocked(conn, viewer, user_id)
        rows = await conn.fetch(q.PROFILE_FEED, viewer, now(state), user_id, before, n + 1)
    return await _page(state, viewer, rows, n)


async def read_circle_feed(state: AppState, viewer: str, circle_id: str,
                           cursor: str | None, limit: int | None) -> dict:
    n = clamp_limit(limit, 20, 100)
    circle_id = check_uuid(circle_id, NotFound("No such circle", code="circle_not_found"))
    before = decode_int_cursor(cursor, 1)[0] if cursor is not None else None
    async with state.db.acquire() as conn:
        status = await conn.fetchval("SELECT status FROM circle_members WHERE circle_id = $1 "
                                     "AND user_id = $2", circle_id, viewer)
        if status != "active":
            if not await conn.fetchval("SELECT true FROM circles WHERE id = $1", circle_id):
                raise NotFound("No such circle", code="circle_not_found")
            raise NotCircleMember()
        rows = await conn.fetch(q.CIRCLE_FEED, viewer, now(state), circle_id, before, n + 1)
    return await _page(state, viewer, rows, n)


async def _page(state: AppState, viewer: str, rows, n: int) -> dict:
    more = len(rows) > n
    rows = rows[:n]
    return {"items": await gate_posts(state, viewer, [post_json(r) for r in rows]),
            "next_cursor": encode_cursor(rows[-1]["seq"]) if more else None}


async def read_stories(state: AppState, viewer: str) -> dict:
    """Active stories of the people `viewer` follows (and their own), grouped by author."""
    rows = await state.db.fetch(q.STORIES, viewer, now(state))
    groups: dict[str, dict] = {}
    for p in await gate_posts(state, viewer, [post_json(r) for r in rows]):
        g = groups.setdefault(p["author"]["id"], {"author": p["author"], "stories": []})
        g["stories"].append(p)
    return {"items": list(groups.values())}


async def hydrate_posts(state: AppState, viewer: str, ids: list[str]) -> list[dict]:
    """Posts by id as `viewer` may see them, in the order given; hidden ones left out."""
    if not ids:
        return []
    rows = await state.db.fetch(q.POSTS_BY_IDS, viewer, now(state), ids)
    by_id = {r["id"]: r for r in rows if r["visible"]}
    return await gate_posts(state, viewer, [post_json(by_id[i]) for i in ids if i in by_id])


