"""Per-process start/stop of the recommend domain.

Every serving process asks for an indexing pass every few seconds (a unique job, so N
processes still make one pass). In development with Qdrant in local mode, the one process that
can open the local folder also runs the recommend jobs itself, so `python -m server serve`
alone recommends; elsewhere `python -m server worker` runs them.
"""
from __future__ import annotations

import asyncio
import os

import structlog

from handlers.recommend.actions import QUEUE
from handlers.recommend.index import vector_index
from server.jobs import Worker, enqueue

log = structlog.get_logger("recommend")
INDEX_EVERY = float(os.environ.get("RECOMMEND_INDEX_EVERY", 5))


async def _tick(state) -> None:
    while True:
        try:
            await enqueue(state, "recommend.index_posts", {}, queue=QUEUE,
                          unique_key="index_posts")
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("recommend_tick_failed")
        await asyncio.sleep(INDEX_EVERY)


async def startup(state) -> None:
    if state.settings.env == "test":
        return  # tests drive indexing explicitly
    state.spawn(_tick(state))
    if state.settings.env == "development" and not state.settings.qdrant_url:
        if await vector_index(state).available():
            from handlers.recommend.jobs import JOBS

            stop = state.extras["recommend.stop"] = asyncio.Event()
            state.spawn(Worker(state, JOBS, [QUEUE]).run(stop, grace=2))
            log.info("recommend_inprocess_worker", qdrant=vector_index(state).local_path)


async def shutdown(state) -> None:
    stop = state.extras.get("recommend.stop")
    if stop is not None:
        stop.set()
    idx = state.extras.get("recommend.index")
    if idx is not None:
        await idx.close()
