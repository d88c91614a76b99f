"""Socket events of the live domain: parse -> check -> do -> ack."""
from __future__ import annotations

import msgspec

from handlers.live import actions as a
from handlers.live import ingest_actions as ingest
from server.errors import ok
from server.payloads import decode
from server.sockets import SocketContext, on, on_disconnect, room_check, room_restored


class CreateStream(msgspec.Struct, forbid_unknown_fields=True):
    title: str = ""
    visibility: str = "public"
    circle_id: str | None = None
    source_height: int | None = None  # the ladder's ceiling if frames start smaller


class StreamRef(msgspec.Struct, forbid_unknown_fields=True):
    stream_id: str


class Chat(msgspec.Struct, forbid_unknown_fields=True):
    stream_id: str
    text: str


class React(msgspec.Struct, forbid_unknown_fields=True):
    stream_id: str
    reaction: str


class Pin(msgspec.Struct, forbid_unknown_fields=True):
    stream_id: str
    message_id: int | None = None  # None unpins


class RemoveViewer(msgspec.Struct, forbid_unknown_fields=True):
    stream_id: str
    user_id: str


@on("live:create")
async def on_create(ctx: SocketContext, data: dict | None) -> dict:
    """Create a stream; the ack carries the WHIP URL and the stream key (shown once)."""
    req = decode(CreateStream, data)
    await a.check_create_stream(ctx.state, ctx.user_id, req.title, req.visibility,
                                req.circle_id)
    return ok(await a.do_create_stream(ctx.state, ctx.user_id, title=req.title,
                                       visibility=req.visibility, circle_id=req.circle_id,
                                       source_height=req.source_height))


@on("live:get")
async def on_get(ctx: SocketContext, data: dict | None) -> dict:
    req = decode(StreamRef, data)
    stream = await a.get_stream(ctx.state, req.stream_id)
    if not await a.can_watch(ctx.state, stream, ctx.user_id, ctx.role):
        raise a.NotFound("No such stream", code="stream_not_found")
    return ok(a.stream_view(stream))


@on("live:join")
async def on_join(ctx: SocketContext, data: dict | None) -> dict:
    """Enter the room: live:viewers, live:message, live:pinned, live:state, live:tip..."""
    req = decode(StreamRef, data)
    stream = await a.check_join(ctx.state, ctx.user_id, ctx.role, req.stream_id)
    return ok(await a.do_join(ctx.state, ctx.sid, ctx.user_id, stream))


@on("live:leave")
async def on_leave(ctx: SocketContext, data: dict | None) -> dict:
    req = decode(StreamRef, data)
    await a.do_leave(ctx.state, ctx.sid, ctx.user_id, a._uuid(req.stream_id))
    return ok({"left": True})


@on("live:chat", max_bytes=4096)
async def on_chat(ctx: SocketContext, data: dict | None) -> dict:
    req = decode(Chat, data)
    stream = await a.check_in_room(ctx.state, ctx.sid, ctx.user_id, req.stream_id)
    return ok(await a.do_send_chat(ctx.state, ctx.user_id, stream, req.text))


@on("live:react", max_bytes=512)
async def on_react(ctx: SocketContext, data: dict | None) -> dict:
    req = decode(React, data)
    stream = await a.check_in_room(ctx.state, ctx.sid, ctx.user_id, req.stream_id)
    await a.do_react(ctx.state, ctx.user_id, stream, req.reaction)
    return ok({"counted": True})


@on("live:pin")
async def on_pin(ctx: SocketContext, data: dict | None) -> dict:
    req = decode(Pin, data)
    stream = await a.get_stream(ctx.state, req.stream_id)
    a.check_creator(stream, ctx.user_id, ctx.role)
    return ok({"pinned": await a.do_pin(ctx.state, stream, req.message_id)})


@on("live:remove")
async def on_remove(ctx: SocketContext, data: dict | None) -> dict:
    req = decode(RemoveViewer, data)
    stream = await a.get_stream(ctx.state, req.stream_id)
    a.check_creator(stream, ctx.user_id, ctx.role)
    await a.do_remove_viewer(ctx.state, stream, req.user_id)
    return ok({"removed": True})


@on("live:end")
async def on_end(ctx: SocketContext, data: dict | None) -> dict:
    req = decode(StreamRef, data)
    stream = await ingest.check_end_stream(ctx.state, ctx.user_id, ctx.role, req.stream_id)
    return ok(await ingest.do_end_stream(ctx.state, stream["id"], "ended_by_creator"))


@on_disconnect
async def _left(ctx: SocketContext) -> None:
    await a.do_leave_all(ctx.state, ctx.sid, ctx.user_id)


@room_check("live:")
async def may_stay_in_live_room(ctx: SocketContext, room: str) -> bool:
    """A recovered socket keeps a live room only if it could join it now (not removed by
    the creator, the stream still visible to it and not ended)."""
    await a.check_join(ctx.state, ctx.user_id, ctx.role, room.partition(":")[2])
    return True


@room_restored("live:")
async def rejoin_live_room(ctx: SocketContext, room: str) -> None:
    """A recovered viewer counts again and may chat: the join's viewer registration is
    redone (its disconnect took the viewer out of the count)."""
    await a.do_rejoin(ctx.state, ctx.sid, ctx.user_id, room.partition(":")[2])
