"""Posts and stories, the hybrid home feed, and live push.

Publishing (`do_create_post`) reads like its steps: check, moderate, take a feed position,
store, then after the commit fan out and push. Fan-out is hybrid, as big timelines do it:
- authors below the pull threshold are *pushed*: the post id goes into every follower's
  cached home timeline (Redis sorted set), in batches of FANOUT_BATCH, keyset-paginated;
- authors at or above it are *pulled*: their posts are merged in when a follower reads.
Either way the online followers get `feed:new` on every process (one Socket.IO message per
batch, addressed to their `user:{id}` rooms). Deletes and visibility changes send
`feed:remove`.

Media hand-off: a video post waits in `pending_media` until the media worker calls
`do_mark_media_ready(state, media_id)`; if the media was ready first, the post publishes at
once.
"""
from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any, Literal

import msgspec

from handlers.feed import queries as q
from handlers.feed import timeline
from handlers.feed.clock import now
from handlers.feed.cursors import clamp_limit, decode_cursor, encode_cursor
from handlers.moderation.actions import do_hold_for_review
from handlers.moderation.gate import moderate_text
from handlers.users.actions import check_not_blocked, check_user_exists, check_user_id
from rooms.names import post_room, user_room
from rooms.ratelimit import check_rate
from server.db import transaction
from server.engagement import engaged
from server.errors import AppError, BadRequest, Forbidden, NotFound
from server.privacy import holds_personal_data
from server.state import AppState

STORY_TTL = timedelta(hours=24)
EMIT_BATCH = 1000


class NewPost(msgspec.Struct, forbid_unknown_fields=True):
    kind: Literal["text", "video", "image"] = "text"
    body: str = ""
    media_id: str | None = None
    visibility: Literal["public", "followers", "circle"] = "public"
    circle_id: str | None = None
    story: bool = False


class EditPost(msgspec.Struct, forbid_unknown_fields=True):
    post_id: str
    body: str | None = None
    visibility: Literal["public", "followers"] | None = None


class PostNotFound(NotFound):
    def __init__(self):
        super().__init__("No such post (deleted, expired or not visible to you)",
                         code="post_not_found")


class NotCircleMember(Forbidden):
    def __init__(self):
        super().__init__("You are not a member of this circle", code="not_circle_member")


def post_json(row) -> dict[str, Any]:
    """A post row (POST_COLUMNS) as clients get it."""
    return {
        "id": row["id"], "kind": row["kind"], "body": row["body"], "media_id": row["media_id"],
        "author": {"id": row["author_id"], "display_name": row["author_name"],
                   "handle": row["author_handle"], "verified": row["author_verified"]},
        "visibility": row["visibility"], "circle_id": row["circle_id"],
        "is_story": row["is_story"],
        "expires_at": row["expires_at"].isoformat() if row["expires_at"] else None,
        "status": row["status"], "reactions": row["reaction_counts"],
        "reaction_total": row["reaction_total"], "comment_count": row["comment_count"],
        "my_reaction": row["my_reaction"],
        "created_at": row["created_at"].isoformat(),
        "edited_at": row["edited_at"].isoformat() if row["edited_at"] else None,
    }


async def _pg_floor(state: AppState) -> int:
    return await state.db.fetchval(q.MAX_SEQ)


def check_uuid(value: str | None, err: AppError) -> str:
    try:
        return str(uuid.UUID(value))
    except (ValueError, TypeError, AttributeError):
        raise err from None


# ---------------------------------------------------------------- reading one post

async def check_can_view_post(state: AppState, viewer: str, post_id: str, conn=None):
    """The post row as `viewer` may see it, or post_not_found / blocked."""
    post_id = check_uuid(post_id, PostNotFound())
    if conn is None:
        async with state.db.acquire() as c:
            return await check_can_view_post(state, viewer, post_id, c)
    row = await conn.fetchrow(q.GET_POST, viewer, now(state), post_id)
    if row is None or row["status"] == "deleted":
        raise PostNotFound()
    if not row["visible"]:
        await check_not_blocked(conn, viewer, row["author_id"])
        raise PostNotFound()
    return row


async def get_post(state: AppState, viewer: str, post_id: str) -> dict:
    """One post, opened by `viewer` (an engagement signal: a view)."""
    row = await check_can_view_post(state, viewer, post_id)
    await engaged(state, viewer, row["id"], "view")
    return post_json(row)


# ---------------------------------------------------------------- publishing

