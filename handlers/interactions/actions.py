"""Reactions, threaded comments, mentions and reports (notifications: handlers/notifications)."""
from __future__ import annotations

import re
import uuid
from typing import Any, Literal

import msgspec

from handlers.feed.actions import PostNotFound, check_can_view_post
from handlers.interactions import queries as q
from handlers.moderation.actions import do_hold_for_review, do_sample_for_review
from handlers.moderation.gate import moderate_text
from handlers.notifications.actions import do_notify
from handlers.users.checks import check_not_blocked
from rooms.names import post_room
from rooms.ratelimit import check_rate
from server.db import Tx, transaction
from server.engagement import engaged
from server.errors import AppError, BadRequest, Conflict, Forbidden, NotFound
from server.ids import check_uuid
from server.privacy import holds_personal_data
from server.state import AppState

REACTION_KINDS = ("like", "love", "haha", "wow", "sad", "angry")
MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_.]{3,30})")


class React(msgspec.Struct, forbid_unknown_fields=True):
    target_id: str
    kind: str
    target_kind: Literal["post", "comment"] = "post"


class NewComment(msgspec.Struct, forbid_unknown_fields=True):
    post_id: str
    body: str
    parent_id: str | None = None


class CommentNotFound(NotFound):
    def __init__(self):
        super().__init__("No such comment", code="comment_not_found")


# ---------------------------------------------------------------- reactions

async def _check_target(state: AppState, user: str, kind: str, target_id: str, conn):
    """(post row, comment row or None) for a reaction target the user may see."""
    if kind == "post":
        return await check_can_view_post(state, user, target_id, conn), None
    cid = check_uuid(target_id, CommentNotFound())
    c = await conn.fetchrow(q.COMMENT_ROW, cid)
    if c is None or c["status"] == "deleted":
        raise CommentNotFound()
    post = await check_can_view_post(state, user, str(c["post_id"]), conn)
    await check_not_blocked(conn, user, str(c["author_id"]))
    if c["status"] == "held" and str(c["author_id"]) != user:
        raise CommentNotFound()
    return post, c


async def do_react(state: AppState, user: str, req: React) -> dict:
    """React to a post or comment. One reaction per user per target: the same kind twice is
    `already_reacted`, another kind switches it. Counts are exact under concurrency (the
    target's row lock serialises the count update)."""
    if req.kind not in REACTION_KINDS:
        raise BadRequest(f"kind must be one of {', '.join(REACTION_KINDS)}",
                         code="invalid_reaction")
    await check_rate(state, "interactions:react", user, "20/second")
    async with transaction(state.db, state.emitter) as tx:
        post, comment = await _check_target(state, user, req.target_kind, req.target_id,
                                             tx.conn)
        target_id = post["id"] if comment is None else str(comment["id"])
        await tx.conn.execute(q.REACTION_LOCK, target_id, user)
        old = await tx.conn.fetchval(q.MY_REACTION, req.target_kind, target_id, user)
        if old == req.kind:
            raise Conflict("You already reacted with this", code="already_reacted")
        if old is None:
            await tx.conn.execute(q.INSERT_REACTION, req.target_kind, target_id, user, req.kind)
        else:
            await tx.conn.execute(q.SWITCH_REACTION, req.target_kind, target_id, user, req.kind)
        bump = q.BUMP_POST_REACTIONS if comment is None else q.BUMP_COMMENT_REACTIONS
        counts = await tx.conn.fetchrow(bump, target_id, req.kind, old, 0 if old else 1)
        owner = post["author_id"] if comment is None else str(comment["author_id"])
        if old is None:
            await do_notify(tx, user_id=owner, kind="reaction", actor_id=user,
                            target_kind=req.target_kind, target_id=target_id,
                            data={"post_id": post["id"]})
        out = {"target_kind": req.target_kind, "target_id": target_id, "post_id": post["id"],
               "reactions": counts["reaction_counts"], "total": counts["reaction_total"]}
        tx.emit("interactions:reaction", {**out, "user_id": user, "kind": req.kind},
                room=post_room(post["id"]))
    await _engaged(state, post)
    if comment is None and old is None:  # a new reaction to the post, not a switch
        await engaged(state, user, post["id"], "reaction")
    return {**out, "my_reaction": req.kind}


async def do_unreact(state: AppState, user: str, target_kind: str, target_id: str) -> dict:
    if target_kind not in ("post", "comment"):
        raise BadRequest("target_kind is post or comment", code="invalid_payload")
    async with transaction(state.db, state.emitter) as tx:
        post, comment = await _check_target(state, user, target_kind, target_id, tx.conn)
        target_id = post["id"] if comment is None else str(comment["id"])
        await tx.conn.execute(q.REACTION_LOCK, target_id, user)
        old = await tx.conn.fetchval(q.DELETE_REACTION, target_kind, target_id, user)
        if old is None:
            raise NotFound("You have not reacted to this", code="not_reacted")
        bump = q.BUMP_POST_REACTIONS if comment is None else q.BUMP_COMMENT_REACTIONS
        counts = await tx.conn.fetchrow(bump, target_id, None, old, -1)
        out = {"target_kind": target_kind, "target_id": target_id, "post_id": post["id"],
               "reactions": counts["reaction_counts"], "total": counts["reaction_total"]}
        tx.emit("interactions:reaction", {**out, "user_id": user, "kind": None},
                room=post_room(post["id"]))
    await _engaged(state, post)
    return {**out, "my_reaction": None}


