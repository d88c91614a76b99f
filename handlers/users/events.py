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


# ---------------------------------------------------------------- circles
from handlers.users import circles as c  # noqa: E402


class CircleRef(msgspec.Struct, forbid_unknown_fields=True):
    circle_id: str


class CircleMember(msgspec.Struct, forbid_unknown_fields=True):
    circle_id: str
    user_id: str


class CircleRole(msgspec.Struct, forbid_unknown_fields=True):
    circle_id: str
    user_id: str
    role: str


class CirclePage(msgspec.Struct, forbid_unknown_fields=True):
    circle_id: str
    cursor: str | None = None
    limit: int | None = None


@on("circles:create")
async def on_circle_create(ctx: SocketContext, data: dict | None):
    return await c.do_create_circle(ctx.state, ctx.user_id, decode(c.NewCircle, data))


@on("circles:get")
async def on_circle_get(ctx: SocketContext, data: dict | None):
    return await c.get_circle(ctx.state, ctx.user_id, decode(CircleRef, data).circle_id)


@on("circles:mine")
async def on_circles_mine(ctx: SocketContext, data: dict | None):
    return await c.list_my_circles(ctx.state, ctx.user_id)


@on("circles:invite")
async def on_circle_invite(ctx: SocketContext, data: dict | None):
    req = decode(CircleMember, data)
    return await c.do_invite(ctx.state, ctx.user_id, req.circle_id, req.user_id)


@on("circles:join")
async def on_circle_join(ctx: SocketContext, data: dict | None):
    return await c.do_join(ctx.state, ctx.user_id, decode(CircleRef, data).circle_id)


@on("circles:approve")
async def on_circle_approve(ctx: SocketContext, data: dict | None):
    req = decode(CircleMember, data)
    return await c.do_approve(ctx.state, ctx.user_id, req.circle_id, req.user_id)


@on("circles:leave")
async def on_circle_leave(ctx: SocketContext, data: dict | None):
    return await c.do_leave(ctx.state, ctx.user_id, decode(CircleRef, data).circle_id)


@on("circles:remove")
async def on_circle_remove(ctx: SocketContext, data: dict | None):
    req = decode(CircleMember, data)
    return await c.do_remove_member(ctx.state, ctx.user_id, req.circle_id, req.user_id)


@on("circles:set_role")
async def on_circle_set_role(ctx: SocketContext, data: dict | None):
    req = decode(CircleRole, data)
    return await c.do_set_role(ctx.state, ctx.user_id, req.circle_id, req.user_id, req.role)


@on("circles:members")
async def on_circle_members(ctx: SocketContext, data: dict | None):
    req = decode(CirclePage, data)
    return await c.list_members(ctx.state, ctx.user_id, req.circle_id, req.cursor, req.limit)


# ---------------------------------------------------------------- trust
from handlers.users import trust as t  # noqa: E402


@on("trust:explain")
async def on_trust_explain(ctx: SocketContext, data: dict | None):
    req = decode(Who, data)
    uid = a.check_user_id(req.user_id) if req.user_id else ctx.user_id
    return await t.explain_trust(ctx.state, ctx.user_id, ctx.role, uid)
