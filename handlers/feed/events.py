"""Socket events of the feed domain. Parse, check, do, ack."""
from __future__ import annotations

import msgspec

from handlers.feed import actions as a
from handlers.feed import reads
from server.payloads import decode
from server.sockets import SocketContext, on, room_check


class PostRef(msgspec.Struct, forbid_unknown_fields=True):
    post_id: str


class Page(msgspec.Struct, forbid_unknown_fields=True):
    cursor: str | None = None
    limit: int | None = None


class HomePage(msgspec.Struct, forbid_unknown_fields=True):
    cursor: str | None = None
    newer_than: str | None = None
    limit: int | None = None


class ProfilePage(msgspec.Struct, forbid_unknown_fields=True):
    user_id: str | None = None
    cursor: str | None = None
    limit: int | None = None


class CirclePage(msgspec.Struct, forbid_unknown_fields=True):
    circle_id: str
    cursor: str | None = None
    limit: int | None = None


@on("feed:post")
async def on_post(ctx: SocketContext, data: dict | None):
    return await a.do_create_post(ctx.state, ctx.user_id, decode(a.NewPost, data))


@on("feed:edit")
async def on_edit(ctx: SocketContext, data: dict | None):
    return await a.do_edit_post(ctx.state, ctx.user_id, decode(a.EditPost, data))


@on("feed:delete")
async def on_delete(ctx: SocketContext, data: dict | None):
    return await a.do_delete_post(ctx.state, ctx.user_id, decode(PostRef, data).post_id,
                                  moderator=ctx.role in ("moderator", "admin"))


@on("feed:get")
async def on_get(ctx: SocketContext, data: dict | None):
    return await reads.get_post(ctx.state, ctx.user_id, decode(PostRef, data).post_id)


@on("feed:home")
async def on_home(ctx: SocketContext, data: dict | None):
    req = decode(HomePage, data)
    return await reads.read_home(ctx.state, ctx.user_id, cursor=req.cursor,
                             newer_than=req.newer_than, limit=req.limit)


@on("feed:profile")
async def on_profile(ctx: SocketContext, data: dict | None):
    req = decode(ProfilePage, data)
    return await reads.read_profile_feed(ctx.state, ctx.user_id, req.user_id or ctx.user_id,
                                     req.cursor, req.limit)


@on("feed:circle")
async def on_circle(ctx: SocketContext, data: dict | None):
    req = decode(CirclePage, data)
    return await reads.read_circle_feed(ctx.state, ctx.user_id, req.circle_id, req.cursor, req.limit)


@on("feed:stories")
async def on_stories(ctx: SocketContext, data: dict | None):
    return await reads.read_stories(ctx.state, ctx.user_id)


@on("feed:watch")
async def on_watch(ctx: SocketContext, data: dict | None):
    return await a.do_watch_post(ctx.state, ctx.sid, ctx.user_id, decode(PostRef, data).post_id)


@on("feed:unwatch")
async def on_unwatch(ctx: SocketContext, data: dict | None):
    return await a.do_unwatch_post(ctx.state, ctx.sid, decode(PostRef, data).post_id)


@on("feed:trending")
async def on_trending(ctx: SocketContext, data: dict | None):
    from handlers.feed.trending import read_trending

    req = decode(Page, data)
    return await read_trending(ctx.state, ctx.user_id, req.cursor, req.limit)


@room_check("post:")
async def may_stay_in_post_room(ctx: SocketContext, room: str) -> bool:
    """Watching a post survives a reconnect only while the post is still visible to the
    viewer (as `feed:watch` checks)."""
    await reads.check_can_view_post(ctx.state, ctx.user_id, room.partition(":")[2])
    return True
