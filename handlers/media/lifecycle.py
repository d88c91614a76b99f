"""Per-process start: a sweeper removing incomplete uploads past their tus expiry and
re-queueing complete uploads whose processing job was lost."""
from __future__ import annotations

import asyncio

import structlog

from handlers.media.actions import do_requeue_stalled, do_sweep_expired

log = structlog.get_logger("media")
SWEEP_EVERY = 600.0


async def _sweeper(state) -> None:
    while True:
        try:
            n = await do_sweep_expired(state)
            if n:
                log.info("expired_uploads_removed", count=n)
            n = await do_requeue_stalled(state)
            if n:
                log.warning("stalled_media_requeued", count=n)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("sweep_failed")
        await asyncio.sleep(SWEEP_EVERY)


async def startup(state) -> None:
    state.spawn(_sweeper(state))
