"""Posts and stories: publish, edit, delete, video hand-off, moderator decisions.

Publishing (`do_create_post`) reads like its steps: check (including that the media is the
author's own), moderate, take a feed position, store; after the commit the fan-out is queued
(fanout_actions.py) and the request returns. Reads live in reads.py.

Media hand-off: a video post waits in `pending_media` (shown to its author alone, as
"processing") until its video is ready: the media domain calls `do_mark_media_ready(state,
media_id)` when the transcode is done; if the media was ready first, the post publishes at once.
If the video fails instead (`do_mark_media_failed`), its waiting posts become `media_failed`:
their author still sees them, with the reason pushed as `feed:media_failed`; nobody else does.

Moderator decisions on posts (handlers/moderation) reach the feed through the `post` target
registered at the bottom: a removal leaves timelines and screens (`feed:remove`), a restore
comes back (a held post is published now, at a new position).
"""
from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any, Literal

import msgspec

from handlers.feed import queries as q
from handlers.feed import timeline
from handlers.feed.fanout_actions import fanout_mode, schedule_fanout, schedule_retract
from handlers.feed.posts import NotCircleMember, PostNotFound, broadcast_view, post_json
from handlers.feed.reads import check_can_view_post, pg_floor
from handlers.moderation.actions import do_hold_for_review, do_sample_for_review
from handlers.moderation.gate import moderate_text
from handlers.moderation.targets import Target, register_target
from rooms.names import post_room, user_room
from rooms.ratelimit import check_rate
from server.clock import now
from server.db import transaction
from server.engagement import engaged
from server.errors import AppError, BadRequest, Forbidden, NotFound
from server.ids import check_uuid
from server.privacy import holds_personal_data
from server.state import AppState

STORY_TTL = timedelta(hours=24)
# Visibility changes that take a post (or its content) away from some who could read it:
# followers-only hides it from everyone else; subscribers-only locks it for non-subscribers.
NARROWING = {("public", "followers"), ("subscribers", "followers"),
             ("public", "subscribers"), ("followers", "subscribers")}


class NewPost(msgspec.Struct, forbid_unknown_fields=True):
    kind: Literal["text", "video", "image"] = "text"
    body: str = ""
    media_id: str | None = None
    visibility: Literal["public", "followers", "subscribers", "circle"] = "public"
    circle_id: str | None = None
    story: bool = False


class EditPost(msgspec.Struct, forbid_unknown_fields=True):
    post_id: str
    body: str | None = None
    visibility: Literal["public", "followers", "subscribers"] | None = None


# ---------------------------------------------------------------- publishing

class MediaNotFound(NotFound):
    def __init__(self):
        super().__init__("No such video; upload it first", code="media_not_found")


async def check_post_media(conn, author: str, media_id: str) -> None:
    """The media of a post is the author's own upload (or their live recording, `live:<id>`)
    and has not failed. Someone else's media id is refused."""
    if media_id.startswith("live:"):
        stream = check_uuid(media_id[5:], MediaNotFound())
        owner, status = await conn.fetchval(q.LIVE_MEDIA_OWNER, stream), None
    else:
        row = await conn.fetchrow(q.MEDIA_OWNER, check_uuid(media_id, MediaNotFound()))
        owner, status = (row[0], row[1]) if row else (None, None)
    if owner is None:
        raise MediaNotFound()
    if owner != author:
        raise Forbidden("This video belongs to someone else", code="not_media_owner")
    if status == "failed":
        raise BadRequest("This video could not be processed; upload it again",
                         code="media_failed")


