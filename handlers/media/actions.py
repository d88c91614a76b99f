"""Media actions: create/append/terminate uploads, progress, ready/failed, erase.

Events (to the uploader's every device, `user:<id>`, after the commit):
  media:progress {media_id, stage, percent}   stage: queued|probing|transcoding|packaging
  media:ready    {media_id, hls, poster, preview, duration_ms, width, height, renditions}
  media:failed   {media_id, code, reason}
"""
from __future__ import annotations

import importlib
import time
import uuid
from datetime import datetime, timezone
from typing import Any

import structlog

from handlers.media import queries as q
from media.config import media_config
from media.storage import media_storage
from media.tus import PartialUploads
from rooms.names import user_room
from rooms.ratelimit import check_rate
from server.db import transaction
from server.errors import AppError, Forbidden, NotFound
from server.jobs import enqueue
from server.privacy import holds_personal_data
from server.state import AppState

log = structlog.get_logger("media")
PROCESS_JOB = "media.process"
QUEUE = "media"


def partials(state: AppState) -> PartialUploads:
    p = state.extras.get("media_partials")
    if p is None:
        p = state.extras["media_partials"] = PartialUploads(media_config(state).uploads_dir)
    return p


def upload_key(row) -> str:
    return f"{row['owner_id']}/{row['id']}"


def media_urls(media_id: str) -> dict:
    base = f"/v1/media/{media_id}"
    return {"hls": f"{base}/hls/master.m3u8", "poster": f"{base}/poster.jpg",
            "preview": f"{base}/preview.mp4"}


def public_view(row) -> dict:
    """What the owner sees of one upload (socket ack, HTTP JSON)."""
    out = {"media_id": row["id"], "status": row["status"], "stage": row["stage"],
           "percent": row["progress"], "upload_length": row["upload_length"],
           "upload_offset": row["upload_offset"], "filename": row["filename"],
           "created_at": row["created_at"].isoformat()}
    if row["status"] == "failed":
        out["error"] = {"code": row["failure_code"], "reason": row["failure_reason"]}
    if row["status"] == "ready":
        out.update(media_urls(row["id"]), duration_ms=row["duration_ms"], width=row["width"],
                   height=row["height"], renditions=row["renditions"])
    return out


def _valid_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
        return True
    except (ValueError, TypeError):
        return False


# --- uploads ---------------------------------------------------------------------------------

async def check_create_upload(state: AppState, user_id: str, length: int,
                              metadata: dict[str, str]) -> None:
    """Type allowed, size within the limit (checked by the tus parser), quotas not exceeded."""
    cfg = media_config(state)
    filetype = (metadata.get("filetype") or metadata.get("type") or "").lower()
    if filetype and filetype not in cfg.allowed_types:
        raise AppError("unsupported_media_type",
                       f"{filetype!r} is not accepted; upload a video (MP4, MOV, WebM, MKV)",
                       status=415)
    await check_rate(state, "media:create", user_id, "60/hour")
    row = await state.db.fetchrow(q.OPEN_UPLOADS_AND_RECENT_BYTES, user_id)
    if row["open_uploads"] >= cfg.max_open_uploads:
        raise AppError("too_many_uploads", f"Finish or cancel one of your "
                       f"{row['open_uploads']} open uploads first", status=429,
                       retry_after=60)
    if row["recent_bytes"] + length > cfg.daily_quota_bytes:
        raise AppError("quota_exceeded", "Your upload allowance for the last 24 hours is used "
                       "up", status=413, details={"quota_bytes": cfg.daily_quota_bytes,
                                                  "used_bytes": int(row["recent_bytes"])})


async def do_create_upload(state: AppState, user_id: str, length: int,
                           metadata: dict[str, str]):
    cfg = media_config(state)
    filetype = (metadata.get("filetype") or metadata.get("type") or None)
    filename = (metadata.get("filename") or metadata.get("name") or None)
    async with transaction(state.db) as tx:
        row = await tx.conn.fetchrow(q.INSERT_UPLOAD, user_id, length, metadata,
                                     filename[:255] if filename else None, filetype,
                                     float(cfg.upload_ttl))
    partials(state).create(upload_key(row))
    return row


