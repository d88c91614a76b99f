"""HTTP of the live domain: create a stream, WHIP (RFC 9725), LL-HLS playback.

WHIP: POST /v1/live/{id}/whip (application/sdp, `Authorization: Bearer <stream key>`) ->
201 + SDP answer + Location of the session; DELETE on the Location ends the stream;
OPTIONS answers preflights without auth; PATCH (trickle ICE / ICE restart) is not supported
-> 405 (the answer already carries every candidate).

HLS: /v1/live/{id}/hls/master.m3u8, /v1/live/{id}/hls/{rung}/index.m3u8 (blocking reload
with _HLS_msn/_HLS_part), parts/segments/init, and the recording at
/v1/live/{id}/hls/vod.m3u8. Playlists are `no-cache`; media files are immutable.
"""
from __future__ import annotations

import asyncio
import re
import time

import msgspec
from aiohttp import web

from handlers.live import actions as a
from handlers.live import ingest_actions as ingest
from handlers.live import playback
from handlers.live.runtime import runtime, stream_dir
from media.llhls import position, satisfied
from server.errors import AppError, BadRequest, NotFound, Unauthorized
from server.payloads import decode_json
from server.state import STATE

routes = web.RouteTableDef()
PLAYLIST = "application/vnd.apple.mpegurl"
_RUNG = re.compile(r"^\d{2,4}p$")
_FILE = re.compile(r"^(index\.m3u8|vod\.m3u8|init\d*\.mp4|s(\d+)(?:\.(\d+))?\.m4s)$")
WHIP_METHODS = "OPTIONS, POST"
SESSION_METHODS = "OPTIONS, DELETE, PATCH"


class CreateStreamBody(msgspec.Struct, forbid_unknown_fields=True):
    title: str = ""
    visibility: str = "public"
    circle_id: str | None = None
    source_height: int | None = None


def _bearer_user(request: web.Request):
    auth = request.headers.get("Authorization", "")
    token = auth[7:].strip() if auth.lower().startswith("bearer ") else \
        request.query.get("token")
    return request.app[STATE].keys.verify(token)


# ---------------------------------------------------------------- streams

@routes.post("/v1/live/streams")
async def create_stream(request: web.Request) -> web.Response:
    """Create a stream (access token): the WHIP URL and the stream key, shown once."""
    state = request.app[STATE]
    claims = _bearer_user(request)
    req = decode_json(CreateStreamBody, await request.read())
    await a.check_create_stream(state, claims.user_id, req.title, req.visibility, req.circle_id)
    made = await a.do_create_stream(state, claims.user_id, title=req.title,
                                    visibility=req.visibility, circle_id=req.circle_id,
                                    source_height=req.source_height)
    return web.json_response(made, status=201)


# ---------------------------------------------------------------- WHIP

@routes.route("OPTIONS", "/v1/live/{id}/whip")
async def whip_options(request: web.Request) -> web.Response:
    return web.Response(status=204, headers={"Accept-Post": "application/sdp",
                                             "Allow": WHIP_METHODS})


@routes.post("/v1/live/{id}/whip")
async def whip_publish(request: web.Request) -> web.Response:
    state = request.app[STATE]
    stream = await ingest.check_publisher(state, request.match_info["id"],
                                     request.headers.get("Authorization"))
    if request.content_type != "application/sdp":
        raise AppError("unsupported_media_type", "WHIP offers are application/sdp",
                       status=415)
    offer = await request.text()
    if not offer.strip():
        raise BadRequest("Empty SDP offer", code="invalid_offer")
    session_id, answer = await ingest.do_start_publishing(state, stream, offer)
    location = f"/v1/live/{stream['id']}/whip/{session_id}"
    return web.Response(status=201, text=answer, content_type="application/sdp",
                        headers={"Location": location, "ETag": f'"{session_id}"'})


@routes.route("OPTIONS", "/v1/live/{id}/whip/{session}")
async def whip_session_options(request: web.Request) -> web.Response:
    return web.Response(status=204, headers={"Allow": SESSION_METHODS})


@routes.patch("/v1/live/{id}/whip/{session}")
async def whip_patch(request: web.Request) -> web.Response:
    # RFC 9725 4.3.1: a session that supports neither trickle ICE nor ICE restarts
    # answers PATCH with 405.
    raise web.HTTPMethodNotAllowed("PATCH", ["DELETE", "OPTIONS"])


@routes.delete("/v1/live/{id}/whip/{session}")
async def whip_delete(request: web.Request) -> web.Response:
    """The publisher hangs up: the stream ends and its recording is closed."""
    state = request.app[STATE]
    stream = await ingest.check_publisher(state, request.match_info["id"],
                                     request.headers.get("Authorization"))
    await ingest.check_whip_session(state, stream, request.match_info["session"])
    await ingest.do_end_stream(state, stream["id"], "publisher_hung_up")
    return web.Response(status=200)


# ---------------------------------------------------------------- HLS

_META: dict[str, tuple[float, dict]] = {}  # stream id -> (expires, row): cheap access checks


async def _stream_meta(state, stream_id: str) -> dict:
    hit = _META.get(stream_id)
    now = time.monotonic()
    if hit and hit[0] > now:
        return hit[1]
    row = await a.get_stream(state, stream_id)
    if len(_META) > 10_000:
        _META.clear()
    _META[stream_id] = (now + 5.0, row)
    return row