async def check_create_post(state: AppState, author: str, req: NewPost) -> None:
    if req.kind == "text" and not req.body.strip():
        raise BadRequest("A text post needs a body", code="empty_post")
    if req.kind != "text" and not req.media_id:
        raise BadRequest(f"A {req.kind} post needs a media_id", code="media_required")
    if len(req.body) > 5000:
        raise BadRequest("A post is at most 5000 characters", code="post_too_long")
    if req.visibility == "circle" and not req.circle_id:
        raise BadRequest("A circle post needs circle_id", code="invalid_payload")
    if req.visibility != "circle" and req.circle_id:
        raise BadRequest("circle_id goes with visibility 'circle'", code="invalid_payload")
    async with state.db.acquire() as conn:
        if req.media_id:
            await check_post_media(conn, author, req.media_id)
        if req.visibility == "circle":
            circle = check_uuid(req.circle_id,
                                NotFound("No such circle", code="circle_not_found"))
            member = await conn.fetchval(
                "SELECT status FROM circle_members WHERE circle_id = $1 AND user_id = $2",
                circle, author)
            if member != "active":
                if not await conn.fetchval("SELECT true FROM circles WHERE id = $1", circle):
                    raise NotFound("No such circle", code="circle_not_found")
                raise NotCircleMember()


def _upload_id(media_id: str | None) -> str | None:
    """The `media` row id behind a post's media id (None for live recordings)."""
    return None if media_id is None or media_id.startswith("live:") else media_id


async def do_create_post(state: AppState, author: str, req: NewPost) -> dict:
    """Store a post (or story); once committed, queue its fan-out. The ack is the post,
    with `fanout.mode` (push / pull / circle / story) when it was published."""
    await check_rate(state, "feed:post", author, "30/minute")
    await check_create_post(state, author, req)
    status = "published"
    if req.body.strip():
        decision = await moderate_text(state, req.body, user_id=author, context="post")
        if decision.action == "block":
            raise AppError("content_blocked", decision.refusal, status=422,
                           details={"category": decision.category} if decision.category
                           else None)
        if decision.action == "hold":
            status = "held"
    post_id = str(uuid.uuid4())
    circle_id = str(uuid.UUID(req.circle_id)) if req.circle_id else None
    expires = now(state) + STORY_TTL if req.story else None
    seq, token = await timeline.issue_position(state, lambda: pg_floor(state))
    try:
        async with transaction(state.db) as tx:
            if req.kind == "video" and status == "published":
                await tx.conn.execute(q.MEDIA_LOCK, req.media_id)
                if not await tx.conn.fetchval(q.MEDIA_READY, req.media_id,
                                              _upload_id(req.media_id)):
                    status = "pending_media"
            await tx.conn.execute(q.INSERT_POST, post_id, author, req.kind, req.body,
                                  req.media_id, req.visibility, circle_id, req.story, expires,
                                  status, seq if status != "pending_media" else None)
            row = await tx.conn.fetchrow(q.GET_POST, author, now(state), post_id)
        post = post_json(row)
        if status == "published":
            mode = await fanout_mode(state, row)
            await schedule_fanout(state, post_id, mode, token)
            token = None  # the fan-out job finishes the position
            post["fanout"] = {"mode": mode}
            if req.visibility == "public":
                await do_sample_for_review(state, target_type="post", target_id=post_id,
                                           author_id=author, text=req.body)
        elif status == "held":  # the author sees it; moderators decide
            await do_hold_for_review(state, target_type="post", target_id=post_id,
                                     author_id=author, text=req.body, decision=decision)
    finally:
        if token is not None:
            await timeline.finish_position(state, token)
    return post


async def _publish_at_new_position(state: AppState, post_id: str, sql: str) -> bool:
    """Give a post its feed position now (`sql` flips it to published) and queue the fan-out."""
    seq, token = await timeline.issue_position(state, lambda: pg_floor(state))
    try:
        async with transaction(state.db) as tx:
            done = await tx.conn.fetchval(sql, post_id, seq)
            row = await tx.conn.fetchrow(q.GET_POST, None, now(state), post_id)
        if done:
            await schedule_fanout(state, post_id, await fanout_mode(state, row), token)
            token = None
        return bool(done)
    finally:
        if token is not None:
            await timeline.finish_position(state, token)


async def do_mark_media_ready(state: AppState, media_id: str) -> list[str]:
    """Called by the media worker when `media_id` is transcoded and playable: posts waiting
    for it are published (and fanned out) now; later posts with it publish at once.
    Idempotent. Returns the ids of the posts it published."""
    async with transaction(state.db) as tx:
        # waits for posts being created with this media to commit (they hold the lock)
        await tx.conn.execute(q.MEDIA_LOCK, media_id)
        await tx.conn.execute(q.MARK_MEDIA_READY, media_id)
    published: list[str] = []
    for _ in range(10):  # posts created while we worked are caught by the next round
        pending = [r[0] for r in await state.db.fetch(q.PENDING_FOR_MEDIA, media_id)]
        if not pending:
            break
        for post_id in pending:
            if await _publish_at_new_position(state, post_id, q.PUBLISH_PENDING):
                published.append(post_id)
    return published


