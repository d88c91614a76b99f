"""Socket events of the interactions domain. Parse, check, do, ack."""
from __future__ import annotations

from typing import Literal

import msgspec

from handlers.interactions import actions as a
from server.payloads import decode
from server.sockets import SocketContext, on


class Unreact(msgspec.Struct, forbid_unknown_fields=True):
    target_id: str
    target_kind: Literal["post", "comment"] = "post"


class CommentsPage(msgspec.Struct, forbid_unknown_fields=True):
    post_id: str
    parent_id: str | None = None
    cursor: str | None = None
    limit: int | None = None


class CommentRef(msgspec.Struct, forbid_unknown_fields=True):
    comment_id: str


@on("interactions:react")
async def on_react(ctx: SocketContext, data: dict | None):
    return await a.do_react(ctx.state, ctx.user_id, decode(a.React, data))


@on("interactions:unreact")
async def on_unreact(ctx: SocketContext, data: dict | None):
    req = decode(Unreact, data)
    return await a.do_unreact(ctx.state, ctx.user_id, req.target_kind, req.target_id)


@on("interactions:comment")
async def on_comment(ctx: SocketContext, data: dict | None):
    return await a.do_comment(ctx.state, ctx.user_id, decode(a.NewComment, data))


@on("interactions:comments")
async def on_comments(ctx: SocketContext, data: dict | None):
    req = decode(CommentsPage, data)
    return await a.list_comments(ctx.state, ctx.user_id, req.post_id, parent_id=req.parent_id,
                                 cursor=req.cursor, limit=req.limit)


@on("interactions:delete_comment")
async def on_delete_comment(ctx: SocketContext, data: dict | None):
    return await a.do_delete_comment(ctx.state, ctx.user_id, decode(CommentRef, data).comment_id)


@on("interactions:report")
async def on_report(ctx: SocketContext, data: dict | None):
    return await a.do_report(ctx.state, ctx.user_id, decode(a.Report, data))
