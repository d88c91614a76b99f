"""Live actions of the ingest: WHIP sessions, the stream's states, ending it, the recording.

States: created -> live -> (reconnecting -> live)* -> ended. One process hosts a stream's
ingest: the one holding the Redis publisher lock `live:pub:<id>` (refreshed by its
heartbeat). When the publisher drops, the host saves the packager's state under MEDIA_ROOT
and lets go of the lock, so the publisher may come back to any process within the grace
period. Every process sweeps for streams nobody hosts and ends them.
"""
from __future__ import annotations

import asyncio
import hmac
import json
import time

import structlog

from handlers.live import queries as q
from handlers.live.access import follower_batches
from handlers.live.actions import _hash_key, _uuid, get_stream, stream_view
from handlers.live.packager_metrics import packager_metrics
from handlers.live.runtime import Ingest, runtime, stream_dir
from handlers.live.viewer_history import start_history
from media.live_hls import LivePipeline, close_orphaned_recording
from media.whip import BadOffer, WhipSession
from rooms.names import live_room, user_room
from server.db import transaction
from server.errors import AppError, Conflict, Forbidden, NotFound, Unauthorized
from server.redis_clients import publish
from server.state import AppState

log = structlog.get_logger("live")


def _pub_key(state: AppState, stream_id: str) -> str:
    return state.key("live", "pub", stream_id)


def _session_key(state: AppState, stream_id: str) -> str:
    """The current WHIP session id: its DELETE may reach any process."""
    return state.key("live", "session", stream_id)


def _grace_key(state: AppState, stream_id: str) -> str:
    """Exists while a reconnecting stream waits for its publisher."""
    return state.key("live", "grace", stream_id)


# ---------------------------------------------------------------- WHIP ingest

async def check_publisher(state: AppState, stream_id: str, authorization: str | None) -> dict:
    """The stream, if the bearer stream key is right (401 otherwise) and it has not ended."""
    stream_id = _uuid(stream_id)
    key_hash = await state.db.fetchval(q.GET_STREAM_KEY_HASH, stream_id)
    if key_hash is None:
        raise NotFound("No such stream", code="stream_not_found")
    token = ""
    if authorization and authorization.lower().startswith("bearer "):
        token = authorization[7:].strip()
    if not token or not hmac.compare_digest(_hash_key(token), key_hash):
        raise Unauthorized("Wrong or missing stream key", code="bad_stream_key")
    stream = await get_stream(state, stream_id)
    if stream["state"] == "ended":
        raise Conflict("This stream has ended; create a new one", code="stream_ended")
    return stream


def takeover_channel(state: AppState) -> str:
    return state.key("live", "takeover")


async def _take_over(state: AppState, stream_id: str) -> None:
    """The stream key's holder is back while its old session still looks alive (an unclean
    drop is noticed only after LIVE_MEDIA_TIMEOUT): the old session goes now, wherever it
    is hosted (the host hears it on the takeover channel)."""
    rt = runtime(state)
    local = rt.ingests.get(stream_id)
    if local is not None:
        if not local.ending:
            await do_publisher_gone(state, stream_id, "replaced")
        return
    owner = await state.redis.get(_pub_key(state, stream_id))
    if owner is not None and owner != rt.node.encode():
        await publish(state.redis, takeover_channel(state), json.dumps(
            {"stream_id": stream_id, "node": owner.decode()}))


async def _claim_host(state: AppState, stream: dict) -> bool:
    """Take the publisher lock once the previous session (if any) let go of it: it saves
    where it stopped first, so the new one continues the same playlists."""
    rt = runtime(state)
    lock = _pub_key(state, stream["id"])
    await _take_over(state, stream["id"])
    deadline = time.monotonic() + rt.handover_wait
    while True:
        if rt.ingests.get(stream["id"]) is None and \
                await state.redis.set(lock, rt.node, nx=True, ex=rt.lock_ttl):
            return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(0.05)