async def check_create_post(state: AppState, author: str, req: NewPost) -> None:
    if req.kind == "text" and not req.body.strip():
        raise BadRequest("A text post needs a body", code="empty_post")
    if req.kind != "text" and not req.media_id:
        raise BadRequest(f"A {req.kind} post needs a media_id", code="media_required")
    if len(req.body) > 5000:
        raise BadRequest("A post is at most 5000 characters", code="post_too_long")
    if req.visibility == "circle":
        if not req.circle_id:
            raise BadRequest("A circle post needs circle_id", code="invalid_payload")
        circle = check_uuid(req.circle_id, NotFound("No such circle", code="circle_not_found"))
        async with state.db.acquire() as conn:
            member = await conn.fetchval(
                "SELECT status FROM circle_members WHERE circle_id = $1 AND user_id = $2",
                circle, author)
            if member != "active":
                if not await conn.fetchval("SELECT true FROM circles WHERE id = $1", circle):
                    raise NotFound("No such circle", code="circle_not_found")
                raise NotCircleMember()
    elif req.circle_id:
        raise BadRequest("circle_id goes with visibility 'circle'", code="invalid_payload")


async def do_create_post(state: AppState, author: str, req: NewPost) -> dict:
    """Store a post (or story) and, once committed, fan it out and push it live."""
    await check_rate(state, "feed:post", author, "30/minute")
    await check_create_post(state, author, req)
    status = "published"
    if req.body.strip():
        decision = await moderate_text(state, req.body, user_id=author, context="post")
        if decision.action == "block":
            raise AppError("content_blocked", "This post was refused by moderation",
                           status=422, details={"reason": decision.reason})
        if decision.action == "hold":
            status = "held"
    post_id = str(uuid.uuid4())
    circle_id = str(uuid.UUID(req.circle_id)) if req.circle_id else None
    expires = now(state) + STORY_TTL if req.story else None
    seq, token = await timeline.issue_position(state, lambda: _pg_floor(state))
    try:
        async with transaction(state.db) as tx:
            if req.kind == "video" and status == "published":
                await tx.conn.execute(q.MEDIA_LOCK, req.media_id)
                if not await tx.conn.fetchval(q.MEDIA_READY, req.media_id):
                    status = "pending_media"
            await tx.conn.execute(q.INSERT_POST, post_id, author, req.kind, req.body,
                                  req.media_id, req.visibility, circle_id, req.story, expires,
                                  status, seq if status != "pending_media" else None)
            row = await tx.conn.fetchrow(q.GET_POST, author, now(state), post_id)
        post = post_json(row)
        if status == "published":
            post["fanout"] = await _distribute(state, row)
        elif status == "held":  # the author sees it; moderators decide
            await do_hold_for_review(state, target_type="post", target_id=post_id,
                                     author_id=author, text=req.body, decision=decision)
    finally:
        await timeline.finish_position(state, token)
    return post


async def _followers(state: AppState, author: str):
    """Followers of `author` in keyset-paged batches: (all ids, ids that did not mute)."""
    after = "00000000-0000-0000-0000-000000000000"
    while True:
        batch = await state.db.fetch(q.FOLLOWERS_BATCH, author, after, timeline.FOLLOWER_PAGE)
        if not batch:
            return
        ids = [r[0] for r in batch]
        yield ids, [r[0] for r in batch if not r[1]]
        if len(ids) < timeline.FOLLOWER_PAGE:
            return
        after = ids[-1]


async def _distribute(state: AppState, row) -> dict:
    """After commit: write timelines (push authors) and push `feed:new` to online readers."""
    post = post_json(row)
    author = row["author_id"]
    event = {"post": post}
    if row["visibility"] == "circle":
        members = [r[0] for r in await state.db.fetch(q.CIRCLE_MEMBER_IDS, row["circle_id"])]
        for i in range(0, len(members), EMIT_BATCH):
            await state.emitter.emit("feed:new", {**event, "feed": "circle"},
                                     room=[user_room(u) for u in members[i:i + EMIT_BATCH]])
        return {"mode": "circle", "recipients": len(members)}
    push = (not row["is_story"]) and \
        await state.db.fetchval("SELECT coalesce((SELECT followers FROM social_counts "
                                "WHERE user_id = $1), 0)", author) < timeline.pull_threshold(state)
    if not row["is_story"]:
        await timeline.push(state, [author], row["id"], row["seq"])
    feed = "stories" if row["is_story"] else "home"
    n = 0
    async for batch, listening in _followers(state, author):
        # timeline writes and the live push of one page overlap; one Socket.IO message per
        # EMIT_BATCH rooms
        rooms = [user_room(u) for u in listening]
        await asyncio.gather(
            timeline.push(state, batch, row["id"], row["seq"]) if push else _nothing(),
            *(state.emitter.emit("feed:new", {**event, "feed": feed},
                                 room=rooms[i:i + EMIT_BATCH])
              for i in range(0, len(rooms), EMIT_BATCH)))
        n += len(batch)
    return {"mode": "story" if row["is_story"] else ("push" if push else "pull"),
            "recipients": n}


