"""Per-process background work of the feed: once a minute on one node, the trending recompute
and publishing posts whose video became ready unannounced; and a feed worker that runs fan-out
jobs beside the sockets.

Every serving process joins the `feed` queue's consumer group (FEED_WORKER_CONCURRENCY tasks,
default 2; 0 leaves fan-out to `python -m server worker` processes alone), so a post is
fanned out within milliseconds of its commit even where no worker process runs, and the
work spreads over the cluster. Jobs left by a process that died are reclaimed by another.
"""
from __future__ import annotations

import asyncio
import os

import structlog

from handlers.feed import jobs, trending
from handlers.feed.actions import do_publish_waiting_posts
from handlers.feed.fanout_actions import running_jobs
from server.jobs import Worker
from server.state import AppState

log = structlog.get_logger("feed")
EVERY = 60.0
GRACE = 5.0


async def _every_minute(state: AppState) -> None:
    lock = state.key("feed", "trending", "lock")
    while True:
        try:
            await asyncio.sleep(EVERY)
            # one node per minute does it; the lock expires before the next round
            if await state.redis.set(lock, "1", nx=True, ex=int(EVERY) - 5):
                await trending.recompute(state)
                await do_publish_waiting_posts(state)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("trending_recompute_failed")
            await asyncio.sleep(5)


def _worker_concurrency(state: AppState) -> int:
    v = state.settings.extra.get("feed_worker_concurrency")
    if v is None:
        v = os.environ.get("FEED_WORKER_CONCURRENCY", "2")
    return int(v)


async def startup(state: AppState) -> None:
    state.spawn(_every_minute(state))
    n = _worker_concurrency(state)
    if n > 0:
        stop = state.extras["feed.stop"] = asyncio.Event()
        state.spawn(Worker(state, jobs.JOBS, list(jobs.QUEUES), concurrency=n,
                           on_failure=jobs.ON_FAILURE).run(stop, grace=GRACE))


async def shutdown(state: AppState) -> None:
    """Stop claiming; fan-outs under way get GRACE seconds to finish (what is left stays
    pending and another process reclaims it). An idle worker is not waited for."""
    stop = state.extras.get("feed.stop")
    if stop is None:
        return
    stop.set()
    for _ in range(int(GRACE / 0.05)):
        if not running_jobs(state):
            return
        await asyncio.sleep(0.05)