async def do_start_publishing(state: AppState, stream: dict, offer_sdp: str) -> tuple[str, str]:
    """Answer a WHIP offer: (session id, SDP answer). The key holder takes over from a
    session still running (409 only if another new session won the race).

    A publisher coming back while the stream is `reconnecting` resumes the same playlists
    (with a discontinuity), on this process or any other one sharing MEDIA_ROOT: the
    previous host saved the packager's state there when the publisher dropped.
    """
    rt = runtime(state)
    sid_ = stream["id"]
    if not await _claim_host(state, stream):
        raise Conflict("Someone is already publishing to this stream", code="already_publishing")
    lock = _pub_key(state, sid_)
    resume = stream["state"] == "reconnecting" or \
        await state.db.fetchval(q.GET_STATE, sid_) == "reconnecting"
    pipeline = LivePipeline(stream_dir(state, sid_), declared_height=stream.get("source_height"),
                            on_progress=lambda rung, pos: rt.progressed_threadsafe(sid_),
                            on_master=lambda: _from_thread(state, do_announce_playable, sid_),
                            resume=resume, observer=packager_metrics(state))
    ing = rt.ingests[sid_] = Ingest(sid_, stream["creator_id"], pipeline)
    session = WhipSession(pipeline, lambda reason: do_publisher_gone(state, sid_, reason),
                          media_timeout=rt.media_timeout)
    try:
        answer = await session.accept(offer_sdp)
    except BadOffer as exc:
        await session.close()
        await _drop_ingest(state, ing, suspend=True)
        raise AppError("unsupported_offer", str(exc), status=422) from None
    pipeline.set_sources(video="video" in session.kinds, audio="audio" in session.kinds)
    ing.session = session
    pipe = state.redis.pipeline(transaction=False)
    pipe.delete(_grace_key(state, sid_))
    pipe.set(_session_key(state, sid_), session.id, ex=86400)
    await pipe.execute()
    async with transaction(state.db, state.emitter) as tx:
        row = await tx.conn.fetchrow(q.SET_LIVE, sid_)
        if row is not None:
            tx.emit("live:state", {"stream_id": sid_, "state": "live", "playable":
                                   pipeline.master_written, "resumed": resume},
                    room=live_room(sid_))
    if row is None:  # ended meanwhile (grace ran out, the creator ended it)
        await session.close()
        ing.session = None
        await _drop_ingest(state, ing, suspend=False)
        raise Conflict("This stream has ended; create a new one", code="stream_ended")
    if not resume:
        await start_history(state, sid_, int(time.time() * 1000))
        await _fan_out_live(state, stream_view(row))
    log.info("live_publishing", stream_id=sid_, resumed=resume, lock=lock)
    return session.id, answer


async def _drop_ingest(state: AppState, ing: Ingest, *, suspend: bool) -> None:
    """Stop this process's packager of a stream and give up its publisher lock."""
    rt = runtime(state)
    ing.ending = True
    try:
        await asyncio.to_thread(ing.pipeline.stop, suspend=suspend)
    finally:
        if rt.ingests.get(ing.stream_id) is ing:
            rt.ingests.pop(ing.stream_id, None)
        rt.progressed(ing.stream_id)
        await _unlock(state, ing.stream_id)
        ing.stopped.set()


async def _unlock(state: AppState, stream_id: str) -> None:
    rt = runtime(state)
    lock = _pub_key(state, stream_id)
    try:
        if (await state.redis.get(lock)) == rt.node.encode():
            await state.redis.delete(lock)
    except Exception:
        log.exception("live_unlock_failed", stream_id=stream_id)


def _from_thread(state: AppState, fn, *args) -> None:
    """Schedule an action from the packager's worker thread onto the event loop."""
    rt = runtime(state)
    if rt.loop is not None and not rt.loop.is_closed():
        rt.loop.call_soon_threadsafe(lambda: state.spawn(fn(state, *args)))


async def do_announce_playable(state: AppState, stream_id: str) -> None:
    """The master playlist exists: viewers can start playing."""
    ing = runtime(state).ingests.get(stream_id)
    if ing is not None and ing.pipeline.first_media_at and ing.pipeline.master_at:
        log.info("live_playable", stream_id=stream_id, first_segment_after_media_s=round(
            ing.pipeline.master_at - ing.pipeline.first_media_at, 3))
    await state.emitter.emit("live:state", {"stream_id": stream_id, "state": "live",
                                            "playable": True,
                                            "hls_url": f"/v1/live/{stream_id}/hls/master.m3u8"},
                             room=live_room(stream_id))


