"""Socket events of moderation: reports (anyone), the review queue (moderators), appeals."""
from __future__ import annotations

import msgspec

from handlers.moderation.actions import (check_report, do_appeal, do_claim, do_decide,
                                         do_queue, do_release, do_report, do_standing)
from rooms.names import mod_queue_room
from server.errors import ok
from server.payloads import decode
from server.sockets import SocketContext, on, room_check

STAFF = ("moderator", "admin")


class Report(msgspec.Struct, forbid_unknown_fields=True):
    target_type: str
    target_id: str
    reason: str
    note: str = ""
    # accepted from older clients and ignored: the report's text and author are the server's
    text: str | None = None
    author_id: str | None = None


class QueueReq(msgspec.Struct, forbid_unknown_fields=True):
    limit: int = 50


class ItemReq(msgspec.Struct, forbid_unknown_fields=True):
    item_id: str


class Decide(msgspec.Struct, forbid_unknown_fields=True):
    item_id: str
    decision: str  # remove | warn | suspend | restore
    note: str = ""
    suspend_hours: int | None = None
    category: str | None = None  # what was wrong, when not the item's: insult | threat | ...


class Appeal(msgspec.Struct, forbid_unknown_fields=True):
    item_id: str
    text: str = ""


@on("mod:report")
async def on_report(ctx: SocketContext, data: dict | None) -> dict:
    req = decode(Report, data)
    await check_report(ctx.state, ctx.user_id, req.target_type, req.target_id, req.reason)
    return ok(await do_report(ctx.state, ctx.user_id, target_type=req.target_type,
                              target_id=req.target_id, reason=req.reason, note=req.note))


@on("mod:queue", roles=STAFF)
async def on_queue(ctx: SocketContext, data: dict | None) -> dict:
    """Open the queue: returns the open items and joins the live `mod:queue` room."""
    req = decode(QueueReq, data)
    await ctx.state.sio.enter_room(ctx.sid, mod_queue_room())
    return ok({"items": await do_queue(ctx.state, req.limit)})


@on("mod:leave", roles=STAFF)
async def on_leave(ctx: SocketContext, data: dict | None) -> dict:
    await ctx.state.sio.leave_room(ctx.sid, mod_queue_room())
    return ok({"left": True})


@on("mod:claim", roles=STAFF)
async def on_claim(ctx: SocketContext, data: dict | None) -> dict:
    req = decode(ItemReq, data)
    return ok(await do_claim(ctx.state, ctx.user_id, ctx.role, req.item_id))


@on("mod:release", roles=STAFF)
async def on_release(ctx: SocketContext, data: dict | None) -> dict:
    req = decode(ItemReq, data)
    return ok(await do_release(ctx.state, ctx.user_id, req.item_id))


@on("mod:decide", roles=STAFF)
async def on_decide(ctx: SocketContext, data: dict | None) -> dict:
    req = decode(Decide, data)
    return ok(await do_decide(ctx.state, ctx.user_id, ctx.role, req.item_id, req.decision,
                              req.note, req.suspend_hours, req.category))


@on("mod:appeal")
async def on_appeal(ctx: SocketContext, data: dict | None) -> dict:
    req = decode(Appeal, data)
    return ok(await do_appeal(ctx.state, ctx.user_id, req.item_id, req.text))


@on("mod:standing")
async def on_standing(ctx: SocketContext, data: dict | None) -> dict:
    return ok(await do_standing(ctx.state, ctx.user_id))


@room_check("mod:")
async def may_stay_in_mod_room(ctx: SocketContext, room: str) -> bool:
    """The review queue's room is for staff: a socket recovered with a user-role token
    loses it."""
    return ctx.role in STAFF
