"""Live actions: creating a stream and the live room (viewers, chat, reactions, pins,
removals, tips). The ingest (WHIP, states, ending, recording) is in ingest_actions.py;
only these two modules emit.
"""
from __future__ import annotations

import asyncio
import hashlib
import secrets
import time
import uuid
from datetime import datetime
from typing import Any

import structlog

from handlers.live import queries as q
from handlers.live.access import can_watch
from handlers.live.runtime import runtime, stream_dir
from handlers.live.viewer_history import add_sample, count_key
from handlers.moderation.actions import do_hold_for_review, do_sample_for_review
from handlers.moderation.gate import moderate_text
from rooms.names import live_room, user_room
from rooms.ratelimit import check_rate
from server.db import transaction
from server.errors import AppError, BadRequest, Conflict, Forbidden, NotFound
from server.privacy import holds_personal_data
from server.state import AppState

log = structlog.get_logger("live")
VISIBILITIES = ("public", "followers", "circle", "subscribers")
REACTIONS = ("heart", "fire", "laugh", "wow", "clap", "sad")
CHAT_MAX = 500


# ---------------------------------------------------------------- views and helpers

def _iso(v: Any) -> Any:
    return v.isoformat() if isinstance(v, datetime) else v


def stream_view(row) -> dict:
    d = {k: _iso(v) for k, v in dict(row).items()}
    d["hls_url"] = f"/v1/live/{d['id']}/hls/master.m3u8"
    d["vod_url"] = f"/v1/live/{d['id']}/hls/vod.m3u8" if d.get("vod_path") else None
    return d


def _uuid(value: str, what: str = "stream") -> str:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise NotFound(f"No such {what}", code=f"{what}_not_found") from None


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _viewers_key(state: AppState, stream_id: str) -> str:
    # tagged with the stream (Redis Cluster): read and reset with its reactions in one MULTI
    return state.key("live", "viewers", stream_id, tag=stream_id)


def _reactions_key(state: AppState, stream_id: str) -> str:
    return state.key("live", "reactions", stream_id, tag=stream_id)


def _removed_key(state: AppState, stream_id: str) -> str:
    return state.key("live", "removed", stream_id)


async def get_stream(state: AppState, stream_id: str) -> dict:
    row = await state.db.fetchrow(q.GET_STREAM, _uuid(stream_id))
    if row is None:
        raise NotFound("No such stream", code="stream_not_found")
    return dict(row)


# ---------------------------------------------------------------- creating a stream

async def check_create_stream(state: AppState, user_id: str, title: str, visibility: str,
                              circle_id: str | None) -> None:
    if visibility not in VISIBILITIES:
        raise BadRequest(f"visibility must be one of {', '.join(VISIBILITIES)}",
                         code="invalid_visibility")
    if visibility == "circle" and not circle_id:
        raise BadRequest("A circle stream needs circle_id", code="circle_required")
    if len(title) > 140:
        raise BadRequest("Title is longer than 140 characters", code="title_too_long")
    await check_rate(state, "live:create", user_id, "10/minute")
    if title and not (await moderate_text(state, title, user_id=user_id,
                                          context="live_title")).allowed:
        raise AppError("title_rejected", "This title cannot be used", status=422)


async def do_create_stream(state: AppState, user_id: str, *, title: str, visibility: str,
                           circle_id: str | None = None,
                           source_height: int | None = None) -> dict:
    """Store a stream; the bearer stream key is returned now and never again."""
    key = secrets.token_urlsafe(32)
    circle = _uuid(circle_id, "circle") if circle_id else None
    async with transaction(state.db) as tx:
        row = await tx.conn.fetchrow(q.INSERT_STREAM, user_id, title, visibility, circle,
                                     _hash_key(key), source_height)
    view = stream_view(row)
    return {"stream": view, "stream_key": key, "whip_url": f"/v1/live/{view['id']}/whip"}


# ---------------------------------------------------------------- the live room

