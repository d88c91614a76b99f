"""Socket events of the users domain (profiles and graph). Parse, check, do, ack."""
from __future__ import annotations

import msgspec

from handlers.users import actions as a
from server.payloads import decode
from server.sockets import SocketContext, on


class Who(msgspec.Struct, forbid_unknown_fields=True):
    user_id: str | None = None
    handle: str | None = None


class Target(msgspec.Struct, forbid_unknown_fields=True):
    user_id: str


class EdgePage(msgspec.Struct, forbid_unknown_fields=True):
    user_id: str | None = None
    cursor: str | None = None
    limit: int | None = None


class Verify(msgspec.Struct, forbid_unknown_fields=True):
    user_id: str
    verified: bool = True


@on("users:profile")
async def on_profile(ctx: SocketContext, data: dict | None):
    req = decode(Who, data)
    if not req.user_id and not req.handle:
        req.user_id = ctx.user_id
    return await a.get_profile(ctx.state, ctx.user_id, user_id=req.user_id, handle=req.handle)


@on("users:update_profile")
async def on_update_profile(ctx: SocketContext, data: dict | None):
    return await a.do_update_profile(ctx.state, ctx.user_id, decode(a.ProfileUpdate, data))


@on("users:follow")
async def on_follow(ctx: SocketContext, data: dict | None):
    return await a.do_follow(ctx.state, ctx.user_id, decode(Target, data).user_id)


@on("users:unfollow")
async def on_unfollow(ctx: SocketContext, data: dict | None):
    return await a.do_unfollow(ctx.state, ctx.user_id, decode(Target, data).user_id)


@on("users:block")
async def on_block(ctx: SocketContext, data: dict | None):
    return await a.do_block(ctx.state, ctx.user_id, decode(Target, data).user_id)


@on("users:unblock")
async def on_unblock(ctx: SocketContext, data: dict | None):
    return await a.do_unblock(ctx.state, ctx.user_id, decode(Target, data).user_id)


@on("users:mute")
async def on_mute(ctx: SocketContext, data: dict | None):
    return await a.do_mute(ctx.state, ctx.user_id, decode(Target, data).user_id)


@on("users:unmute")
async def on_unmute(ctx: SocketContext, data: dict | None):
    return await a.do_unmute(ctx.state, ctx.user_id, decode(Target, data).user_id)


@on("users:followers")
async def on_followers(ctx: SocketContext, data: dict | None):
    req = decode(EdgePage, data)
    return await a.list_edges(ctx.state, ctx.user_id, a.check_user_id(req.user_id or ctx.user_id),
                              "followers", req.cursor, req.limit)


@on("users:following")
async def on_following(ctx: SocketContext, data: dict | None):
    req = decode(EdgePage, data)
    return await a.list_edges(ctx.state, ctx.user_id, a.check_user_id(req.user_id or ctx.user_id),
                              "following", req.cursor, req.limit)


@on("users:verify", roles=("admin",))
async def on_verify(ctx: SocketContext, data: dict | None):
    req = decode(Verify, data)
    return await a.do_set_verified(ctx.state, ctx.user_id, a.check_user_id(req.user_id),
                                   req.verified)
