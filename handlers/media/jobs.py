"""The media worker job: probe the finished upload, transcode the HLS ladder, publish it.

Idempotent: a redone job (its worker died) starts over in a fresh work folder and writes
the same storage keys; only the first `do_mark_ready` changes the row and emits.
"""
from __future__ import annotations

import asyncio
import shutil
import time
import uuid

import av
import structlog

from handlers.media import actions as a
from handlers.media import queries as q
from media.config import media_config
from media.probe import InvalidMedia, probe
from media.storage import media_storage
from media.transcode import ladder_summary, transcode
from server.jobs import PermanentJobError

log = structlog.get_logger("media")
QUEUES = ("media",)


class _Progress:
    """Called from the transcoder's thread; forwards every 5 % (or 2 s) to the uploader."""

    def __init__(self, state, loop, media_id: str, owner_id: str):
        self.state, self.loop, self.media_id, self.owner_id = state, loop, media_id, owner_id
        self.last_pct, self.last_t = 5, 0.0  # the job announced `transcoding 5` itself
        self.pending: list = []

    def __call__(self, fraction: float) -> None:
        pct = int(5 + 85 * fraction)  # 0-5 probing, 5-90 transcoding, 90-100 packaging
        now = time.monotonic()
        if pct >= self.last_pct + 5 or (pct > self.last_pct and now - self.last_t > 2):
            self.last_pct, self.last_t = pct, now
            self.pending.append(asyncio.run_coroutine_threadsafe(
                a.do_progress(self.state, self.media_id, self.owner_id, "transcoding", pct),
                self.loop))

    async def settle(self) -> None:
        for f in self.pending:
            try:
                await asyncio.wrap_future(f)
            except Exception:
                log.exception("progress_update_failed")


async def process_upload(state, payload: dict) -> None:
    media_id = payload["media_id"]
    row = await state.db.fetchrow(q.GET_MEDIA, media_id)
    if row is None or row["status"] in ("ready", "failed"):
        return  # terminated meanwhile, or a redelivery of finished work
    if row["status"] == "uploading":
        raise PermanentJobError("upload is not complete")
    cfg = media_config(state)
    owner = row["owner_id"]
    src = a.partials(state).path(a.upload_key(row))
    if not src.exists():
        await a.do_mark_failed(state, media_id, "upload_lost",
                               "The uploaded file is missing; please upload it again")
        return
    await a.do_start_processing(state, media_id, "probing")
    try:
        info = await asyncio.to_thread(probe, src, max_duration=cfg.max_duration)
    except InvalidMedia as bad:
        await a.do_mark_failed(state, media_id, bad.code, bad.reason)
        return
    await a.do_record_probe(state, media_id, info.as_dict())
    await a.do_progress(state, media_id, owner, "transcoding", 5)
    # Leftovers of an attempt whose worker died; one worker runs a job at a time (heartbeats).
    await asyncio.to_thread(shutil.rmtree, cfg.work_dir / media_id, True)
    work = cfg.work_dir / media_id / uuid.uuid4().hex
    work.mkdir(parents=True)
    progress = _Progress(state, asyncio.get_running_loop(), media_id, owner)
    try:
        try:
            ladder = await asyncio.to_thread(
                transcode, src, work, info, segment_seconds=cfg.segment_seconds,
                preset=cfg.x264_preset, poster_at=cfg.poster_at,
                preview_seconds=cfg.preview_seconds, progress=progress,
                frame_delay=cfg.test_frame_delay)
        except (av.error.InvalidDataError, ValueError) as exc:
            await progress.settle()
            await a.do_mark_failed(state, media_id, "corrupt",
                                   f"The video data is damaged: {exc}")
            return
        await progress.settle()
        await a.do_progress(state, media_id, owner, "packaging", 90)
        prefix = f"{owner}/{media_id}"
        await media_storage(state).put_dir(prefix, work)
        if not await a.do_mark_ready(state, media_id, ladder_summary(ladder), prefix):
            if await state.db.fetchval("SELECT 1 FROM media WHERE id = $1", media_id) is None:
                await media_storage(state).delete_prefix(prefix)  # deleted while we worked
            return
        log.info("media_ready", media_id=media_id, seconds=round(ladder.seconds, 2),
                 frames=ladder.frames, rungs=[r.rung.name for r in ladder.renditions])
    finally:
        await asyncio.to_thread(shutil.rmtree, cfg.work_dir / media_id, True)


async def processing_failed(state, payload: dict, error: str) -> None:
    """Retries exhausted: the uploader is told, and the bytes are removed."""
    await a.do_mark_failed(state, payload["media_id"], "processing_failed",
                           "We could not process this video; please try again later")


JOBS = {a.PROCESS_JOB: process_upload}
ON_FAILURE = {a.PROCESS_JOB: processing_failed}