async def check_join(state: AppState, user_id: str, role: str, stream_id: str) -> dict:
    stream = await get_stream(state, stream_id)
    if stream["state"] == "ended":
        raise Conflict("This stream has ended", code="stream_ended")
    if await state.redis.sismember(_removed_key(state, stream["id"]), user_id) or \
            await state.db.fetchval(q.IS_REMOVED, stream["id"], user_id):
        raise Forbidden("The creator removed you from this stream", code="removed_from_stream")
    if not await can_watch(state, stream, user_id, role):
        raise Forbidden("This stream is not visible to you", code="stream_not_visible")
    return stream


async def do_join(state: AppState, sid: str, user_id: str, stream: dict) -> dict:
    await state.sio.enter_room(sid, live_room(stream["id"]))
    count = await _add_viewer(state, sid, user_id, stream["id"])
    recent = await state.db.fetch(q.RECENT_CHAT, stream["id"], 20)
    return {"stream": stream_view(stream), "viewers": count,
            "recent_chat": [{k: _iso(v) for k, v in dict(r).items()} for r in reversed(recent)]}


async def do_rejoin(state: AppState, sid: str, user_id: str, stream_id: str) -> None:
    """A socket recovered into the room (connection state recovery already put it back in
    the room, after `check_join` passed again): a viewer again."""
    await _add_viewer(state, sid, user_id, _uuid(stream_id))


async def _add_viewer(state: AppState, sid: str, user_id: str, stream_id: str) -> int:
    """Register the viewer here and in the shared set; the room's distinct-viewer count."""
    runtime(state).add_viewer(stream_id, user_id, sid)
    key = _viewers_key(state, stream_id)
    pipe = state.redis.pipeline(transaction=False)
    pipe.zadd(key, {user_id: time.time()})
    pipe.expire(key, 120)
    pipe.zcard(key)
    return (await pipe.execute())[-1]


async def do_leave(state: AppState, sid: str, user_id: str, stream_id: str) -> None:
    rt = runtime(state)
    await state.sio.leave_room(sid, live_room(stream_id))
    if rt.remove_viewer(stream_id, user_id, sid):
        # Another process may still hold a socket of this user: it re-adds on its tick.
        await state.redis.zrem(_viewers_key(state, stream_id), user_id)


async def do_leave_all(state: AppState, sid: str, user_id: str) -> None:
    """The socket disconnected: leave every live room it was in."""
    rt = runtime(state)
    for stream_id in list(rt.sid_streams.get(sid, ())):
        if rt.remove_viewer(stream_id, user_id, sid):
            await state.redis.zrem(_viewers_key(state, stream_id), user_id)
    rt.sid_streams.pop(sid, None)


async def do_viewer_tick(state: AppState) -> None:
    """Once per tick per process: refresh this process's viewers in the shared set, apply
    removals, and — on the one process that wins the tick for a stream — publish the
    distinct-viewer count (only when it changed) and the reactions of the tick, aggregated.
    Cost is one pipelined round trip per stream per process, whatever the audience size."""
    rt = runtime(state)
    now = time.time()
    streams = set(rt.viewers) | set(rt.ingests)
    for stream_id in streams:
        users = list(rt.viewers.get(stream_id, {}))
        vkey = _viewers_key(state, stream_id)
        pipe = state.redis.pipeline(transaction=False)
        if users:
            pipe.zadd(vkey, {u: now for u in users})
            pipe.expire(vkey, 120)
        pipe.smembers(_removed_key(state, stream_id))
        pipe.set(state.key("live", "lead", stream_id, int(now / rt.tick)), rt.node, nx=True,
                 ex=max(2, int(rt.tick * 3)))
        res = await pipe.execute()
        removed, leader = res[-2], res[-1]
        for raw in removed:
            uid = raw.decode()
            for sid in list(rt.viewers.get(stream_id, {}).get(uid, ())):
                await state.sio.leave_room(sid, live_room(stream_id))
                rt.remove_viewer(stream_id, uid, sid)
        if not leader:
            continue
        rkey = _reactions_key(state, stream_id)
        pipe = state.redis.pipeline(transaction=True)
        pipe.zremrangebyscore(vkey, "-inf", now - 3 * rt.tick - 1)
        pipe.zcard(vkey)
        pipe.hgetall(rkey)
        pipe.delete(rkey)
        _, count, reactions, _ = await pipe.execute()
        last = await state.redis.getset(count_key(state, stream_id), count)
        pipe = state.redis.pipeline(transaction=False)
        pipe.expire(count_key(state, stream_id), 600)
        changed = last is None or int(last) != count
        if changed:
            add_sample(pipe, state, stream_id, int(now * 1000), count)
        await pipe.execute()
        if changed:
            await state.emitter.emit("live:viewers", {"stream_id": stream_id, "count": count},
                                     room=live_room(stream_id))
        if reactions:
            await state.emitter.emit("live:reactions", {
                "stream_id": stream_id,
                "counts": {k.decode(): int(v) for k, v in reactions.items()}},
                room=live_room(stream_id))