async def _check_hls(request: web.Request, *,
                     playlist: bool) -> tuple[object, dict, str | None]:
    """(state, stream, viewer token to sign the playlist's URIs with, None when public)."""
    state = request.app[STATE]
    stream = await _stream_meta(state, request.match_info["id"])
    if stream["visibility"] == "public":
        return state, stream, None
    vt = request.query.get("vt")
    if vt:
        grant = await playback.renew(state, stream, vt, playlist=playlist)
        user_id, role = grant.user_id, grant.role
    else:
        try:
            claims = _bearer_user(request)
        except Unauthorized:
            raise Unauthorized("This stream needs an access token (?token= or Bearer) on "
                               "the master playlist") from None
        user_id, role = claims.user_id, claims.role
        if not await playback.may_watch(state, stream, user_id, role):
            raise NotFound("No such stream", code="stream_not_found")
    return state, stream, (playback.mint(state, stream["id"], user_id, role)
                           if playlist else None)


def _playlist(request: web.Request, text: str, vt: str | None = None) -> web.Response:
    if vt is not None:
        if "#EXT-X-ENDLIST" in text:  # a recording: never reloaded, so longer-lived URIs
            state = request.app[STATE]
            grant = playback.read(state, vt, request.match_info["id"])
            vt = playback.mint(state, grant.stream_id, grant.user_id, grant.role,
                               ttl=runtime(state).playback_vod_ttl)
        text = playback.sign_playlist(text, vt)
    return web.Response(text=text, content_type=PLAYLIST,
                        headers={"Cache-Control": "no-cache, no-store"})


@routes.get("/v1/live/{id}/hls/{name}")
async def hls_master(request: web.Request) -> web.Response:
    state, stream, vt = await _check_hls(request, playlist=True)
    name = request.match_info["name"]
    if name not in ("master.m3u8", "vod.m3u8"):
        raise NotFound("No such playlist", code="not_found")
    path = stream_dir(state, stream["id"]) / name
    if not path.exists():
        if name == "vod.m3u8":
            raise NotFound("This stream has no recording yet", code="recording_not_ready")
        raise NotFound("The stream is not playable yet", code="stream_not_ready")
    return _playlist(request, path.read_text(), vt)


@routes.get("/v1/live/{id}/hls/{rung}/{name}")
async def hls_file(request: web.Request) -> web.StreamResponse:
    rung, name = request.match_info["rung"], request.match_info["name"]
    m = _FILE.match(name)
    if not _RUNG.match(rung) or not m:
        raise NotFound("No such file", code="not_found")
    state, stream, vt = await _check_hls(request, playlist=name.endswith(".m3u8"))
    path = stream_dir(state, stream["id"]) / rung / name
    rt = runtime(state)
    target = float(rt.ingests[stream["id"]].pipeline.cfg.segment_seconds) \
        if stream["id"] in rt.ingests else 1.0
    if name == "index.m3u8":
        return await _media_playlist(request, state, stream, path, target, vt)
    if not path.exists() and name.endswith(".m4s") and stream["state"] != "ended":
        # A preload hint (or a segment still being written): hold the request until it
        # exists, as RFC 8216bis asks of a server that advertises EXT-X-PRELOAD-HINT —
        # unless the playlist says it never will (its segment is complete without it).
        deadline = time.monotonic() + 3 * target
        while not path.exists() and time.monotonic() < deadline:
            if m.group(3) is not None and _never_coming(path.parent / "index.m3u8",
                                                        int(m.group(2))):
                break
            if stream["id"] in rt.ingests:
                ev = rt.progress_event(stream["id"])
                if path.exists():
                    break
                await rt.wait_event(ev, min(0.5, deadline - time.monotonic()))
            else:
                await asyncio.sleep(0.05)
    if not path.exists():
        raise NotFound("No such file (yet)", code="not_found")
    ctype = "video/mp4" if name.endswith(".mp4") else "video/iso.segment"
    if name.endswith(".m3u8"):
        return _playlist(request, path.read_text(), vt)
    scope = "public" if stream["visibility"] == "public" else "private"
    return web.FileResponse(path, headers={
        "Content-Type": ctype, "Cache-Control": f"{scope}, max-age=86400, immutable"})


def _never_coming(index, msn: int) -> bool:
    """Is segment `msn` complete (so a part of it that does not exist never will)?"""
    try:
        return satisfied(position(index.read_text()), msn, None)
    except FileNotFoundError:
        return False


async def _media_playlist(request, state, stream, path, target: float,
                          vt: str | None) -> web.Response:
    qs = request.query
    if "_HLS_msn" not in qs:
        if "_HLS_part" in qs:
            raise BadRequest("_HLS_part needs _HLS_msn", code="invalid_blocking_request")
        if not path.exists():
            raise NotFound("The stream is not playable yet", code="stream_not_ready")
        return _playlist(request, path.read_text(), vt)
    try:
        msn = int(qs["_HLS_msn"])
        part = int(qs["_HLS_part"]) if "_HLS_part" in qs else None
    except ValueError:
        raise BadRequest("_HLS_msn/_HLS_part must be integers",
                         code="invalid_blocking_request") from None
    rt = runtime(state)
    deadline = time.monotonic() + 3 * target
    while True:
        ev = rt.progress_event(stream["id"]) if stream["id"] in rt.ingests else None
        text = path.read_text() if path.exists() else None
        if text is not None:
            pos = position(text)
            if satisfied(pos, msn, part):
                return _playlist(request, text, vt)
            if msn > pos[0] + 2:
                raise BadRequest("_HLS_msn is too far in the future",
                                 code="invalid_blocking_request")
        left = deadline - time.monotonic()
        if left <= 0:
            raise AppError("playlist_timeout", "The requested part did not appear in time",
                           status=503, retry_after=target)
        if ev is not None:
            await rt.wait_event(ev, min(left, 0.5))
        else:
            await asyncio.sleep(min(left, 0.05))
