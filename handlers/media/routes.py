"""HTTP: the tus 1.0.0 upload endpoint, the uploader's status view, and HLS/poster serving.

    OPTIONS /v1/uploads/            discovery (no auth)
    POST    /v1/uploads/            creation (+ creation-with-upload)
    HEAD    /v1/uploads/{id}        offset
    PATCH   /v1/uploads/{id}        append (checksum optional)
    DELETE  /v1/uploads/{id}        termination
    GET     /v1/media/{id}          the owner's view: status, stage, percent, URLs when ready
    GET     /v1/media/{id}/{path}   hls/master.m3u8, hls/<rung>/..., poster.jpg, preview.mp4
"""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

from aiohttp import web

from handlers.auth.guard import authenticate
from handlers.media import actions as a
from media import tus
from media.config import media_config
from media.keys import content_type
from media.storage import media_storage
from server.errors import AppError, NotFound
from server.state import STATE

routes = web.RouteTableDef()
LOCK_SECONDS = 30
IDLE_READ_SECONDS = 30  # a PATCH whose client sends nothing for this long is cut


def _tus_headers(**extra) -> dict[str, str]:
    return {"Tus-Resumable": tus.TUS_VERSION, "Cache-Control": "no-store", **extra}


def _method(request: web.Request) -> str:
    """tus clients behind proxies that only pass GET/POST use X-HTTP-Method-Override."""
    return request.headers.get("X-HTTP-Method-Override", request.method).upper()


async def _caller(request: web.Request) -> str:
    claims = await authenticate(request)
    return claims.user_id


def _tus_problem(err: AppError) -> web.Response:
    from server.web import problem

    resp = problem(err.status, err.code, err.message, **({"details": err.details}
                                                            if err.details else {}))
    resp.headers.update(_tus_headers())
    if err.status == 412:
        resp.headers["Tus-Version"] = tus.TUS_VERSION
    return resp


def _tus(handler):
    """Every tus response carries Tus-Resumable, errors included."""
    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            resp = await handler(request)
        except AppError as err:
            resp = _tus_problem(err)
        return resp
    wrapped.__name__ = handler.__name__
    wrapped.__doc__ = handler.__doc__
    return wrapped


async def _chunks(request: web.Request):
    while True:
        data = await asyncio.wait_for(request.content.readany(), IDLE_READ_SECONDS)
        if not data:
            break
        yield data


class _Lock:
    """One writer per upload across every node (Redis), so two PATCHes never interleave."""

    def __init__(self, state, media_id: str):
        self.redis = state.redis
        self.key = state.key("media", "tuslock", media_id)

    async def __aenter__(self):
        for _ in range(50):  # a client that just lost its connection may still hold it briefly
            if await self.redis.set(self.key, b"1", nx=True, ex=LOCK_SECONDS):
                return self
            await asyncio.sleep(0.1)
        raise AppError("upload_locked", "Another request is writing to this upload",
                       status=423, retry_after=1)

    async def __aexit__(self, *exc):
        await self.redis.delete(self.key)


async def _append(request: web.Request, state, row, offset: int) -> tus.AppendResult:
    if request.headers.get("Content-Type", "").split(";")[0].strip() != tus.OFFSET_CONTENT_TYPE:
        raise AppError("unsupported_media_type",
                       f"Content-Type must be {tus.OFFSET_CONTENT_TYPE}", status=415)
    checksum = tus.parse_checksum(request.headers.get("Upload-Checksum"))
    async with _Lock(state, row["id"]):
        current = a.current_offset(state, row)
        if offset != current:
            raise AppError("offset_mismatch", f"Upload-Offset {offset} does not match the "
                           f"stored offset {current}", status=409,
                           details={"offset": current})
        length = request.content_length
        remaining = row["upload_length"] - current
        if length is not None and length > remaining:
            raise AppError("upload_length_exceeded",
                           "More bytes than Upload-Length announced", status=413)
        try:
            result = await a.partials(state).append(a.upload_key(row), current,
                                                    _chunks(request), limit=remaining,
                                                    checksum=checksum)
        except asyncio.TimeoutError:
            result = tus.AppendResult(a.partials(state).size(a.upload_key(row)) or current,
                                      0, True)
        return result


@routes.route("OPTIONS", "/v1/uploads/")
@routes.route("OPTIONS", "/v1/uploads/{media_id}")
async def tus_options(request: web.Request) -> web.Response:
    """tus discovery: version, extensions, maximum size, checksum algorithms."""
    cfg = media_config(request.app[STATE])
    resp = web.Response(status=204, headers=tus.discovery_headers(cfg.max_upload_bytes))
    return resp


@routes.post("/v1/uploads/")
@routes.post("/v1/uploads")
@_tus
async def tus_create(request: web.Request) -> web.Response:
    """tus creation (and creation-with-upload when the body carries the first bytes)."""
    state = request.app[STATE]
    method = _method(request)
    if method != "POST":
        raise AppError("method_not_allowed", f"{method} needs an upload URL", status=405)
    user_id = await _caller(request)  # who asks comes first: 401 before 412
    tus.check_resumable(request.headers.get("Tus-Resumable"))
    cfg = media_config(state)
    length = tus.parse_length(request.headers.get("Upload-Length"), cfg.max_upload_bytes)
    metadata = tus.parse_metadata(request.headers.get("Upload-Metadata"))
    if (request.content_length or 0) > length:  # refused before any row holds a slot
        raise AppError("upload_length_exceeded", "More bytes than Upload-Length announced",
                       status=413)
    await a.check_create_upload(state, user_id, length, metadata)
    row = await a.do_create_upload(state, user_id, length, metadata)
    headers = _tus_headers(Location=f"/v1/uploads/{row['id']}",
                           **{"Upload-Expires": tus.http_date(row["expires_at"])})
    has_body = request.body_exists and (request.content_length or 0) > 0 or \
        request.headers.get("Transfer-Encoding", "").lower() == "chunked"
    if has_body:
        try:
            result = await _append(request, state, row, 0)
        except AppError:  # a chunked body past Upload-Length: no half-created upload stays
            await a.do_terminate_upload(state, row)
            raise
        row = await a.do_record_offset(state, row, result.offset)
        headers["Upload-Offset"] = str(result.offset)
    return web.Response(status=201, headers=headers)