async def check_in_room(state: AppState, sid: str, user_id: str, stream_id: str) -> dict:
    stream = await get_stream(state, stream_id)
    if not runtime(state).is_viewer(stream["id"], sid):
        raise Forbidden("Join the stream first (live:join)", code="not_in_stream")
    if stream["state"] == "ended":
        raise Conflict("This stream has ended", code="stream_ended")
    if await state.redis.sismember(_removed_key(state, stream["id"]), user_id):
        raise Forbidden("The creator removed you from this stream", code="removed_from_stream")
    return stream


async def do_send_chat(state: AppState, user_id: str, stream: dict, text: str) -> dict:
    """Moderated live chat: blocked -> error; held -> stored, only the author knows;
    allowed -> stored and sent to the room."""
    text = text.strip()
    if not text or len(text) > CHAT_MAX:
        raise BadRequest(f"Chat text must be 1..{CHAT_MAX} characters", code="invalid_text")
    await check_rate(state, "live:chat", user_id, "3/second")
    decision = await moderate_text(state, text, user_id=user_id, context="live_chat")
    if decision.action == "block":
        raise AppError("message_blocked", "This message was not sent", status=422,
                       details={"layer": decision.layer} if decision.layer else None)
    status = "held" if decision.action == "hold" else "visible"
    async with transaction(state.db, state.emitter) as tx:
        row = await tx.conn.fetchrow(q.INSERT_CHAT, stream["id"], user_id, text, status)
        name = await tx.conn.fetchval("SELECT display_name FROM users WHERE id = $1", user_id)
        msg = {"id": row["id"], "stream_id": stream["id"], "user_id": user_id,
               "display_name": name, "text": text, "created_at": _iso(row["created_at"]),
               "status": status}
        if status == "visible":
            tx.emit("live:message", msg, room=live_room(stream["id"]))
    if status == "held":
        await _queue_for_review(state, msg, decision)
    elif stream["visibility"] == "public":  # sampled for review like public posts
        await do_sample_for_review(state, target_type="live_chat", target_id=str(msg["id"]),
                                   author_id=user_id, text=text)
    return msg


async def _queue_for_review(state: AppState, msg: dict, decision) -> None:
    try:
        await do_hold_for_review(state, target_type="live_chat", target_id=str(msg["id"]),
                                 author_id=msg["user_id"], text=msg["text"],
                                 decision=decision)
    except Exception:
        log.exception("live_hold_for_review_failed", message_id=msg["id"])


async def do_react(state: AppState, user_id: str, stream: dict, kind: str) -> None:
    if kind not in REACTIONS:
        raise BadRequest(f"reaction must be one of {', '.join(REACTIONS)}",
                         code="invalid_reaction")
    await check_rate(state, "live:react", user_id, "10/second")
    key = _reactions_key(state, stream["id"])
    pipe = state.redis.pipeline(transaction=False)
    pipe.hincrby(key, kind, 1)
    pipe.expire(key, 60)
    await pipe.execute()


def check_creator(stream: dict, user_id: str, role: str) -> None:
    if stream["creator_id"] != user_id and role not in ("moderator", "admin"):
        raise Forbidden("Only the creator can do this", code="not_stream_owner")


