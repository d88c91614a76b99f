"""Socket events of chat, presence and typing: parse, check, do, return the ack."""
from __future__ import annotations

import re
import uuid
from typing import Literal

import msgspec

from handlers.chat import actions as a
from handlers.chat import live_actions as live
from rooms.ratelimit import check_socket_rate
from server.errors import BadRequest, ok
from server.payloads import VISIBLE_NAME, decode
from server.sockets import SocketContext, on, on_connect, on_disconnect, room_check

class Media(msgspec.Struct, forbid_unknown_fields=True):
    id: str
    kind: str


class Send(msgspec.Struct, forbid_unknown_fields=True):
    client_id: str
    conversation_id: uuid.UUID | None = None
    to: uuid.UUID | None = None  # a user: their DM with you, created on first message
    text: str | None = None
    reply_to: int | None = None  # seq of a message in the same conversation
    media: Media | None = None


class Conv(msgspec.Struct, forbid_unknown_fields=True):
    conversation_id: uuid.UUID


class AtSeq(msgspec.Struct, forbid_unknown_fields=True):
    conversation_id: uuid.UUID
    seq: int


class Edit(msgspec.Struct, forbid_unknown_fields=True):
    conversation_id: uuid.UUID
    seq: int
    text: str


class History(msgspec.Struct, forbid_unknown_fields=True):
    conversation_id: uuid.UUID
    cursor: str | None = None
    limit: int = 50


class Known(msgspec.Struct, forbid_unknown_fields=True):
    conversation_id: uuid.UUID
    last_seq: int = 0
    last_rev: int | None = None


class Sync(msgspec.Struct, forbid_unknown_fields=True):
    conversations: list[Known] = []
    limit: int = 100


class ListConversations(msgspec.Struct, forbid_unknown_fields=True):
    limit: int = 100


class CreateGroup(msgspec.Struct, forbid_unknown_fields=True):
    title: str
    member_ids: list[uuid.UUID] = []


class Members(msgspec.Struct, forbid_unknown_fields=True):
    conversation_id: uuid.UUID
    user_ids: list[uuid.UUID]


class Member(msgspec.Struct, forbid_unknown_fields=True):
    conversation_id: uuid.UUID
    user_id: uuid.UUID


class Rename(msgspec.Struct, forbid_unknown_fields=True):
    conversation_id: uuid.UUID
    title: str


class SetAdmin(msgspec.Struct, forbid_unknown_fields=True):
    conversation_id: uuid.UUID
    user_id: uuid.UUID
    admin: bool


class Users(msgspec.Struct, forbid_unknown_fields=True):
    user_ids: list[uuid.UUID]


class SetPresence(msgspec.Struct, forbid_unknown_fields=True):
    status: Literal["online", "away"]


def _s(u: uuid.UUID | None) -> str | None:
    return str(u) if u is not None else None


async def _limit(ctx: SocketContext) -> None:
    """Every chat event but sending (which has its own limits) counts here, per socket."""
    await check_socket_rate(ctx.state, "chat:events", ctx.sid, ctx.state.settings.chat_event_rate)


def _title(title: str) -> str:
    title = title.strip()
    if not 1 <= len(title) <= 100:
        raise BadRequest("A title has 1 to 100 characters", code="invalid_title")
    if not re.search(VISIBLE_NAME, title):  # only zero-width or direction characters
        raise BadRequest("A title needs a visible character", code="invalid_title")
    return title


@on("chat:send")
async def on_send(ctx: SocketContext, data: dict) -> dict:
    req = decode(Send, data)
    if not 0 < len(req.client_id) <= 64:
        raise BadRequest("client_id has 1 to 64 characters", code="invalid_payload")
    msg = a.Outgoing(conversation_id=_s(req.conversation_id), to=_s(req.to),
                     client_id=req.client_id, text=req.text, reply_to=req.reply_to,
                     media=msgspec.to_builtins(req.media) if req.media else None)
    prepared = await a.check_send_message(ctx.state, ctx.user_id, ctx.sid, msg)
    return ok(await a.do_send_message(ctx.state, ctx.user_id, msg, prepared))


@on("chat:edit")
async def on_edit(ctx: SocketContext, data: dict) -> dict:
    req = decode(Edit, data)
    decision = await a.check_edit_message(ctx.state, ctx.user_id, str(req.conversation_id),
                                          req.text)
    return ok(await a.do_edit_message(ctx.state, ctx.user_id, str(req.conversation_id),
                                      req.seq, req.text, decision))


@on("chat:delete")
async def on_delete(ctx: SocketContext, data: dict) -> dict:
    req = decode(AtSeq, data)
    await _limit(ctx)
    return ok(await a.do_delete_message(ctx.state, ctx.user_id, str(req.conversation_id),
                                        req.seq))