async def _engaged(state: AppState, post) -> None:
    """Engagement moved: let trending and trust hear of it (cheap, after the commit).
    The author's trust is recomputed at most once a minute (it scans their engagement)."""
    from handlers.feed.trending import bump_post
    from handlers.users.trust import do_recompute_trust

    await bump_post(state, post["id"])
    author = post["author_id"]
    if await state.redis.set(state.key("trust", "debounce", author), 1, nx=True, ex=60):
        await do_recompute_trust(state, author)


# ---------------------------------------------------------------- comments

def comment_json(row) -> dict:
    deleted = row["status"] == "deleted"
    return {"id": row["id"], "post_id": row["post_id"], "parent_id": row["parent_id"],
            "depth": row["depth"],
            "author": None if deleted else {
                "id": row["author_id"], "display_name": row["author_name"],
                "handle": row["author_handle"], "verified": row["author_verified"]},
            "body": "" if deleted else row["body"], "deleted": deleted,
            "status": row["status"], "reactions": row["reaction_counts"],
            "reaction_total": row["reaction_total"], "reply_count": row["reply_count"],
            "created_at": row["created_at"].isoformat(),
            "edited_at": row["edited_at"].isoformat() if row["edited_at"] else None}


async def _mentioned(conn, body: str) -> list[str]:
    handles = sorted({h.lower() for h in MENTION.findall(body)})[:20]
    if not handles:
        return []
    return [r[0] for r in await conn.fetch(q.USER_IDS_BY_HANDLES, handles)]


async def notify_mentions(tx: Tx, body: str, actor: str, target_kind: str, target_id: str,
                          post_id: str, skip: set[str] = frozenset()) -> None:
    """Tell every @handle in `body` (call inside the writer's transaction)."""
    for uid in await _mentioned(tx.conn, body):
        if uid not in skip:
            await do_notify(tx, user_id=uid, kind="mention", actor_id=actor,
                            target_kind=target_kind, target_id=target_id,
                            data={"post_id": post_id})


async def do_comment(state: AppState, user: str, req: NewComment) -> dict:
    """Comment on a post or reply to a comment (any depth). Refused on a deleted or hidden
    post; the post row is locked so a concurrent delete cannot leave a half-written reply."""
    body = req.body.strip()
    if not body:
        raise BadRequest("A comment needs text", code="empty_comment")
    if len(body) > 2000:
        raise BadRequest("A comment is at most 2000 characters", code="comment_too_long")
    await check_rate(state, "interactions:comment", user, "30/minute")
    post = await check_can_view_post(state, user, req.post_id)
    d = await moderate_text(state, body, user_id=user, context="comment")
    if d.action == "block":
        raise AppError("content_blocked", "This comment was refused by moderation",
                       status=422, details={"reason": d.reason})
    status = "held" if d.action == "hold" else "published"
    cid = str(uuid.uuid4())
    async with transaction(state.db, state.emitter) as tx:
        locked = await tx.conn.fetchrow(q.LOCK_POST, post["id"])
        if locked is None or locked["status"] == "deleted":
            raise PostNotFound()
        parent = None
        if req.parent_id:
            parent = await tx.conn.fetchrow(q.COMMENT_ROW_FOR_UPDATE,
                                            check_uuid(req.parent_id, CommentNotFound()))
            if parent is None or parent["status"] == "deleted" \
                    or str(parent["post_id"]) != post["id"]:
                raise CommentNotFound()
            await check_not_blocked(tx.conn, user, str(parent["author_id"]))
        seq = await tx.conn.fetchval(q.NEXT_COMMENT_SEQ)
        seg = f"{seq:012d}"
        path = f"{parent['path']}.{seg}" if parent else seg
        await tx.conn.execute(q.INSERT_COMMENT, cid, post["id"], user,
                              parent["id"] if parent else None,
                              parent["depth"] + 1 if parent else 0, path, body, status)
        if status == "published":
            await tx.conn.execute(q.BUMP_POST_COMMENTS, post["id"], 1)
            if parent:
                await tx.conn.execute(q.BUMP_REPLIES, parent["id"], 1)
        row = await tx.conn.fetchrow(q.GET_COMMENT, cid)
        comment = comment_json(row)
        if status == "published":
            told = {user}
            if parent and str(parent["author_id"]) not in told:
                await do_notify(tx, user_id=str(parent["author_id"]), kind="reply",
                                actor_id=user, target_kind="comment",
                                target_id=str(parent["id"]), data={"post_id": post["id"]})
                told.add(str(parent["author_id"]))
            if post["author_id"] not in told:
                await do_notify(tx, user_id=post["author_id"], kind="comment", actor_id=user,
                                target_kind="post", target_id=post["id"],
                                data={"post_id": post["id"]})
                told.add(post["author_id"])
            await notify_mentions(tx, body, user, "comment", cid, post["id"], told)
            tx.emit("interactions:comment", {"comment": comment}, room=post_room(post["id"]))
    if status == "published":
        await _engaged(state, post)
        await engaged(state, user, post["id"], "comment")
        if post["visibility"] == "public":
            await do_sample_for_review(state, target_type="comment", target_id=cid,
                                       author_id=user, text=body)
    else:
        await do_hold_for_review(state, target_type="comment", target_id=cid, author_id=user,
                                 text=body, decision=d)
    return comment