async def load_upload(state: AppState, media_id: str, user_id: str):
    """The caller's own upload; 404 for anyone else's, 410 once expired or finished."""
    if not _valid_uuid(media_id):
        raise NotFound("No such upload", code="upload_not_found")
    row = await state.db.fetchrow(q.GET_MEDIA, media_id)
    if row is None or row["owner_id"] != user_id:
        raise NotFound("No such upload", code="upload_not_found")
    if row["status"] == "uploading" and row["expires_at"] is not None \
            and row["expires_at"] < datetime.now(timezone.utc):
        raise AppError("upload_expired", "This upload expired; start a new one", status=410)
    if row["status"] == "failed":
        raise AppError("upload_failed", row["failure_reason"] or "This upload failed",
                       status=410)
    return row


def current_offset(state: AppState, row) -> int:
    """Bytes stored so far: the file is the truth while uploading (it survives restarts)."""
    if row["status"] != "uploading":
        return row["upload_length"]
    size = partials(state).size(upload_key(row))
    return row["upload_offset"] if size is None else min(size, row["upload_length"])


async def do_record_offset(state: AppState, row, offset: int):
    """Remember how far the upload got; when complete, queue processing and say so."""
    cfg = media_config(state)
    if offset < row["upload_length"]:
        return await state.db.fetchrow(q.SET_OFFSET, row["id"], offset, float(cfg.upload_ttl))
    async with transaction(state.db, state.emitter) as tx:
        done = await tx.conn.fetchrow(q.COMPLETE_UPLOAD, row["id"])
        if done is not None:
            tx.emit("media:progress", {"media_id": row["id"], "stage": "queued", "percent": 0},
                    room=user_room(row["owner_id"]))
    if done is not None:
        await enqueue(state, PROCESS_JOB, {"media_id": row["id"]}, queue=QUEUE,
                      unique_key=f"media:{row['id']}")
        log.info("upload_complete", media_id=row["id"], bytes=row["upload_length"])
    return done or row


async def do_terminate_upload(state: AppState, row) -> None:
    """tus termination: the upload and its bytes are gone."""
    async with transaction(state.db) as tx:
        await tx.conn.execute(q.DELETE_MEDIA, row["id"])
    partials(state).delete(upload_key(row))
    if row["storage_prefix"]:
        await media_storage(state).delete_prefix(row["storage_prefix"])


async def do_sweep_expired(state: AppState, limit: int = 500) -> int:
    """Delete incomplete uploads past their expiry, rows and bytes (safe on every node)."""
    rows = await state.db.fetch(q.DELETE_EXPIRED_UPLOADS, limit)
    for r in rows:
        partials(state).delete(f"{r['owner_id']}/{r['id']}")
    return len(rows)


async def do_requeue_stalled(state: AppState, idle_seconds: float = 1800) -> int:
    """Complete uploads whose job was lost (Redis flushed, enqueue failed after the commit)
    are queued again; a job still queued or running is not doubled (unique key)."""
    n = 0
    for r in await state.db.fetch(q.STALLED, float(idle_seconds)):
        if await enqueue(state, PROCESS_JOB, {"media_id": r["id"]}, queue=QUEUE,
                         unique_key=f"media:{r['id']}"):
            n += 1
    return n


# --- processing (called by the worker) ------------------------------------------------------

async def do_start_processing(state: AppState, media_id: str, stage: str):
    async with transaction(state.db, state.emitter) as tx:
        row = await tx.conn.fetchrow(q.START_PROCESSING, media_id, stage)
        if row is not None:
            retry = row["was"] == "processing"  # the uploader keeps the percent it saw
            tx.emit("media:progress", {"media_id": media_id, "stage": row["stage"],
                                       "percent": row["progress"], **({"retrying": True}
                                                                      if retry else {})},
                    room=user_room(row["owner_id"]))
    return row


async def do_progress(state: AppState, media_id: str, owner_id: str, stage: str,
                      percent: int) -> None:
    async with transaction(state.db, state.emitter) as tx:
        if await tx.conn.fetchval(q.SET_PROGRESS, media_id, stage, percent):
            tx.emit("media:progress", {"media_id": media_id, "stage": stage,
                                       "percent": percent}, room=user_room(owner_id))


async def do_record_probe(state: AppState, media_id: str, probe: dict) -> None:
    w, h = (probe["height"], probe["width"]) if probe["rotation"] in (90, 270) \
        else (probe["width"], probe["height"])
    await state.db.execute(q.SET_PROBE, media_id, probe, int(probe["duration"] * 1000), w, h)


