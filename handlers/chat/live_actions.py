"""Presence and typing actions: the ephemeral side of chat (Redis only, nothing stored).

rooms/presence.py and rooms/typing.py keep the state and report what changed; these
actions authorise and emit. Presence goes to `presence:{uid}` rooms, which a socket joins
only through `do_presence_subscribe` (follow or shared conversation); typing goes to the
other members' `user:` rooms.
"""
from __future__ import annotations

import asyncio
from functools import partial

import structlog

from rooms import membership
from rooms.names import presence_room, user_room
from rooms.presence import Change, presence
from rooms.ratelimit import check_socket_rate
from rooms.typing import typing
from server.batching import Batcher
from server.errors import BadRequest
from server.sockets import SocketContext
from server.state import AppState

log = structlog.get_logger("presence")
MAX_SUBSCRIBE = 500


async def emit_changes(state: AppState, changes: list[Change | None]) -> None:
    for c in changes:
        if c is not None:
            await state.emitter.emit("presence:update", c.after.as_event(),
                                     room=presence_room(c.after.user_id))


class PresenceWrites:
    """This process's presence writes, batched: a connect storm registers hundreds of sockets
    per Redis round trip, and their changes are emitted as the batch completes."""

    def __init__(self, state: AppState):
        self.state = state
        self.connects: Batcher[tuple[str, str], None] = Batcher(self._connect)
        self.disconnects: Batcher[tuple[str, str], None] = Batcher(self._disconnect)

    async def _connect(self, sockets: list[tuple[str, str]]) -> list[None]:
        await self._emit(await presence(self.state).connect_many(sockets))
        return [None] * len(sockets)

    async def _disconnect(self, sockets: list[tuple[str, str]]) -> list[None]:
        await self._emit(await presence(self.state).disconnect_many(sockets))
        return [None] * len(sockets)

    async def _emit(self, changes: list[Change | None]) -> None:
        items = [("presence:update", c.after.as_event(), presence_room(c.after.user_id))
                 for c in changes if c is not None]
        if items:  # the batch's pushes in one round trip
            await self.state.emitter.emit_many(items)


def presence_writes(state: AppState) -> PresenceWrites:
    writes = state.extras.get("presence_writes")
    if writes is None:
        writes = state.extras["presence_writes"] = PresenceWrites(state)
    return writes


def _registered(ctx: SocketContext, done: asyncio.Future) -> None:
    if ctx.data.get("presence") is done:
        del ctx.data["presence"]
    if not done.cancelled() and done.exception() is not None:
        log.error("presence_connect_failed", sid=ctx.sid, error=repr(done.exception()))


async def do_presence_connect(ctx: SocketContext) -> None:
    """Register the socket in the next batch: the client's CONNECT does not wait on Redis."""
    registering = presence_writes(ctx.state).connects.submit_nowait((ctx.user_id, ctx.sid))
    ctx.data["presence"] = registering
    registering.add_done_callback(partial(_registered, ctx))


async def do_presence_disconnect(ctx: SocketContext) -> None:
    registering = ctx.data.get("presence")
    if registering is not None and not registering.done():
        try:  # never leave a field behind for a socket that is gone
            await asyncio.shield(registering)
        except Exception:
            pass
    await presence_writes(ctx.state).disconnects.submit((ctx.user_id, ctx.sid))


async def do_presence_set(ctx: SocketContext, status: str) -> dict:
    """This device is in the foreground (online) or not (away)."""
    change = await presence(ctx.state).set_status(ctx.user_id, ctx.sid, status)
    await emit_changes(ctx.state, [change])
    return (await presence(ctx.state).statuses([ctx.user_id]))[ctx.user_id].as_event()


async def may_watch_presence(ctx: SocketContext, user_id: str) -> bool:
    async with ctx.state.db.acquire() as conn:
        return bool(await membership.presence_visible(ctx.state, conn, ctx.user_id, [user_id]))


async def do_presence_subscribe(ctx: SocketContext, user_ids: list[str]) -> dict:
    """Watch the presence of those of `user_ids` the caller may see; the others are denied."""
    if len(user_ids) > MAX_SUBSCRIBE:
        raise BadRequest(f"At most {MAX_SUBSCRIBE} users per call", code="too_many")
    await check_socket_rate(ctx.state, "chat:events", ctx.sid, ctx.state.settings.chat_event_rate)
    async with ctx.state.db.acquire() as conn:
        allowed = await membership.presence_visible(ctx.state, conn, ctx.user_id, user_ids)
    for uid in allowed:
        await ctx.state.sio.enter_room(ctx.sid, presence_room(uid))
    current = await presence(ctx.state).statuses(allowed)
    return {"presence": [current[u].as_event() for u in sorted(allowed)],
            "denied": sorted({str(u) for u in user_ids} - allowed)}


async def do_presence_unsubscribe(ctx: SocketContext, user_ids: list[str]) -> dict:
    for uid in user_ids:
        await ctx.state.sio.leave_room(ctx.sid, presence_room(uid))
    return {"unsubscribed": len(user_ids)}


async def do_presence_sweep(state: AppState) -> None:
    """Forget dead processes' sockets and tell watchers who went offline."""
    await emit_changes(state, await presence(state).sweep())


async def do_presence_close(state: AppState) -> None:
    await emit_changes(state, await presence(state).close())


def _typing_event(conv_id: str, user_id: str, on: bool, ttl: float) -> dict:
    return {"conversation_id": conv_id, "user_id": str(user_id), "typing": on,
            "expires_in_ms": int(ttl * 1000) if on else 0}


async def _others(state: AppState, conv_id: str, user_id: str, *, check: bool) -> list[str]:
    async with state.db.acquire() as conn:
        if check:
            await membership.check_member(conn, conv_id, user_id)
        return [user_room(u) for u in await membership.member_ids(conn, conv_id)
                if u != str(user_id)]


async def do_typing_start(ctx: SocketContext, conv_id: str) -> dict:
    """Tell the other members the caller types (throttled); it ends by itself after the TTL."""
    state = ctx.state
    await check_socket_rate(state, "chat:events", ctx.sid, state.settings.chat_event_rate)
    rooms = await _others(state, conv_id, ctx.user_id, check=True)
    t = typing(state)
    pushed = await t.start(conv_id, ctx.user_id)
    if pushed and rooms:
        await state.emitter.emit("typing:update",
                                 _typing_event(conv_id, ctx.user_id, True, t.ttl), room=rooms)

    async def expired() -> None:
        try:
            if not await t.still_typing(conv_id, ctx.user_id):
                await state.emitter.emit(
                    "typing:update", _typing_event(conv_id, ctx.user_id, False, t.ttl),
                    room=await _others(state, conv_id, ctx.user_id, check=False))
        except Exception:
            log.exception("typing_expiry_failed", conversation_id=conv_id)

    t.arm_expiry(conv_id, ctx.user_id, expired)
    return {"typing": True, "pushed": pushed, "expires_in_ms": int(t.ttl * 1000)}


async def do_typing_stop(ctx: SocketContext, conv_id: str) -> dict:
    state = ctx.state
    rooms = await _others(state, conv_id, ctx.user_id, check=True)
    if await typing(state).stop(conv_id, ctx.user_id) and rooms:
        await state.emitter.emit("typing:update",
                                 _typing_event(conv_id, ctx.user_id, False, 0), room=rooms)
    return {"typing": False}