@routes.route("HEAD", "/v1/uploads/{media_id}")
@_tus
async def tus_head(request: web.Request) -> web.Response:
    """Where to resume: Upload-Offset (the bytes stored, also after a server restart)."""
    state = request.app[STATE]
    user_id = await _caller(request)
    tus.check_resumable(request.headers.get("Tus-Resumable"))
    row = await a.load_upload(state, request.match_info["media_id"], user_id)
    headers = _tus_headers(**{"Upload-Offset": str(a.current_offset(state, row)),
                              "Upload-Length": str(row["upload_length"])})
    if row["upload_metadata"]:
        headers["Upload-Metadata"] = tus.encode_metadata(row["upload_metadata"])
    if row["expires_at"]:
        headers["Upload-Expires"] = tus.http_date(row["expires_at"])
    return web.Response(status=200, headers=headers)


@routes.patch("/v1/uploads/{media_id}")
@_tus
async def tus_patch(request: web.Request) -> web.Response:
    """Append bytes at Upload-Offset. A cut request keeps what arrived (no checksum)."""
    return await _patch_impl(request)


@routes.post("/v1/uploads/{media_id}")
@_tus
async def tus_post_override(request: web.Request) -> web.Response:
    """POST + X-HTTP-Method-Override: PATCH or DELETE, for clients behind strict proxies."""
    method = _method(request)
    if method == "PATCH":
        return await _patch_impl(request)
    if method == "DELETE":
        return await _delete_impl(request)
    raise AppError("method_not_allowed", "Use PATCH to append to an upload", status=405)


async def _patch_impl(request: web.Request) -> web.Response:
    state = request.app[STATE]
    user_id = await _caller(request)
    tus.check_resumable(request.headers.get("Tus-Resumable"))
    row = await a.load_upload(state, request.match_info["media_id"], user_id)
    if row["status"] != "uploading":
        raise AppError("upload_complete", "This upload is already complete", status=409,
                       details={"offset": row["upload_length"]})
    offset = tus.parse_offset(request.headers.get("Upload-Offset"))
    result = await _append(request, state, row, offset)
    row = await a.do_record_offset(state, row, result.offset)
    expires = row["expires_at"] or datetime.now(timezone.utc) + timedelta(days=1)
    return web.Response(status=204, headers=_tus_headers(**{
        "Upload-Offset": str(result.offset), "Upload-Expires": tus.http_date(expires)}))


async def _delete_impl(request: web.Request) -> web.Response:
    state = request.app[STATE]
    media_id = request.match_info["media_id"]
    user_id = await _caller(request)
    tus.check_resumable(request.headers.get("Tus-Resumable"))
    try:
        row = await a.load_upload(state, media_id, user_id)
    except AppError as err:
        if err.status != 410:
            raise
        row = await state.db.fetchrow(a.q.GET_MEDIA, media_id)
    async with _Lock(state, media_id):
        await a.do_terminate_upload(state, row)
    return web.Response(status=204, headers=_tus_headers())


@routes.delete("/v1/uploads/{media_id}")
@_tus
async def tus_delete(request: web.Request) -> web.Response:
    """tus termination: the upload and its bytes are removed."""
    return await _delete_impl(request)


@routes.get("/v1/media/{media_id}")
async def media_status(request: web.Request) -> web.Response:
    """The uploader's view of one video: status, stage, percent; URLs once ready."""
    state = request.app[STATE]
    view = await a.get_own_media(state, await _caller(request), request.match_info["media_id"])
    return web.json_response(view, headers={"Cache-Control": "no-store"})


CACHE_IMMUTABLE = "public, max-age=31536000, immutable"
CACHE_PLAYLIST = "public, max-age=300"


@routes.get("/v1/media/{media_id}/{path:.+}")
async def media_file(request: web.Request) -> web.StreamResponse:
    """HLS playlists and segments, poster, preview of a ready video (byte ranges honoured).

    Ready videos are public to whoever has the id (the post that links them decides who
    learns it); processing ones are not served at all."""
    state = request.app[STATE]
    media_id, path = request.match_info["media_id"], request.match_info["path"]
    prefix = await a.servable(state, media_id)
    if prefix is None:
        raise NotFound("No such video, or it is not ready yet", code="media_not_found")
    key = f"{prefix}/{path}"
    storage = media_storage(state)
    local = storage.local_path(key)
    if local is None:
        try:
            url = storage.signed_url(key, media_config(state).signed_url_ttl)
        except ValueError:  # "..", hidden files: not a key we ever write
            url = None
        if url is None:
            raise NotFound("No such file", code="media_file_not_found")
        raise web.HTTPFound(url, headers={"Cache-Control": "private, max-age=60"})
    ctype = content_type(path)
    cache = CACHE_PLAYLIST if path.endswith(".m3u8") else CACHE_IMMUTABLE
    return web.FileResponse(local, headers={"Content-Type": ctype, "Cache-Control": cache,
                                            "Access-Control-Allow-Origin": "*"})