async def do_mark_failed(state: AppState, media_id: str, code: str, reason: str) -> bool:
    """The upload is failed for `reason`; its bytes are removed; the uploader is told."""
    async with transaction(state.db, state.emitter) as tx:
        row = await tx.conn.fetchrow(q.MARK_FAILED, media_id, code, reason)
        if row is not None:
            tx.emit("media:failed", {"media_id": media_id, "code": code, "reason": reason},
                    room=user_room(row["owner_id"]))
    if row is None:
        return False
    partials(state).delete(upload_key(row))
    await media_storage(state).delete_prefix(f"{row['owner_id']}/{media_id}")
    log.info("media_failed", media_id=media_id, code=code, reason=reason)
    await _tell_feed(state, "do_mark_media_failed", media_id, code, reason)
    return True


async def do_mark_ready(state: AppState, media_id: str, renditions: list[dict],
                        prefix: str) -> bool:
    """Ready to watch: say so to the uploader, let the feed publish posts waiting for it.
    Idempotent: a second call (a redone job) changes nothing and emits nothing."""
    async with transaction(state.db, state.emitter) as tx:
        row = await tx.conn.fetchrow(q.MARK_READY, media_id, renditions, prefix)
        if row is not None:
            tx.emit("media:ready", {**public_view(row)}, room=user_room(row["owner_id"]))
    if row is None:
        return False
    partials(state).delete(upload_key(row))  # the ladder is the copy we keep
    await _tell_feed(state, "do_mark_media_ready", media_id)
    return True


async def _tell_feed(state: AppState, hook: str, *args: Any) -> None:
    """Posts waiting on this video are published or marked failed: the feed domain's
    `do_mark_media_ready` / `do_mark_media_failed`, when this build has a feed. A failing
    hook is logged; the feed's minutely sweep settles those posts later."""
    try:
        feed = importlib.import_module("handlers.feed.actions")
    except ModuleNotFoundError:
        return
    try:
        await getattr(feed, hook)(state, *args)
    except Exception:
        log.exception("feed_hook_failed", hook=hook, media_id=args[0] if args else None)


# --- reading ---------------------------------------------------------------------------------

async def get_own_media(state: AppState, user_id: str, media_id: str) -> dict:
    if not _valid_uuid(media_id):
        raise NotFound("No such video", code="media_not_found")
    row = await state.db.fetchrow(q.GET_MEDIA, media_id)
    if row is None:
        raise NotFound("No such video", code="media_not_found")
    if row["owner_id"] != user_id:
        raise Forbidden("Only the uploader sees a video's processing state")
    return public_view(row)


async def list_own_media(state: AppState, user_id: str, limit: int = 50) -> list[dict]:
    return [public_view(r) for r in await state.db.fetch(q.LIST_OWN, user_id, limit)]


async def servable(state: AppState, media_id: str) -> str | None:
    """The storage prefix of a ready video, cached briefly per process (segments are hot)."""
    cache: dict = state.extras.setdefault("media_ready_cache", {})
    hit = cache.get(media_id)
    now = time.monotonic()
    if hit is not None and hit[1] > now:
        return hit[0]
    if not _valid_uuid(media_id):
        return None
    row = await state.db.fetchrow(
        "SELECT storage_prefix FROM media WHERE id = $1 AND status = 'ready'", media_id)
    prefix = row["storage_prefix"] if row else None
    if len(cache) > 10_000:
        cache.clear()
    cache[media_id] = (prefix, now + (30 if prefix else 2))
    return prefix


# --- PDPL ------------------------------------------------------------------------------------

async def _export(conn, user_id: str):
    rows = await conn.fetch(q.EXPORT_OWN, user_id)
    return [{**dict(r), "created_at": r["created_at"].isoformat(),
             "ready_at": r["ready_at"].isoformat() if r["ready_at"] else None} for r in rows]


async def _erase(conn, user_id: str) -> None:
    await conn.execute(q.ERASE_OWN, user_id)


async def _erase_files(state: AppState, user_id: str) -> None:
    partials(state).delete_owner(user_id)
    await media_storage(state).delete_prefix(user_id)


holds_personal_data("media", export=_export, erase=_erase, after_commit=_erase_files)