@on("chat:history")
async def on_history(ctx: SocketContext, data: dict) -> dict:
    req = decode(History, data)
    await _limit(ctx)
    return ok(await a.do_history(ctx.state, ctx.user_id, str(req.conversation_id), req.cursor,
                                 req.limit))


@on("chat:sync")
async def on_sync(ctx: SocketContext, data: dict) -> dict:
    req = decode(Sync, data)
    await _limit(ctx)
    known = {str(k.conversation_id): (k.last_seq, k.last_rev) for k in req.conversations}
    return ok(await a.do_sync(ctx.state, ctx.user_id, known, req.limit))


@on("chat:conversations")
async def on_conversations(ctx: SocketContext, data: dict) -> dict:
    req = decode(ListConversations, data)
    await _limit(ctx)
    return ok({"conversations": await a.do_conversations(ctx.state, ctx.user_id, req.limit)})


@on("chat:read")
async def on_read(ctx: SocketContext, data: dict) -> dict:
    req = decode(AtSeq, data)
    await _limit(ctx)
    return ok(await a.do_receipt(ctx.state, ctx.user_id, str(req.conversation_id), req.seq,
                                 "read"))


@on("chat:delivered")
async def on_delivered(ctx: SocketContext, data: dict) -> dict:
    req = decode(AtSeq, data)
    await _limit(ctx)
    return ok(await a.do_receipt(ctx.state, ctx.user_id, str(req.conversation_id), req.seq,
                                 "delivered"))


@on("chat:create_group")
async def on_create_group(ctx: SocketContext, data: dict) -> dict:
    req = decode(CreateGroup, data)
    await _limit(ctx)
    return ok(await a.do_create_group(ctx.state, ctx.user_id, _title(req.title),
                                      [str(u) for u in req.member_ids]))


@on("chat:add_members")
async def on_add_members(ctx: SocketContext, data: dict) -> dict:
    req = decode(Members, data)
    await _limit(ctx)
    return ok(await a.do_add_members(ctx.state, ctx.user_id, str(req.conversation_id),
                                     [str(u) for u in req.user_ids]))


@on("chat:remove_member")
async def on_remove_member(ctx: SocketContext, data: dict) -> dict:
    req = decode(Member, data)
    await _limit(ctx)
    return ok(await a.do_remove_member(ctx.state, ctx.user_id, str(req.conversation_id),
                                       str(req.user_id)))


@on("chat:leave")
async def on_leave(ctx: SocketContext, data: dict) -> dict:
    req = decode(Conv, data)
    await _limit(ctx)
    return ok(await a.do_remove_member(ctx.state, ctx.user_id, str(req.conversation_id),
                                       ctx.user_id))


@on("chat:rename")
async def on_rename(ctx: SocketContext, data: dict) -> dict:
    req = decode(Rename, data)
    await _limit(ctx)
    return ok(await a.do_rename(ctx.state, ctx.user_id, str(req.conversation_id),
                                _title(req.title)))


@on("chat:set_admin")
async def on_set_admin(ctx: SocketContext, data: dict) -> dict:
    req = decode(SetAdmin, data)
    await _limit(ctx)
    return ok(await a.do_set_admin(ctx.state, ctx.user_id, str(req.conversation_id),
                                   str(req.user_id), req.admin))


@on("typing:start")
async def on_typing_start(ctx: SocketContext, data: dict) -> dict:
    req = decode(Conv, data)
    return ok(await live.do_typing_start(ctx, str(req.conversation_id)))


@on("typing:stop")
async def on_typing_stop(ctx: SocketContext, data: dict) -> dict:
    req = decode(Conv, data)
    await _limit(ctx)
    return ok(await live.do_typing_stop(ctx, str(req.conversation_id)))


@on("presence:subscribe")
async def on_presence_subscribe(ctx: SocketContext, data: dict) -> dict:
    req = decode(Users, data)
    return ok(await live.do_presence_subscribe(ctx, [str(u) for u in req.user_ids]))


@on("presence:unsubscribe")
async def on_presence_unsubscribe(ctx: SocketContext, data: dict) -> dict:
    req = decode(Users, data)
    return ok(await live.do_presence_unsubscribe(ctx, [str(u) for u in req.user_ids]))


@on("presence:set")
async def on_presence_set(ctx: SocketContext, data: dict) -> dict:
    req = decode(SetPresence, data)
    await _limit(ctx)
    return ok(await live.do_presence_set(ctx, req.status))


on_connect(live.do_presence_connect)
on_disconnect(live.do_presence_disconnect)


@room_check("presence:")
async def may_stay_in_presence_room(ctx: SocketContext, room: str) -> bool:
    """Watching someone's presence survives a reconnect only while it is still visible."""
    return await live.may_watch_presence(ctx, room.partition(":")[2])