async def list_comments(state: AppState, viewer: str, post_id: str, *,
                        parent_id: str | None = None, cursor: str | None = None,
                        limit: int | None = None) -> dict:
    """Comments in thread order (each reply under its parent, oldest first at every level),
    paged by opaque cursor; with parent_id, only that comment's replies (any depth)."""
    from server.cursors import clamp_limit, decode_cursor, encode_cursor

    n = clamp_limit(limit, 30, 100)
    after = decode_cursor(cursor, 1)
    async with state.db.acquire() as conn:
        post = await check_can_view_post(state, viewer, post_id, conn)
        prefix = None
        if parent_id:
            parent = await conn.fetchrow(q.COMMENT_ROW, check_uuid(parent_id, CommentNotFound()))
            if parent is None or str(parent["post_id"]) != post["id"]:
                raise CommentNotFound()
            prefix = parent["path"]
        rows = await conn.fetch(q.COMMENTS_PAGE, viewer, post["id"],
                                after[0] if after else "", prefix, n + 1)
    more = len(rows) > n
    rows = rows[:n]
    return {"items": [comment_json(r) for r in rows],
            "next_cursor": encode_cursor(rows[-1]["path"]) if more else None}


async def do_delete_comment(state: AppState, user: str, comment_id: str) -> dict:
    """The comment's author or the post's author removes it; replies stay under a
    placeholder."""
    cid = check_uuid(comment_id, CommentNotFound())
    async with transaction(state.db, state.emitter) as tx:
        c = await tx.conn.fetchrow(q.COMMENT_ROW_FOR_UPDATE, cid)
        if c is None or c["status"] == "deleted":
            raise CommentNotFound()
        post_author = await tx.conn.fetchval("SELECT author_id::text FROM posts WHERE id = $1",
                                             c["post_id"])
        if user not in (str(c["author_id"]), post_author):
            raise Forbidden("Only the comment's or the post's author removes it",
                            code="not_author")
        await tx.conn.execute(q.DELETE_COMMENT, cid)
        if c["status"] == "published":
            await tx.conn.execute(q.BUMP_POST_COMMENTS, c["post_id"], -1)
            if c["parent_id"]:
                await tx.conn.execute(q.BUMP_REPLIES, c["parent_id"], -1)
        tx.emit("interactions:comment_removed", {"comment_id": cid,
                                                 "post_id": str(c["post_id"])},
                room=post_room(c["post_id"]))
    return {"comment_id": cid, "deleted": True}


# ---------------------------------------------------------------- reports

class Report(msgspec.Struct, forbid_unknown_fields=True):
    target_kind: Literal["post", "comment", "user"]
    target_id: str
    reason: str
    note: str | None = None


# Reports go to moderation's do_report; a sink registered here takes precedence (tests).
REPORT_SINKS: list = []  # `async fn(state, reporter_id, report) -> dict`


async def do_report(state: AppState, user: str, req: Report) -> dict:
    """Check the reporter can see what they report, then hand it to moderation."""
    await check_rate(state, "interactions:report", user, "20/hour")
    async with state.db.acquire() as conn:
        if req.target_kind == "post":
            await check_can_view_post(state, user, req.target_id, conn)
        elif req.target_kind == "comment":
            await _check_target(state, user, "comment", req.target_id, conn)
        else:
            from handlers.users.actions import check_user_exists

            await check_user_exists(conn, req.target_id)
    if REPORT_SINKS:
        return await REPORT_SINKS[0](state, user, req)
    from handlers.moderation.actions import check_report
    from handlers.moderation.actions import do_report as file_report

    kind = "profile" if req.target_kind == "user" else req.target_kind
    await check_report(state, user, kind, req.target_id, req.reason)
    return await file_report(state, user, target_type=kind, target_id=req.target_id,
                             reason=req.reason, note=req.note or "")


# PDPL: comments, reactions, notifications.
async def _export(conn, user_id: str) -> Any:
    return await conn.fetchval(q.EXPORT, user_id)


async def _erase(conn, user_id: str) -> None:
    for sql in q.ERASE:
        await conn.execute(sql, user_id)


holds_personal_data("interactions", export=_export, erase=_erase)