async def _nothing() -> None:
    return None


async def _retract(state: AppState, row, *, only_non_members_of: str | None = None) -> None:
    """Send `feed:remove` to everyone who may hold this post on screen."""
    data = {"post_id": row["id"]}
    await state.emitter.emit("feed:remove", data, room=post_room(row["id"]))
    if row["visibility"] == "circle" and row["circle_id"]:
        members = [r[0] for r in await state.db.fetch(q.CIRCLE_MEMBER_IDS, row["circle_id"])]
        for i in range(0, len(members), EMIT_BATCH):
            await state.emitter.emit("feed:remove", data,
                                     room=[user_room(u) for u in members[i:i + EMIT_BATCH]])
        return
    await state.emitter.emit("feed:remove", data, room=user_room(row["author_id"]))
    async for batch, _ in _followers(state, row["author_id"]):
        rooms = [user_room(u) for u in batch]
        for i in range(0, len(rooms), EMIT_BATCH):
            await state.emitter.emit("feed:remove", data, room=rooms[i:i + EMIT_BATCH])


async def do_mark_media_ready(state: AppState, media_id: str) -> list[str]:
    """Called by the media worker when `media_id` is transcoded and playable: posts waiting
    for it are published (and fanned out) now; later posts with it publish at once.
    Idempotent. Returns the ids of the posts it published."""
    async with transaction(state.db) as tx:
        await tx.conn.execute(q.MEDIA_LOCK, media_id)
        await tx.conn.execute(q.MARK_MEDIA_READY, media_id)
    published: list[str] = []
    for _ in range(10):  # posts created while we worked are caught by the next round
        pending = [r[0] for r in await state.db.fetch(q.PENDING_FOR_MEDIA, media_id)]
        if not pending:
            break
        for post_id in pending:
            seq, token = await timeline.issue_position(state, lambda: _pg_floor(state))
            try:
                async with transaction(state.db) as tx:
                    done = await tx.conn.fetchval(q.PUBLISH_PENDING, post_id, seq)
                    row = await tx.conn.fetchrow(q.GET_POST, None, now(state), post_id)
                if done:
                    await _distribute(state, row)
                    published.append(post_id)
            finally:
                await timeline.finish_position(state, token)
    return published


async def do_edit_post(state: AppState, user: str, req: EditPost) -> dict:
    post_id = check_uuid(req.post_id, PostNotFound())
    held = False
    if req.body is not None:
        if len(req.body) > 5000:
            raise BadRequest("A post is at most 5000 characters", code="post_too_long")
        d = await moderate_text(state, req.body, user_id=user, context="post")
        if d.action == "block":
            raise AppError("content_blocked", "This edit was refused by moderation",
                           status=422, details={"reason": d.reason})
        held = d.action == "hold"
    async with transaction(state.db) as tx:
        old = await tx.conn.fetchrow(q.POST_ROW_FOR_UPDATE, post_id)
        if old is None or old["status"] == "deleted" or old["author_id"] != uuid.UUID(user):
            if old is not None and old["status"] != "deleted":
                raise Forbidden("Only the author edits a post", code="not_author")
            raise PostNotFound()
        if old["visibility"] == "circle" and req.visibility is not None:
            raise BadRequest("A circle post stays in its circle", code="invalid_visibility")
        if req.body is not None and old["kind"] == "text" and not req.body.strip():
            raise BadRequest("A text post needs a body", code="empty_post")
        await tx.conn.execute(q.EDIT_POST, post_id, req.body, req.visibility, held)
        row = await tx.conn.fetchrow(q.GET_POST, user, now(state), post_id)
    post = post_json(row)
    narrowed = old["visibility"] == "public" and req.visibility == "followers"
    if held and old["status"] == "published" or narrowed:
        # Gone for some or all of its readers: retract it; followers who may still see it
        # re-fetch it (`feed:update`) after the remove.
        await _retract(state, row)
    if held:
        await do_hold_for_review(state, target_type="post", target_id=post_id,
                                 author_id=user, text=req.body, decision=d)
    else:
        await state.emitter.emit("feed:update", {"post": post}, room=post_room(post_id))
    return post