async def _fan_out_live(state: AppState, stream: dict) -> None:
    """`feed:live` to the creator's followers (and the creator's own devices), in batches."""
    payload = {"stream": stream}
    await state.emitter.emit("feed:live", payload, room=user_room(stream["creator_id"]))
    if stream["visibility"] not in ("public", "followers"):
        return
    async for batch in follower_batches(state, stream["creator_id"]):
        # One emit per batch: python-socketio takes a list of rooms.
        await state.emitter.emit("feed:live", payload, room=[user_room(u) for u in batch])


async def do_publisher_gone(state: AppState, stream_id: str, reason: str) -> None:
    """The publisher vanished: `reconnecting` now, `ended` after the grace period.

    The packager is suspended (its state saved under MEDIA_ROOT) and the publisher lock
    released, so the publisher may come back to any process; a grace key in Redis marks the
    period. Whichever process then holds no publisher ends the stream (see _end_unhosted)."""
    rt = runtime(state)
    ing = rt.ingests.get(stream_id)
    if ing is None or ing.ending:
        return
    ing.ending = True
    session, ing.session = ing.session, None
    if session is not None:
        await session.close()
    pipe = state.redis.pipeline(transaction=False)
    pipe.set(_grace_key(state, stream_id), rt.node, px=int(rt.grace * 1000))
    pipe.delete(_session_key(state, stream_id))
    await pipe.execute()
    async with transaction(state.db, state.emitter) as tx:
        row = await tx.conn.fetchrow(q.SET_RECONNECTING, stream_id)
        if row is not None:
            tx.emit("live:state", {"stream_id": stream_id, "state": "reconnecting",
                                   "grace_seconds": rt.grace, "reason": reason},
                    room=live_room(stream_id))
    await _drop_ingest(state, ing, suspend=True)

    async def grace_then_end():
        await asyncio.sleep(rt.grace)
        await _end_unhosted(state, stream_id, "publisher_timeout")

    state.spawn(grace_then_end())


async def _end_unhosted(state: AppState, stream_id: str, reason: str) -> None:
    """End a stream nobody hosts, unless a publisher came back first: the ender takes the
    publisher lock, so a resume and an end never both happen."""
    rt = runtime(state)
    lock = _pub_key(state, stream_id)
    if stream_id in rt.ingests or not await state.redis.set(lock, rt.node, nx=True,
                                                            ex=rt.lock_ttl):
        return
    try:
        if await state.db.fetchval(q.GET_STATE, stream_id) in ("live", "reconnecting"):
            await do_end_stream(state, stream_id, reason)
    finally:
        await _unlock(state, stream_id)


async def check_whip_session(state: AppState, stream: dict, session_id: str) -> None:
    """The session exists, hosted here or by another process (a load balancer may send the
    publisher's DELETE anywhere)."""
    ing = runtime(state).ingests.get(stream["id"])
    if ing is not None and ing.session is not None and ing.session.id == session_id:
        return
    current = await state.redis.get(_session_key(state, stream["id"]))
    if current is None or current.decode() != session_id:
        raise NotFound("No such WHIP session", code="session_not_found")


async def _hosted_elsewhere(state: AppState, stream_id: str) -> bool:
    rt = runtime(state)
    if stream_id in rt.ingests:
        return False
    owner = await state.redis.get(_pub_key(state, stream_id))
    return owner is not None and owner != rt.node.encode()


async def _stop_local_ingest(state: AppState, stream_id: str) -> None:
    rt = runtime(state)
    ing = rt.ingests.get(stream_id)
    if ing is None:
        return
    if ing.ending:  # being suspended or stopped: let that finish before the files are closed
        await ing.stopped.wait()
        return
    if ing.session is not None:
        await ing.session.close()
        ing.session = None
    await _drop_ingest(state, ing, suspend=False)