async def do_pin(state: AppState, stream: dict, message_id: int | None) -> dict | None:
    pinned = None
    async with transaction(state.db, state.emitter) as tx:
        if message_id is not None:
            m = await tx.conn.fetchrow(q.GET_CHAT, message_id, stream["id"])
            if m is None or m["status"] != "visible":
                raise NotFound("No such message in this stream", code="message_not_found")
            pinned = {"id": m["id"], "user_id": m["user_id"], "text": m["text"],
                      "created_at": _iso(m["created_at"])}
        await tx.conn.execute(q.SET_PINNED, stream["id"], pinned)
        tx.emit("live:pinned", {"stream_id": stream["id"], "message": pinned},
                room=live_room(stream["id"]))
    return pinned


async def do_remove_viewer(state: AppState, stream: dict, user_id: str) -> None:
    """Remove a viewer: they leave the room on every process (this one now, others on their
    next tick), cannot rejoin or chat, and are told with `live:removed`."""
    target = _uuid(user_id, "user")
    if target == stream["creator_id"]:
        raise BadRequest("The creator cannot be removed", code="cannot_remove_creator")
    async with transaction(state.db, state.emitter) as tx:
        await tx.conn.execute(q.INSERT_REMOVED, stream["id"], target)
        tx.emit("live:removed", {"stream_id": stream["id"]}, room=user_room(target))
    rkey = _removed_key(state, stream["id"])
    pipe = state.redis.pipeline(transaction=False)
    pipe.sadd(rkey, target)
    pipe.expire(rkey, 86400)
    pipe.zrem(_viewers_key(state, stream["id"]), target)
    await pipe.execute()
    rt = runtime(state)
    for sid in list(rt.viewers.get(stream["id"], {}).get(target, ())):
        await state.sio.leave_room(sid, live_room(stream["id"]))
        rt.remove_viewer(stream["id"], target, sid)


async def do_show_tip_in_room(state: AppState, stream_id: str, tip: dict) -> None:
    """Hook for the wallet domain: call after the tip's ledger transaction committed.

    tip = {"from_user_id", "amount_piastres", "message"?, "tip_id"?}. Everyone in the room
    gets `live:tip`; a message that moderation does not allow is dropped (the tip stays).
    """
    await state.emitter.emit("live:tip", await _tip_event(state, stream_id, tip),
                             room=live_room(stream_id))


async def do_show_tips_in_rooms(state: AppState, tips: list[tuple[str, dict]]) -> None:
    """`do_show_tip_in_room` for many committed tips [(stream_id, tip), ...] at once (the
    wallet's tip batches): the `live:tip` events leave in one Redis round trip, in order."""
    await state.emitter.emit_many([("live:tip", await _tip_event(state, stream_id, tip),
                                    live_room(stream_id)) for stream_id, tip in tips])


async def _tip_event(state: AppState, stream_id: str, tip: dict) -> dict:
    message = (tip.get("message") or "").strip()[:200] or None
    if message:
        d = await moderate_text(state, message, user_id=tip.get("from_user_id"),
                                context="live_tip")
        if not d.allowed:
            message = None
    return {"stream_id": stream_id, "tip_id": tip.get("tip_id"),
            "from_user_id": tip.get("from_user_id"),
            "amount_piastres": int(tip["amount_piastres"]), "message": message}


# ---------------------------------------------------------------- personal data (PDPL)

async def _export(conn, user_id: str):
    return await conn.fetchval(q.EXPORT_USER, user_id)


async def _erase(conn, user_id: str) -> None:
    await conn.execute(q.ERASE_USER_CHAT, user_id)
    await conn.execute(q.ERASE_USER_REMOVALS, user_id)
    await conn.execute(q.ERASE_USER_STREAMS, user_id)


async def _after_erase(state: AppState, user_id: str) -> None:
    # Recordings of erased streams: their rows are gone; remove directories with no row.
    import shutil

    root = stream_dir(state, "x").parent
    if not root.exists():
        return
    ids = [p.name for p in root.iterdir() if p.is_dir()]
    if not ids:
        return
    alive = {r["id"] for r in await state.db.fetch(
        "SELECT id::text FROM live_streams WHERE id::text = ANY($1::text[])", ids)}
    for name in ids:
        if name not in alive and name not in runtime(state).ingests:
            await asyncio.to_thread(shutil.rmtree, root / name, True)


holds_personal_data("live", export=_export, erase=_erase, after_commit=_after_erase)
