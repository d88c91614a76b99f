"""Socket events of notifications. Parse, do, ack."""
from __future__ import annotations

import msgspec

from handlers.notifications import actions as a
from server.payloads import decode
from server.sockets import SocketContext, on


class NotificationsPage(msgspec.Struct, forbid_unknown_fields=True):
    cursor: str | None = None
    limit: int | None = None
    unread_only: bool = False


class MarkRead(msgspec.Struct, forbid_unknown_fields=True):
    ids: list[str] | None = None  # None = all


@on("notifications:list")
async def on_notifications(ctx: SocketContext, data: dict | None):
    req = decode(NotificationsPage, data)
    return await a.list_notifications(ctx.state, ctx.user_id, req.cursor, req.limit,
                                      req.unread_only)


@on("notifications:unread")
async def on_unread(ctx: SocketContext, data: dict | None):
    return await a.unread_count(ctx.state, ctx.user_id)


@on("notifications:read")
async def on_read(ctx: SocketContext, data: dict | None):
    return await a.do_mark_read(ctx.state, ctx.user_id, decode(MarkRead, data).ids)