async def do_end_stream(state: AppState, stream_id: str, reason: str) -> dict | None:
    """End a stream: stop its ingest if this process hosts it, close the recording (VOD with
    ENDLIST, path stored on the row), tell the room. Returns the row, None if already ended.
    A process hosting a stream that another process ended notices on its heartbeat."""
    await _stop_local_ingest(state, stream_id)
    await state.redis.delete(_session_key(state, stream_id))
    out = stream_dir(state, stream_id)
    vod_path = None
    if await _hosted_elsewhere(state, stream_id):
        # Its host still writes the files: it closes them when its heartbeat sees the row
        # ended (closing them here would leave segments after the ENDLIST).
        if any(out.glob("*/vod.m3u8")):
            vod_path = f"live/{stream_id}/vod.m3u8"
    elif (out / "vod.m3u8").exists() or close_orphaned_recording(out):
        vod_path = f"live/{stream_id}/vod.m3u8"
    async with transaction(state.db, state.emitter) as tx:
        row = await tx.conn.fetchrow(q.SET_ENDED, stream_id, reason, vod_path)
        if row is not None:
            view = stream_view(row)
            tx.emit("live:state", {"stream_id": stream_id, "state": "ended", "reason": reason,
                                   "vod_url": view["vod_url"]}, room=live_room(stream_id))
    if row is None:
        return None
    view = stream_view(row)
    if vod_path and view["visibility"] in ("public", "followers", "circle", "subscribers"):
        state.spawn(_publish_recording(state, view))
    return view


async def _publish_recording(state: AppState, stream: dict) -> None:
    """The recording becomes a video post of the creator (feeds domain), media id
    `live:<stream id>` (played from /v1/live/<id>/hls/vod.m3u8); its id is kept on the row."""
    try:
        from handlers.feed.actions import NewPost, do_create_post, do_mark_media_ready
    except ImportError:  # no feeds domain in this deployment
        return
    media_id = f"live:{stream['id']}"
    try:
        await do_mark_media_ready(state, media_id)
        post = await do_create_post(state, stream["creator_id"], NewPost(
            kind="video", body=stream["title"] or "", media_id=media_id,
            visibility=stream["visibility"], circle_id=stream.get("circle_id")))
        await do_attach_post(state, stream["id"], post["id"])
    except Exception:
        log.exception("live_recording_post_failed", stream_id=stream["id"])


async def check_end_stream(state: AppState, user_id: str, role: str, stream_id: str) -> dict:
    stream = await get_stream(state, stream_id)
    if stream["creator_id"] != user_id and role not in ("moderator", "admin"):
        raise Forbidden("Only the creator can end this stream", code="not_stream_owner")
    if stream["state"] == "ended":
        raise Conflict("This stream has already ended", code="stream_ended")
    return stream


async def do_attach_post(state: AppState, stream_id: str, post_id: str) -> None:
    """For the feeds domain: remember the post that shows this stream's recording."""
    async with transaction(state.db) as tx:
        await tx.conn.execute(q.SET_POST, _uuid(stream_id), _uuid(post_id, "post"))


# ---------------------------------------------------------------- per-process loops

async def do_heartbeat(state: AppState) -> None:
    """Refresh the publisher locks of the ingests this process hosts; stop the ones another
    process ended; end streams whose hosting process died (its lock expired)."""
    rt = runtime(state)
    local = list(rt.ingests)
    if local:
        pipe = state.redis.pipeline(transaction=False)
        for sid_ in local:
            pipe.set(_pub_key(state, sid_), rt.node, ex=rt.lock_ttl)
        await pipe.execute()
        ended = await state.db.fetch(
            "SELECT id::text FROM live_streams WHERE id = ANY($1::uuid[]) AND state = 'ended'",
            local)
        for r in ended:
            await _stop_local_ingest(state, r["id"])
    for r in await state.db.fetch(q.ACTIVE_STREAMS):
        sid_ = r["id"]
        if sid_ in rt.ingests or await state.redis.exists(_pub_key(state, sid_)):
            continue
        if r["state"] == "reconnecting":
            if not await state.redis.exists(_grace_key(state, sid_)):
                await _end_unhosted(state, sid_, "publisher_timeout")
            continue
        log.warning("live_orphan_ended", stream_id=sid_)
        await _end_unhosted(state, sid_, "host_lost")


async def do_end_local_streams(state: AppState, reason: str = "server_restart") -> None:
    """A process going down ends the streams it hosts, cleanly (VOD closed, room told)."""
    for sid_ in list(runtime(state).ingests):
        try:
            await do_end_stream(state, sid_, reason)
        except Exception:
            log.exception("live_end_on_shutdown_failed", stream_id=sid_)