async def do_delete_post(state: AppState, user: str, post_id: str, *,
                         moderator: bool = False) -> dict:
    post_id = check_uuid(post_id, PostNotFound())
    async with transaction(state.db) as tx:
        old = await tx.conn.fetchrow(q.POST_ROW_FOR_UPDATE, post_id)
        if old is None or old["status"] == "deleted":
            raise PostNotFound()
        if str(old["author_id"]) != user and not moderator:
            raise Forbidden("Only the author deletes a post", code="not_author")
        await tx.conn.execute(q.DELETE_POST, post_id)
    row = {"id": post_id, "author_id": str(old["author_id"]),
           "visibility": old["visibility"],
           "circle_id": str(old["circle_id"]) if old["circle_id"] else None}
    if old["status"] == "published":
        await _retract(state, row)
    return {"post_id": post_id, "deleted": True}


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
        lower = int(decode_cursor(newer_than, 1)[0])
        w = await timeline.watermark(state, lambda: _pg_floor(state))
        await _ensure_timeline(state, viewer)
        pushed = await timeline.page_newer(state, viewer, lower, w, n)
        async with state.db.acquire() as conn:
            rows = await conn.fetch(q.HOME_NEWER, viewer, [p for p, _ in pushed], w,
                                    threshold, n, False, lower, [s for _, s in pushed])
        items = [post_json(r) for r in rows if r["visible"]]
        top = rows[-1]["seq"] if len(rows) == n else max(w, lower)
        return {"items": items, "newer_cursor": encode_cursor(top), "more": len(rows) == n}
    asked = int(decode_cursor(cursor, 1)[0]) - 1 if cursor is not None else None
    # the common case is one Redis round trip and one SQL query
    w, cached, pushed = await timeline.read_page(state, viewer, asked, n)
    if w < 0 or cached < 0:  # Redis lost the counter or this timeline: rebuild, then read
        w = await timeline.watermark(state, lambda: _pg_floor(state))
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
    before = int(decode_cursor(cursor, 1)[0]) if cursor else None
    async with state.db.acquire() as conn:
        await check_user_exists(conn, user_id)
        await check_not_blocked(conn, viewer, user_id)
        rows = await conn.fetch(q.PROFILE_FEED, viewer, now(state), user_id, before, n + 1)
    return _page(rows, n)


async def read_circle_feed(state: AppState, viewer: str, circle_id: str,
                           cursor: str | None, limit: int | None) -> dict:
    n = clamp_limit(limit, 20, 100)
    circle_id = check_uuid(circle_id, NotFound("No such circle", code="circle_not_found"))
    before = int(decode_cursor(cursor, 1)[0]) if cursor else None
    async with state.db.acquire() as conn:
        status = await conn.fetchval("SELECT status FROM circle_members WHERE circle_id = $1 "
                                     "AND user_id = $2", circle_id, viewer)
        if status != "active":
            if not await conn.fetchval("SELECT true FROM circles WHERE id = $1", circle_id):
                raise NotFound("No such circle", code="circle_not_found")
            raise NotCircleMember()
        rows = await conn.fetch(q.CIRCLE_FEED, viewer, now(state), circle_id, before, n + 1)
    return _page(rows, n)


def _page(rows, n: int) -> dict:
    more = len(rows) > n
    rows = rows[:n]
    return {"items": [post_json(r) for r in rows],
            "next_cursor": encode_cursor(rows[-1]["seq"]) if more else None}


async def read_stories(state: AppState, viewer: str) -> dict:
    """Active stories of the people `viewer` follows (and their own), grouped by author."""
    rows = await state.db.fetch(q.STORIES, viewer, now(state))
    groups: dict[str, dict] = {}
    for r in rows:
        p = post_json(r)
        g = groups.setdefault(r["author_id"], {"author": p["author"], "stories": []})
        g["stories"].append(p)
    return {"items": list(groups.values())}


async def hydrate_posts(state: AppState, viewer: str, ids: list[str]) -> list[dict]:
    """Posts by id as `viewer` may see them, in the order given; hidden ones left out."""
    if not ids:
        return []
    rows = await state.db.fetch(q.POSTS_BY_IDS, viewer, now(state), ids)
    by_id = {r["id"]: r for r in rows if r["visible"]}
    return [post_json(by_id[i]) for i in ids if i in by_id]


async def do_watch_post(state: AppState, ctx_sid: str, viewer: str, post_id: str) -> dict:
    """Join the post's room: its new comments and reaction counts arrive live."""
    row = await check_can_view_post(state, viewer, post_id)
    await state.sio.enter_room(ctx_sid, post_room(row["id"]))
    await engaged(state, viewer, row["id"], "view")
    return {"watching": row["id"]}


async def do_unwatch_post(state: AppState, ctx_sid: str, post_id: str) -> dict:
    post_id = check_uuid(post_id, PostNotFound())
    await state.sio.leave_room(ctx_sid, post_room(post_id))
    return {"watching": None}


# PDPL: a user's posts and stories.
async def _export(conn, user_id: str) -> Any:
    return await conn.fetchval(q.EXPORT, user_id)


async def _erase(conn, user_id: str) -> None:
    await conn.execute(q.ERASE, user_id)


holds_personal_data("feed", export=_export, erase=_erase)
