"""Socket events of the media domain (the uploader's view; bytes travel over tus/HTTP)."""
from __future__ import annotations

import msgspec

from handlers.media.actions import get_own_media, list_own_media
from server.errors import ok
from server.payloads import decode
from server.sockets import SocketContext, on


class MediaGet(msgspec.Struct, forbid_unknown_fields=True):
    media_id: str


class MediaList(msgspec.Struct, forbid_unknown_fields=True):
    limit: int = 20


@on("media:get")
async def on_media_get(ctx: SocketContext, data: dict | None) -> dict:
    """Status of one of my uploads: {media_id, status, stage, percent, ...urls when ready}."""
    req = decode(MediaGet, data)
    return ok(await get_own_media(ctx.state, ctx.user_id, req.media_id))


@on("media:list")
async def on_media_list(ctx: SocketContext, data: dict | None) -> dict:
    """My uploads, newest first."""
    req = decode(MediaList, data)
    return ok(await list_own_media(ctx.state, ctx.user_id, max(1, min(100, req.limit))))