async def do_mark_media_failed(state: AppState, media_id: str, code: str = "media_failed",
                               reason: str = "The video could not be processed") -> list[str]:
    """Called by the media domain when `media_id` failed: posts waiting for it will never go
    out, so they become `media_failed` and their authors are told which post and why.
    Idempotent. Returns the ids of the posts it marked."""
    async with transaction(state.db, state.emitter) as tx:
        await tx.conn.execute(q.MEDIA_LOCK, media_id)
        rows = await tx.conn.fetch(q.FAIL_PENDING_FOR_MEDIA, media_id)
        for r in rows:
            tx.emit("feed:media_failed", {"post_id": r["id"], "media_id": media_id,
                                          "code": code, "reason": reason},
                    room=user_room(r["author_id"]))
    return [r["id"] for r in rows]


async def do_publish_waiting_posts(state: AppState) -> list[str]:
    """Settle posts still waiting for a video that is ready or failed (its worker died before
    telling the feed): publish the first, mark the second. Run once a minute by one node
    (lifecycle.py). Returns the ids of the posts it published."""
    published: list[str] = []
    for media_id in [r[0] for r in await state.db.fetch(q.READY_MEDIA_WITH_PENDING_POSTS)]:
        published += await do_mark_media_ready(state, media_id)
    for media_id in [r[0] for r in await state.db.fetch(q.FAILED_MEDIA_WITH_PENDING_POSTS)]:
        await do_mark_media_failed(state, media_id)
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
    narrowed = (old["visibility"], req.visibility) in NARROWING
    if held and old["status"] == "published":
        await schedule_retract(state, post_id)  # gone for everyone but its author
        await do_hold_for_review(state, target_type="post", target_id=post_id,
                                 author_id=user, text=req.body, decision=d)
    elif held:
        await do_hold_for_review(state, target_type="post", target_id=post_id,
                                 author_id=user, text=req.body, decision=d)
    elif narrowed and old["status"] == "published":
        # Gone for some of its readers: retract it everywhere, then those who may still
        # see it re-fetch it on `feed:update` (sent by the job, after the removes).
        await schedule_retract(state, post_id, drop=False, update=True)
    else:
        await state.emitter.emit("feed:update", {"post": broadcast_view(post)},
                                 room=post_room(post_id))
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
    if old["status"] == "published":
        await schedule_retract(state, post_id)
    return {"post_id": post_id, "deleted": True}


async def _after_moderation(state: AppState, post_id: str, what: str) -> None:
    """A moderator removed or restored a post (committed): timelines and screens follow."""
    if what == "remove":
        await schedule_retract(state, post_id)
        return
    row = await state.db.fetchrow(q.POST_ROW, post_id)
    if row is None or row["status"] != "published":
        return
    if row["published_at"] is None:  # held from the start: published now, as new
        await _publish_at_new_position(state, post_id, q.PUBLISH_RESTORED)
    else:  # back where it was
        await schedule_fanout(state, post_id, await fanout_mode(state, row), None)


# What a moderator's decision does to a post. A removal keeps the body (an appeal may
# restore it); a user's own delete blanks it and is never undone.
register_target("post", Target(
    "posts", "SELECT author_id::text, body FROM posts WHERE id = $1::uuid",
    "UPDATE posts SET status = 'deleted', deleted_at = now(), removed_by_moderator = true "
    "WHERE id = $1::uuid AND status <> 'deleted'",
    "UPDATE posts SET status = 'published', deleted_at = NULL, removed_by_moderator = false "
    "WHERE id = $1::uuid AND (status = 'held' OR (status = 'deleted' AND removed_by_moderator))",
    after=_after_moderation))


# ---------------------------------------------------------------- watching one post

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
